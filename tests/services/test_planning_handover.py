"""Database-mode planning of pairings that end near the plan's start: at a hand-over on the
start day a stay of the pairing the household leaves is under way, and the visitor taking
over must not be sent at once; a visitor who leaves before a stay fits is the reason for a
household falling due meanwhile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import calendars, planning, work_lists
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.services.planning_rows import START
from tests.services.planning_rows import as_date as _d
from tests.services.planning_rows import day as _day
from tests.services.planning_rows import pair as _pair
from tests.services.planning_rows import planned_days as _planned_days
from tests.services.planning_rows import planned_stay as _planned_stay
from tests.services.planning_rows import sql as _sql


def _starts(engine: Engine, pairing: int) -> list[dt.date]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT planned_start FROM visits WHERE pairing_id = :p AND status = 'planned' "
                "ORDER BY planned_start"
            ),
            {"p": pairing},
        ).scalars()
        return [_d(a) for a in rows]


def _hand_over(engine: Engine, tmp_path: Path, day: dt.date) -> tuple[int, int]:
    """H, paired with V since day -100 and never visited, is handed to W on ``day``; V's
    stay there is planned on days -2 to 2: ``(V's pairing, W's)``."""
    hh = [household(household_id="H")]
    vv = [visitor(visitor_id="V", lat=26.58, lon=107.97), visitor(visitor_id="W", lat=26.59)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    old = _pair(engine, "H", "V", _day(-100), day)
    new = _pair(engine, "H", "W", day, None)
    _planned_stay(engine, old, _day(-2), _day(2))
    return old, new


@pytest.mark.parametrize("handover", [0, -1])
def test_a_stay_under_way_for_the_pairing_left_is_the_households_last_visit(
    with_areas: Engine, tmp_path: Path, handover: int
) -> None:
    # Handed over on the start day or the day before, the stay is happening: W is due 60
    # days after it began (day 58), not at once, and the household is not reported
    # overdue since day -40.
    engine = with_areas
    old, new = _hand_over(engine, tmp_path, _day(handover))
    with unit_of_work(engine) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert (summary.pairings, summary.compliant_pairings, summary.reasons) == (1, 1, {})
    first = _starts(engine, new)[0]
    assert _day(2) < first <= _day(58)
    assert _starts(engine, old) == [_day(-2)]  # the stay itself is left as it is


def test_a_stay_planned_from_the_day_its_pairing_ended_is_no_visit(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Handed over on the stay's first day, V was never to make it: H is overdue and W goes
    # at once.
    _, new = _hand_over(with_areas, tmp_path, _day(-2))
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert summary.reasons == {"overdue_before_planning": 1}
    assert _starts(with_areas, new)[0] == START


def test_a_household_due_after_its_leaving_visitors_last_start_day_names_the_end(
    with_areas: Engine, tmp_path: Path
) -> None:
    # H, paired with V since day -58 and never visited, is due on day 2; V leaves after
    # day 3, before a 5-day stay fits, and nobody takes H over: no visit, and the reason
    # is that the pairing ends (not `planner`, as if there had been room).
    vv = [visitor(visitor_id="V", active_to=str(_day(3)))]
    hh = [household(household_id="H")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pairing = _pair(with_areas, "H", "V", _day(-58), None)
    with unit_of_work(with_areas) as s:
        built = planning.build_result(s.connection(), "R", planning.PlanSettings(start=START))
    (row,) = built.result.non_compliant()
    assert (row.reason.value, row.gap_from, row.gap_to) == ("pairing_ends", _day(-58), _day(4))
    assert _starts(with_areas, pairing) == []


@pytest.mark.parametrize(
    ("handover", "today", "under_way", "deadline"),
    [
        # On the hand-over day V's stay (days -2 to 2) is happening, not yet recorded: H
        # is not overdue, and W's row says the stay is under way and when H falls due.
        (0, 0, -2, 58),
        (0, 2, -2, 58),
        # Over and still not recorded: H is as overdue as before (since day -40).
        (0, 3, None, -40),
        # Planned from the day V's pairing ended, the stay is nobody's to make.
        (-2, 0, None, -40),
    ],
)
def test_a_stay_under_way_on_a_handover_day_keeps_the_household_off_the_overdue_list(
    with_areas: Engine,
    tmp_path: Path,
    handover: int,
    today: int,
    under_way: int | None,
    deadline: int,
) -> None:
    _hand_over(with_areas, tmp_path, _day(handover))
    with unit_of_work(with_areas) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=_day(today))
        due = work_lists.work_list(s, "due", actor="test", today=_day(today), days=60)
    (row,) = due or overdue
    assert (bool(overdue), row["visitor"], row["last_visit"]) == (deadline < today, "W", None)
    expected = None if under_way is None else _day(under_way)
    assert (row["under_way"], row["deadline"]) == (expected, _day(deadline))


@pytest.mark.parametrize("leave_from", [1, -2])
def test_leave_over_a_stay_under_way_for_the_pairing_left_cuts_it_short_too(
    with_areas: Engine, tmp_path: Path, leave_from: int
) -> None:
    # H is handed to W on the start day while V's stay there (days -2 to 2) is under way;
    # V's leave from day 1 (or from the stay's first day) is imported since. V is away, as
    # for a stay of a pairing still open: the stay ends on day 0, or goes (cancelled for
    # V's calendar) where the leave began by its first day. V has no pairing left in the
    # plan: its leave is read all the same.
    old, new = _hand_over(with_areas, tmp_path, START)
    rows = [["V", _day(leave_from), _day(20)]]
    path = write_csv(tmp_path / "l.csv", ["visitor_id", "starts_on", "ends_on"], rows)
    run_import(with_areas, "leave", path, today=_day(leave_from))
    settings = planning.PlanSettings(start=START)
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=START)
    with unit_of_work(with_areas) as s:
        events = calendars.calendar_events(s, "V", actor="test", since=START)
    if leave_from > 0:
        assert _planned_days(with_areas, old) == [(_day(-2), _day(0))]
        assert [e[:3] for e in events.planned] == [("H", _day(-2), _day(0))]
        # Still the household's last visit: W is due 60 days after its first day.
        assert summary.reasons == {}
        assert _day(0) < _starts(with_areas, new)[0] <= _day(58)
    else:
        assert _planned_days(with_areas, old) == []
        assert [(c.start, c.last) for c in events.cancelled] == [(_day(-2), _day(2))]
        # Nothing of it happened: H is overdue since day -40, and W goes at once.
        assert summary.reasons == {"overdue_before_planning": 1}
        assert _starts(with_areas, new)[0] == START
    # Planned again with nothing changed, the plan stands.
    before = _planned_days(with_areas, new)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=START)
    assert _planned_days(with_areas, new) == before


def test_a_handed_over_stay_cut_by_leave_keeps_its_visitor_busy_only_until_the_cut(
    with_areas: Engine, tmp_path: Path
) -> None:
    # V's stay at H (days -2 to 4, handed to W on the start day) is cut by a day's leave
    # on day 1: V is free again from day 2, so G, V's other household and overdue, is
    # visited then, not after the stay's old last day and a travel day (day 6).
    _hand_over(with_areas, tmp_path, START)
    _sql(
        with_areas,
        "UPDATE visits SET planned_end = :z WHERE planned_start = :a",
        a=_day(-2),
        z=_day(4),
    )
    more = [household(household_id="G", lat=26.58)]
    run_import(with_areas, "households", write_csv(tmp_path / "g.csv", HOUSEHOLD_HEADER, more))
    other = _pair(with_areas, "G", "V", _day(-100), None)
    rows = [["V", _day(1), _day(1)]]
    path = write_csv(tmp_path / "l.csv", ["visitor_id", "starts_on", "ends_on"], rows)
    run_import(with_areas, "leave", path, today=_day(1))
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    assert _starts(with_areas, other)[0] == _day(2)


def test_a_handed_over_stay_ends_the_day_before_its_households_withdrawal(
    with_areas: Engine, tmp_path: Path
) -> None:
    # V's stay at H (days -2 to 2, handed to W on the start day) is under way when H's
    # withdrawal, dated day 1, is entered that day and the area planned from the start:
    # H consented on the start day, so the stay is happening until the withdrawal and ends
    # the day before it (it used to be cancelled whole); W gets no visit at all.
    old, new = _hand_over(with_areas, tmp_path, START)
    row = household(household_id="H", consent="withdrawn", consent_date=str(_day(1)))
    path = write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, [row])
    run_import(with_areas, "households", path, today=_day(1))
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=_day(1))
    assert _planned_days(with_areas, old) == [(_day(-2), _day(0))]
    assert _planned_days(with_areas, new) == []
