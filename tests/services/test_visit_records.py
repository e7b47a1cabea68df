"""Recording visits as made or missed, on both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict, InvalidInput, NotFound, NotPermitted
from doorstep.reports.calendar import Cancelled, visit_uid
from doorstep.services import calendars, planning, work_lists
from doorstep.services.visit_records import MadeVisit, mark_missed, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree, run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three

TODAY = dt.date(2027, 3, 1)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """:func:`plan_three` over ``with_areas`` (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _rows(engine: Engine, household: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.status, vi.planned_start, vi.actual_start, vi.actual_end, vi.notes, "
                "vi.days_stayed FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = :h ORDER BY COALESCE(vi.actual_start, vi.planned_start)"
            ),
            {"h": household},
        ).mappings()
        return [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows]


def _state(engine: Engine) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with engine.connect() as conn:
        visits = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
        events = conn.execute(text("SELECT * FROM audit_events ORDER BY id")).all()
    return [tuple(map(str, r)) for r in visits], [tuple(map(str, r)) for r in events]


def _record(engine: Engine, made: MadeVisit, today: dt.date = TODAY) -> Any:
    with unit_of_work(engine) as s:
        return record_visit(s, made, actor="test", today=today)


def test_a_visit_made_on_planned_days_becomes_the_planned_visit_not_a_second_one(
    planned: Engine,
) -> None:
    first, last = first_planned(planned, "H0")
    before = _rows(planned, "H0")
    made = MadeVisit("H0", "V1", first + dt.timedelta(days=1), last, note="all well")
    recorded = _record(planned, made)
    after = _rows(planned, "H0")
    assert len(after) == len(before)
    assert recorded.was_planned == first
    done = [r for r in after if r["status"] == "done"]
    assert done == [
        {
            "status": "done",
            "planned_start": str(first),
            "actual_start": str(first + dt.timedelta(days=1)),
            "actual_end": str(last),
            "notes": "all well",
            "days_stayed": str((last - first).days),
        }
    ]


def test_a_visit_made_on_other_days_is_added_and_the_work_lists_count_from_it(
    planned: Engine,
) -> None:
    _, last = first_planned(planned, "H2")
    day = last + dt.timedelta(days=1)  # the next planned visit is weeks later
    before = _rows(planned, "H2")
    recorded = _record(planned, MadeVisit("H2", "V1", day), today=day)
    assert recorded.was_planned is None
    after = _rows(planned, "H2")
    assert len(after) == len(before) + 1
    assert [r["actual_start"] for r in after if r["status"] == "done"] == [str(day)]
    with unit_of_work(planned) as s:
        due = work_lists.work_list(s, "due", actor="test", today=day, days=90)
    assert {r["household"]: r["last_visit"] for r in due}["H2"] == day


def test_each_refusal_is_a_clear_error_and_writes_nothing(planned: Engine, tmp_path: Path) -> None:
    first, last = first_planned(planned, "H0")
    _record(planned, MadeVisit("H1", "V1", dt.date(2027, 2, 20), dt.date(2027, 2, 22)))
    withdrawn = [household(household_id="H2", consent="withdrawn", consent_date="2027-02-10")]
    run_import(
        planned,
        "households",
        write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, withdrawn),
        today=TODAY,
    )
    cases: list[tuple[MadeVisit, type[Exception], str]] = [
        (MadeVisit("H9", "V1", first), NotFound, "no household with id 'H9'"),
        (MadeVisit("H0", "V9", first), NotFound, "no visitor with id 'V9'"),
        (MadeVisit("H0", "V2", first), Conflict, "not paired with this visitor"),
        (MadeVisit("H0", "V1", dt.date(2026, 12, 30)), Conflict, "not paired"),
        (MadeVisit("H2", "V1", dt.date(2027, 2, 12)), NotPermitted, "not given on 2027-02-12"),
        (MadeVisit("H0", "V1", last, first - dt.timedelta(days=1)), InvalidInput, "ends before"),
        (MadeVisit("H0", "V1", dt.date(2027, 3, 2)), InvalidInput, "after today (2027-03-01)"),
        (MadeVisit("H0", "V1", TODAY, dt.date(2027, 3, 3)), InvalidInput, "after today"),
        (
            MadeVisit("H0", "V1", dt.date(2027, 2, 18), dt.date(2027, 2, 20)),
            Conflict,
            "overlaps the visitor's visit recorded from 2027-02-20 to 2027-02-22",
        ),
        (
            # The same visit typed again: said to be recorded already, not a second place.
            MadeVisit("H1", "V1", dt.date(2027, 2, 20), dt.date(2027, 2, 22)),
            Conflict,
            "this visit is recorded already (2027-02-20 to 2027-02-22, the visitor at this "
            "household): nothing to record again",
        ),
    ]
    before = _state(planned)
    for made, error, words in cases:
        with pytest.raises(error) as info:
            _record(planned, made)
        assert words in str(info.value), made
        assert "\n" not in str(info.value)
    assert _state(planned) == before
    # Consent as of the visit's days: before the withdrawal, H2's visit is recorded.
    assert _record(planned, MadeVisit("H2", "V1", dt.date(2027, 2, 1))).visit > 0


def test_a_recorded_visit_is_audited_under_its_household(planned: Engine) -> None:
    recorded = _record(planned, MadeVisit("H1", "V1", dt.date(2027, 2, 26)))
    with planned.connect() as conn:
        event = (
            conn.execute(text("SELECT * FROM audit_events ORDER BY id DESC LIMIT 1"))
            .mappings()
            .one()
        )
    assert (event["action"] in ("create", "update"), event["entity"], event["entity_id"]) == (
        True,
        "household",
        "H1",
    )
    detail = event["detail"] if isinstance(event["detail"], dict) else json.loads(event["detail"])
    assert detail["visit"] == recorded.visit
    assert detail["visitor"] == "V1"
    assert detail["start"] == "2027-02-26"
    # Recorded as of a day given by hand (`--today`), which the trail says.
    assert detail.get("today") == (None if dt.date.today() == TODAY else TODAY.isoformat())


def test_a_note_is_kept_trimmed_and_one_too_long_for_an_import_is_refused(
    planned: Engine,
) -> None:
    first, last = first_planned(planned, "H0")
    before = _state(planned)
    with pytest.raises(InvalidInput, match="the note is too long: 2001 characters, at most 2000"):
        _record(planned, MadeVisit("H0", "V1", first, last, note="x" * 2001))
    assert _state(planned) == before
    _record(planned, MadeVisit("H0", "V1", first, last, note="  padded\n "))
    assert [r["notes"] for r in _rows(planned, "H0") if r["status"] == "done"] == ["padded"]
    assert MadeVisit("H0", "V1", first, note=" \t ").note is None
    assert MadeVisit("H0", "V1", first, note=" " + "y" * 2000 + " ").note == "y" * 2000


def test_a_visit_marked_missed_is_pulled_early_by_the_next_plan(planned: Engine) -> None:
    first, _ = first_planned(planned, "H0")
    with unit_of_work(planned) as s:
        mark_missed(s, "H0", "V1", first, actor="test", today=first)
    assert any(
        r["status"] == "missed" and r["planned_start"] == str(first) for r in _rows(planned, "H0")
    )
    again = first + dt.timedelta(days=1)
    with unit_of_work(planned) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=again, months=4), actor="test", today=again
        )
    # Pulled as early as V1's other stays allow.
    nxt = min(
        dt.date.fromisoformat(r["planned_start"])
        for r in _rows(planned, "H0")
        if r["status"] == "planned"
    )
    assert again <= nxt <= again + dt.timedelta(days=7)  # not a cadence's gap later
    with planned.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = 'H0' ORDER BY id DESC")
        ).scalars()
        assert any("missed" in str(d) for d in detail)


def test_missing_a_visit_not_begun_or_not_planned_is_refused(planned: Engine) -> None:
    first, _ = first_planned(planned, "H0")
    before = _state(planned)
    with pytest.raises(InvalidInput, match="has not begun"), unit_of_work(planned) as s:
        mark_missed(s, "H0", "V1", first, actor="test", today=first - dt.timedelta(days=1))
    with pytest.raises(NotFound, match="no planned visit of H0 by V1"), unit_of_work(planned) as s:
        mark_missed(s, "H0", "V1", first + dt.timedelta(days=1), actor="test", today=TODAY)
    # A day with no visit planned, not yet come: "no planned visit", not "not begun".
    later = first + dt.timedelta(days=1)
    with pytest.raises(NotFound, match="no planned visit of H0 by V1"), unit_of_work(planned) as s:
        mark_missed(s, "H0", "V1", later, actor="test", today=first - dt.timedelta(days=1))
    assert _state(planned) == before


def _cancelled(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, c.starts_on, c.ends_on "
                "FROM cancelled_visits c JOIN households h ON h.id = c.household_id "
                "JOIN visitors v ON v.id = c.visitor_id ORDER BY c.id"
            )
        ).all()
    return [(str(h), str(v), str(a)[:10], str(z)[:10]) for h, v, a, z in rows]


def _latest(engine: Engine, household: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = :h ORDER BY id DESC LIMIT 1"),
            {"h": household},
        ).scalar_one()
    return found if isinstance(found, dict) else dict(json.loads(found))


def test_a_visit_recorded_elsewhere_cancels_the_visitors_planned_stay_on_its_days(
    planned: Engine,
) -> None:
    # V1 is planned at H0 on these days, but was at H1 on two of them: H0's stay did not
    # happen. It stayed planned until the next plan, so H0's work list row counted it as a
    # stay under way and V1's calendar listed both.
    first, last = first_planned(planned, "H0")
    day = first + dt.timedelta(days=1)
    today = day + dt.timedelta(days=1)
    recorded = _record(planned, MadeVisit("H1", "V1", day, today), today=today)
    assert not [r for r in _rows(planned, "H0") if r["planned_start"] == str(first)]
    assert _cancelled(planned) == [("H0", "V1", str(first), str(last))]
    detail = _latest(planned, "H0")
    assert (detail["status"], detail["start"], detail["end"]) == (
        "cancelled",
        str(first),
        str(last),
    )
    assert recorded.cancelled == (("H0", first),)  # for `visits record` to say so
    with unit_of_work(planned) as s:
        events = calendars.calendar_events(s, "V1", actor="test", since=first)
        due = work_lists.work_list(s, "due", actor="test", today=today, days=90)
    assert Cancelled(visit_uid("H0", "V1", first), first, last) in events.cancelled
    assert not [p for p in events.planned if p[:2] == ("H0", first)]
    h0 = next(r for r in due if r["household"] == "H0")
    assert h0["under_way"] is None
    assert h0["deadline"] == dt.date(2027, 1, 4) + dt.timedelta(days=60)  # its pairing's clock
    # The next plan visits H0 by that deadline, not at its next visit planned (April).
    with unit_of_work(planned) as s:
        start = today + dt.timedelta(days=1)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=start, months=4), actor="test", today=start
        )
    nxt = min(
        dt.date.fromisoformat(r["planned_start"])
        for r in _rows(planned, "H0")
        if r["status"] == "planned"
    )
    assert start <= nxt <= h0["deadline"]


def test_a_visit_on_the_planned_visits_own_days_cancels_nothing(planned: Engine) -> None:
    first, last = first_planned(planned, "H0")
    recorded = _record(planned, MadeVisit("H0", "V1", first, last))
    assert (recorded.was_planned, recorded.cancelled) == (first, ())
    assert _cancelled(planned) == []
