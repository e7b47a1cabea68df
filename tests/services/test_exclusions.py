"""One exclusion at a time: added, its reason changed, removed; audited under the
household naming the visitor; a proposal that could have paired the two goes stale."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from doorstep.engine.planning import CadencePolicy
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.services import calendars, exclusions, planning, work_lists
from doorstep.services.exclusions import Change
from doorstep.services.household_rights import erase_household, export_household
from doorstep.services.visitor_rights import erase_visitor, export_visitor
from doorstep.storage.base import Base
from doorstep.storage.repositories.pairing import input_writes
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.services.importing.test_import_exclusions import _stored
from tests.services.pairing.tree import (
    TODAY,
    commit,
    near_and_far,
    open_pairings,
    propose,
    proposed,
)


@pytest.fixture
def area(engine: Engine, tmp_path: Path) -> Engine:
    """H1 in village A1; VNEAR next door, VFAR 5.5 km north."""
    return near_and_far(engine, tmp_path)


def _exclude(engine: Engine, h: str, v: str, reason: str | None) -> exclusions.ExclusionChange:
    with unit_of_work(engine) as s:
        return exclusions.exclude(s, h, v, reason=reason, actor="ann")


def _unexclude(engine: Engine, h: str, v: str) -> exclusions.ExclusionChange:
    with unit_of_work(engine) as s:
        return exclusions.unexclude(s, h, v, actor="ann")


def _all_events(engine: Engine) -> list[tuple[str, str, str, Any]]:
    """``(actor, action, household, detail)`` of every household event, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity_id, detail FROM audit_events "
                "WHERE entity = 'household' ORDER BY id"
            )
        ).all()
    return [
        (str(a), str(c), str(i), json.loads(d) if isinstance(d, str) else d) for a, c, i, d in rows
    ]


def _events(engine: Engine) -> list[tuple[str, str, str, Any]]:
    return [e for e in _all_events(engine) if e[3].get("table") == "exclusions"]


def _events_of(engine: Engine, act: Callable[[Session], object]) -> list[tuple[str, str, str, Any]]:
    """``(action, entity, id, detail)`` of each event ``act`` writes in its unit, in order."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
    with unit_of_work(engine) as s:
        act(s)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events "
                "WHERE id > :before ORDER BY id"
            ),
            {"before": before},
        ).all()
    return [(a, e, i, json.loads(d) if isinstance(d, str) else d) for a, e, i, d in rows]


def _writes(engine: Engine) -> int:
    with engine.connect() as conn:
        return input_writes(conn)


def test_a_pair_is_added_its_reason_changed_and_removed_each_audited_once(area: Engine) -> None:
    assert _exclude(area, "H1", "VNEAR", " asked not to ").change is Change.ADDED
    assert _stored(area) == [("H1", "VNEAR", "asked not to")]
    writes = _writes(area)
    # Again with the same reason, or none: nothing written; the stored reason shown is read.
    assert _exclude(area, "H1", "VNEAR", "asked not to").change is Change.UNCHANGED
    again = _exclude(area, "H1", "VNEAR", None)
    assert (again.change, again.reason) == (Change.UNCHANGED, "asked not to")
    assert _writes(area) == writes
    assert _exclude(area, "H1", "VNEAR", "former employer").change is Change.UPDATED
    assert _stored(area) == [("H1", "VNEAR", "former employer")]
    assert _unexclude(area, "H1", "VNEAR").change is Change.REMOVED
    assert _stored(area) == []
    named = {"table": "exclusions", "visitor": "VNEAR"}
    assert _events(area) == [
        ("ann", "create", "H1", named),
        ("ann", "read", "H1", named),
        ("ann", "read", "H1", named),
        ("ann", "update", "H1", named),
        ("ann", "update", "H1", {**named, "removed": True}),
    ]


def test_a_pair_excluded_again_unchanged_is_read_under_both_people_not_written(
    area: Engine,
) -> None:
    _exclude(area, "H1", "VNEAR", "asked not to")
    writes = _writes(area)
    said: list[str | None] = []
    events = _events_of(
        area,
        lambda s: said.append(
            exclusions.exclude(s, "H1", "VNEAR", reason=None, actor="ann").reason
        ),
    )
    # The command says "excluded already (asked not to)": the stored reason, about both.
    assert said == ["asked not to"]
    assert _writes(area) == writes
    assert events == [
        ("read", "household", "H1", {"table": "exclusions", "visitor": "VNEAR"}),
        ("read", "visitor", "VNEAR", {"table": "exclusions", "household": "H1"}),
    ]


def test_unknown_or_erased_people_a_pair_not_excluded_and_a_bad_reason_are_refused(
    area: Engine,
) -> None:
    with pytest.raises(NotFound, match="no household with id 'H9'"):
        _exclude(area, "H9", "VNEAR", None)
    with pytest.raises(NotFound, match="no visitor with id 'V9'"):
        _exclude(area, "H1", "V9", None)
    with pytest.raises(NotFound, match="H1 and VNEAR are not excluded; nothing to remove"):
        _unexclude(area, "H1", "VNEAR")
    with pytest.raises(InvalidInput, match="the reason is too long: 201 characters, at most 200"):
        _exclude(area, "H1", "VNEAR", "x" * 201)
    with unit_of_work(area) as s:
        erase_visitor(s, "VFAR", actor="test")
    with pytest.raises(NotFound, match="visitor VFAR was erased: there is no one to keep apart"):
        _exclude(area, "H1", "VFAR", None)
    assert _stored(area) == [] and _events(area) == []


def test_an_erased_visitor_s_exclusion_is_removed_under_the_household_naming_no_one(
    area: Engine,
) -> None:
    # The exclusion is the household's row too: its export listed it, and its trail must
    # say why it is gone, without the erased visitor's id.
    _exclude(area, "H1", "VFAR", None)
    events = _events_of(area, lambda s: erase_visitor(s, "VFAR", actor="ann"))
    assert _stored(area) == []
    assert [e[:3] for e in events] == [("delete", "visitor", "VFAR"), ("update", "household", "H1")]
    assert events[1][3] == {"table": "exclusions", "removed": True, "erased": "visitor"}


def test_an_erased_household_s_exclusion_is_removed_under_the_visitor_naming_no_one(
    area: Engine,
) -> None:
    # The exclusion is the visitor's row too (their erasure deletes it as their own).
    _exclude(area, "H1", "VFAR", None)
    events = _events_of(area, lambda s: erase_household(s, "H1", actor="ann"))
    assert _stored(area) == []
    assert [e[:3] for e in events] == [("delete", "household", "H1"), ("update", "visitor", "VFAR")]
    assert events[1][3] == {"table": "exclusions", "removed": True, "erased": "household"}


def test_an_open_proposal_goes_stale_when_its_pair_is_excluded_and_when_excluded_ones_are_not(
    area: Engine,
) -> None:
    view = propose(area, "A")
    assert proposed(area, view.id) == {"H1": "VNEAR"}
    _exclude(area, "H1", "VNEAR", None)
    with pytest.raises(
        Conflict,
        match="the exclusions between the households of A and the visitors in reach",
    ):
        commit(area, view.id)
    apart = propose(area, "A")
    assert proposed(area, apart.id) == {"H1": "VFAR"}
    _unexclude(area, "H1", "VNEAR")
    with pytest.raises(
        Conflict,
        match="the exclusions between the households of A and the visitors in reach",
    ):
        commit(area, apart.id)
    assert open_pairings(area) == []


def test_a_pair_paired_now_is_said_to_be_and_keeps_its_pairing(area: Engine) -> None:
    commit(area, propose(area, "A").id)
    out = _exclude(area, "H1", "VNEAR", "conflict of interest")
    assert out.paired_in == "A1"
    assert _exclude(area, "H1", "VFAR", None).paired_in is None
    assert open_pairings(area) == [("VNEAR", "H1")]


def _exclusion_events(export: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The exclusion events an export lists: action, entity, id, detail."""
    return [
        (e["action"], e["entity"], e["entity_id"], e["detail"])
        for e in export["records"]["audit_events"]
        if e["detail"].get("table") == "exclusions"
    ]


def test_a_removed_exclusion_stays_in_both_exports_every_change_of_it(area: Engine) -> None:
    _exclude(area, "H1", "VNEAR", "asked not to")
    _exclude(area, "H1", "VNEAR", "former employer")
    _unexclude(area, "H1", "VNEAR")
    with unit_of_work(area) as s:
        his = export_visitor(s, "VNEAR", actor="test")
        theirs = export_household(s, "H1", actor="test")
    named, naming = {"table": "exclusions", "visitor": "VNEAR"}, {"table": "exclusions"}
    naming["household"] = "H1"
    assert _exclusion_events(his) == [
        ("create", "household", "H1", named),
        ("create", "visitor", "VNEAR", naming),
        ("update", "household", "H1", named),
        ("update", "visitor", "VNEAR", naming),
        ("update", "household", "H1", {**named, "removed": True}),
        ("update", "visitor", "VNEAR", {**naming, "removed": True}),
    ]
    assert [e[:3] for e in _exclusion_events(theirs)] == [
        ("create", "household", "H1"),
        ("update", "household", "H1"),
        ("update", "household", "H1"),
    ]
    # Another visitor's export lists none of it.
    with unit_of_work(area) as s:
        assert _exclusion_events(export_visitor(s, "VFAR", actor="test")) == []


def _plan(engine: Engine, start: dt.date) -> planning.PlanSummary:
    settings = planning.PlanSettings(
        start=start, months=3, policy=CadencePolicy(max_gap_days=30, stay_days=1)
    )
    with unit_of_work(engine) as s:
        return planning.plan_area(s, "A", settings, actor="test", today=settings.start)


def _planned(engine: Engine) -> list[tuple[str, str, dt.date]]:
    """``(household, visitor, first day)`` of every planned visit."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, vi.planned_start FROM visits vi "
                "JOIN households h ON h.id = vi.household_id "
                "JOIN visitors v ON v.id = vi.visitor_id "
                "WHERE vi.status = 'planned' ORDER BY vi.planned_start"
            )
        ).all()
    return [(str(h), str(v), dt.date.fromisoformat(str(d))) for h, v, d in rows]


def test_a_pair_excluded_while_paired_loses_its_planned_visits_at_once_and_gets_no_new_ones(
    area: Engine,
) -> None:
    commit(area, propose(area, "A").id)
    _plan(area, TODAY)
    before = _planned(area)
    assert before and {(h, v) for h, v, _ in before} == {("H1", "VNEAR")}
    later = TODAY + dt.timedelta(days=20)
    with unit_of_work(area) as s:
        out = exclusions.exclude(s, "H1", "VNEAR", reason="conflict", actor="ann", today=later)
    _dated(area, 0, later)  # the trail's clock is the real one: made on ``later``, as here
    # Those from ``later`` on are cancelled (kept for the calendars), the earlier ones stay.
    gone = [d for _, _, d in before if d >= later]
    assert gone and out.cancelled == tuple(gone) and out.paired_in == "A1"
    assert _planned(area) == [p for p in before if p[2] < later]
    with unit_of_work(area) as s:
        shown = calendars.calendar_events(s, "VNEAR", actor="test", since=later)
    assert shown.planned == [] and [c.start for c in shown.cancelled] == gone
    cancelled = [e for e in _all_events(area) if e[3].get("status") == "cancelled"]
    assert [(e[1], e[2], e[3]["visitor"], e[3]["start"]) for e in cancelled] == [
        ("update", "H1", "VNEAR", d.isoformat()) for d in gone
    ]
    # The pairing waits for the next commit; a plan meanwhile gives the pair nothing, and
    # the work lists say that the household needs a new visitor.
    assert open_pairings(area) == [("VNEAR", "H1")]
    with unit_of_work(area) as s:
        due = work_lists.work_list(s, "due", actor="test", today=later, days=365)
    assert [(r["household"], r["visitor"], r["status"]) for r in due] == [
        ("H1", "VNEAR", "pair excluded: a new visitor is needed")
    ]
    summary = _plan(area, later)
    assert summary.pairings == 0 and _planned(area) == [p for p in before if p[2] < later]
    # Excluded again (its reason changed): nothing left to cancel.
    with unit_of_work(area) as s:
        again = exclusions.exclude(s, "H1", "VNEAR", reason="moved", actor="ann", today=later)
    assert again.cancelled == ()
    # The next commit ends it; the household's new visitor is planned.
    commit(area, propose(area, "A", today=later).id, today=later)
    _plan(area, later)
    assert {(h, v) for h, v, d in _planned(area) if d >= later} == {("H1", "VFAR")}


def test_an_import_excluding_a_paired_pair_cancels_its_planned_visits_and_says_so(
    area: Engine, tmp_path: Path
) -> None:
    commit(area, propose(area, "A").id)
    _plan(area, TODAY)
    before = _planned(area)
    path = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id"], [["H1", "VNEAR"]])
    summary = run_import(area, "exclusions", path, today=TODAY)
    assert _planned(area) == []
    n = len(before)
    assert summary.notes[-1] == (
        f"{n} planned visits of excluded pairs cancelled (VNEAR to H1 on {before[0][2]}, "
        + ", ".join(f"VNEAR to H1 on {d}" for _, _, d in before[1:5])
        + (f" and {n - 5} more" if n > 5 else "")
        + "): the visitors' next calendars send them as cancelled."
    )
    cancelled = [e for e in _all_events(area) if e[3].get("status") == "cancelled"]
    assert len(cancelled) == n and {e[2] for e in cancelled} == {"H1"}
    assert all(e[3]["file"] == "x.csv" for e in cancelled)


def test_a_plan_drops_and_never_plans_the_visits_of_an_excluded_pair_still_paired(
    area: Engine,
) -> None:
    # Planned visits of a pair excluded before they were cancelled at once (as stored
    # before that): the next plan drops them, as cancelled, and plans none.
    commit(area, propose(area, "A").id)
    _plan(area, TODAY)
    assert _planned(area)
    with area.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exclusions (visitor_id, household_id, reason) SELECT v.id, h.id, '' "
                "FROM visitors v, households h "
                "WHERE v.external_id = 'VNEAR' AND h.external_id = 'H1'"
            )
        )
    summary = _plan(area, TODAY)
    assert (summary.pairings, summary.visits, _planned(area)) == (0, 0, [])
    assert open_pairings(area) == [("VNEAR", "H1")]


def _dated(engine: Engine, after: int, day: dt.date) -> int:
    """Date the events written since event ``after`` at noon UTC on ``day`` (the trail's
    clock is the real one); returns the last event's id."""
    events = Base.metadata.tables["audit_events"]
    at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id > after).values(at=at))
        return int(conn.execute(select(func.max(events.c.id))).scalar_one())


def _status(engine: Engine, day: dt.date) -> str:
    with unit_of_work(engine) as s:
        rows = work_lists.work_list(s, "due", actor="test", today=day, days=365)
    assert [(r["household"], r["visitor"]) for r in rows] == [("H1", "VNEAR")]
    return str(rows[0]["status"])


def test_a_work_list_drawn_for_a_past_day_calls_a_pair_excluded_only_from_its_exclusion(
    area: Engine,
) -> None:
    commit(area, propose(area, "A").id)
    last = _dated(area, 0, TODAY)
    excluded = "pair excluded: a new visitor is needed"
    day = [TODAY + dt.timedelta(days=n) for n in range(40)]
    # Excluded on day 10, removed on day 20, excluded again on day 30 (its reason changed
    # on day 35, which is no new exclusion), as the trail dates them.
    _exclude(area, "H1", "VNEAR", "conflict")
    last = _dated(area, last, day[10])
    _unexclude(area, "H1", "VNEAR")
    last = _dated(area, last, day[20])
    _exclude(area, "H1", "VNEAR", None)
    last = _dated(area, last, day[30])
    _exclude(area, "H1", "VNEAR", "moved")
    last = _dated(area, last, day[35])
    assert [_status(area, day[n]) for n in (5, 10, 15, 25, 30, 39)] == [
        "",
        excluded,
        excluded,
        "",
        excluded,
        excluded,
    ]
    # An exclusion the trail does not date (its events gone) is taken as made already.
    with area.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE entity = 'visitor'"))
    assert _status(area, day[5]) == excluded
