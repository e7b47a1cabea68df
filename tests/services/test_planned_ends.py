"""A visitor given a last day loses their planned visits after it at once, as a household
that withdraws loses its own: cancelled (kept for the calendars), a stay over the day cut to
end on it, each audited; made visits and other visitors' stay as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.planning import CadencePolicy
from doorstep.services import planning, visitor_days
from doorstep.services.cancel_reasons import LAST_DAY, VISITOR_LEFT
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import VISITOR_HEADER, write_csv
from tests.services.pairing.tree import TODAY, commit, near_and_far, propose, worker
from tests.services.test_exclusions import _all_events

Stay = tuple[str, str, dt.date, dt.date, str]


@pytest.fixture
def planned(engine: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 paired with VNEAR, H3 with VFAR: three-day stays planned from TODAY."""
    near_and_far(engine, tmp_path, "H1", "H2", "H3")
    commit(engine, propose(engine, "A").id)
    settings = planning.PlanSettings(
        start=TODAY, months=3, policy=CadencePolicy(max_gap_days=30, stay_days=3)
    )
    with unit_of_work(engine) as s:
        planning.plan_area(s, "A", settings, actor="test", today=TODAY)
    return engine


def _stays(engine: Engine) -> list[Stay]:
    """``(household, visitor, first day, last day, status)`` of every visit."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, vi.planned_start, vi.planned_end, "
                "vi.status FROM visits vi JOIN households h ON h.id = vi.household_id "
                "JOIN visitors v ON v.id = vi.visitor_id ORDER BY vi.planned_start, h.external_id"
            )
        ).all()
    day = dt.date.fromisoformat
    return [(str(h), str(v), day(str(s)[:10]), day(str(e)[:10]), str(t)) for h, v, s, e, t in rows]


def _last_day_within_a_stay(engine: Engine) -> tuple[dt.date, Stay]:
    """The second day of VNEAR's second stay, and that stay: a day a stay runs over."""
    stay = [s for s in _stays(engine) if s[1] == "VNEAR"][1]
    assert stay[3] - stay[2] == dt.timedelta(days=2), "three-day stays"
    return stay[2] + dt.timedelta(days=1), stay


def _made(engine: Engine, stay: Stay) -> Stay:
    """Record ``stay`` as made on its days (a visit the device synced)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE visits SET status = 'done', actual_start = planned_start, "
                "actual_end = planned_end WHERE planned_start = :s AND household_id = "
                "(SELECT id FROM households WHERE external_id = :h)"
            ),
            {"s": stay[2], "h": stay[0]},
        )
    return (*stay[:4], "done")


def _expected(before: list[Stay], last: dt.date, who: str = "VNEAR") -> list[Stay]:
    """``before`` once ``who``'s planned visits after ``last`` are cancelled or cut."""
    out: list[Stay] = []
    for stay in before:
        h, v, start, end, status = stay
        if v != who or status != "planned" or end <= last:
            out.append(stay)
        elif start <= last:
            out.append((h, v, start, last, status))
    return out


def _cancelled(engine: Engine) -> list[tuple[str, dt.date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, c.starts_on FROM cancelled_visits c "
                "JOIN households h ON h.id = c.household_id ORDER BY c.starts_on, h.external_id"
            )
        ).all()
    return [(str(h), dt.date.fromisoformat(str(d)[:10])) for h, d in rows]


def test_a_visitor_ended_by_hand_loses_the_planned_visits_after_their_last_day(
    planned: Engine,
) -> None:
    last, over_it = _last_day_within_a_stay(planned)
    before = _stays(planned)
    later = [s for s in before if s[1] == "VNEAR" and s[2] > last]
    assert len(later) >= 2, "the plan gave VNEAR visits after the day"
    made = _made(planned, later[0])
    before = [made if s == later[0] else s for s in before]

    with unit_of_work(planned) as s:
        ended = visitor_days.end_visitor(s, "VNEAR", last, actor="ann", today=TODAY)
    assert ended is not None
    # The made visit stays, done; the planned ones after the day go, kept for the
    # calendars; the stay over it now ends on it; VFAR's and the earlier ones are untouched.
    after = _stays(planned)
    assert after == _expected(before, last)
    assert made in after and (over_it[0], "VNEAR", over_it[2], last, "planned") in after
    gone = [
        (h, start) for h, v, start, _, t in before if v == "VNEAR" and start > last and t != "done"
    ]
    assert _cancelled(planned) == gone
    assert ended.stopped.cancelled.height == len(gone) and ended.stopped.cut.height == 1

    # Each audited under its household, naming the visitor and why.
    events = [e for e in _all_events(planned) if e[3].get("table") == "visits" and "reason" in e[3]]
    assert [(e[0], e[2], e[3]["start"], e[3]["status"], e[3]["reason"]) for e in events] == [
        ("ann", h, start.isoformat(), "cancelled", VISITOR_LEFT) for h, start in sorted(gone)
    ] + [("ann", over_it[0], over_it[2].isoformat(), "planned", LAST_DAY)]
    cut = events[-1][3]
    assert (cut["end"], cut["was_end"], cut["visitor"]) == (
        last.isoformat(),
        over_it[3].isoformat(),
        "VNEAR",
    )


def test_a_last_day_after_every_planned_visit_changes_no_visit(planned: Engine) -> None:
    before = _stays(planned)
    last = max(s[3] for s in before)
    with unit_of_work(planned) as s:
        ended = visitor_days.end_visitor(s, "VNEAR", last, actor="ann", today=TODAY)
    assert ended is not None and ended.stopped.events == ()
    assert _stays(planned) == before and _cancelled(planned) == []


def test_a_visitors_import_with_a_last_day_cancels_and_cuts_the_same_and_says_so(
    planned: Engine, tmp_path: Path
) -> None:
    last, _ = _last_day_within_a_stay(planned)
    before = _stays(planned)
    row = worker(visitor_id="VNEAR", lat=51.501, active_to=last.isoformat())
    path = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [row])
    notes = run_import(planned, "visitors", path, today=TODAY).notes
    assert _stays(planned) == _expected(before, last)
    n = len([s for s in before if s[1] == "VNEAR" and s[2] > last])
    assert notes == (
        f"1 visitor who leaves: {n} planned visits after their last day cancelled, 1 under "
        "way cut short; pair --area AREA --new-only, then pair commit and plan --area, "
        "hands their households over.",
    )
    events = [e for e in _all_events(planned) if e[3].get("reason") in (VISITOR_LEFT, LAST_DAY)]
    assert len(events) == n + 1 and {e[3]["file"] for e in events} == {"v.csv"}
    # The same row again: nothing changed, nothing more to cancel or say.
    assert run_import(planned, "visitors", path, today=TODAY).notes == ()
