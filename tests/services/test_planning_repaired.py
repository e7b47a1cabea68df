"""Database-mode planning of a household paired more than once with the same visitor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.services.planning_rows import START
from tests.services.planning_rows import as_date as _d
from tests.services.planning_rows import day as _day
from tests.services.planning_rows import pair as _pair
from tests.services.planning_rows import sql as _sql

HORIZON_END = dt.date(2028, 1, 4)  # 12 months


def _planned(engine: Engine) -> dict[int, list[dt.date]]:
    """Planned first days by pairing id."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pairing_id, planned_start FROM visits WHERE status = 'planned' "
                "ORDER BY pairing_id, planned_start"
            )
        ).all()
    out: dict[int, list[dt.date]] = {}
    for pid, a in rows:
        out.setdefault(int(pid), []).append(_d(a))
    return out


@pytest.fixture
def repaired(with_areas: Engine, tmp_path: Path) -> tuple[Engine, dict[str, int]]:
    """H is paired with V, then with W, then with V again (ids in that order); A and B are
    W's, paired after them."""
    hh = [household(household_id=h, lat=26.58 + i / 1000) for i, h in enumerate("HAB")]
    vv = [visitor(visitor_id="V", lat=26.58, lon=107.97), visitor(visitor_id="W", lat=26.59)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    ids = {
        "first": _pair(with_areas, "H", "V", _day(-30), _day(90)),
        "other": _pair(with_areas, "H", "W", _day(90), _day(170)),
        "again": _pair(with_areas, "H", "V", _day(170), None),
        "A": _pair(with_areas, "A", "W", _day(-10), None),
        "B": _pair(with_areas, "B", "W", _day(-10), None),
    }
    return with_areas, ids


def test_each_pairing_of_the_same_household_and_visitor_keeps_its_own_window(
    repaired: tuple[Engine, dict[str, int]],
) -> None:
    engine, ids = repaired
    # A's last planned visit was missed: its next one is pulled forward (A's, not B's).
    _sql(
        engine,
        "INSERT INTO visits (household_id, visitor_id, pairing_id, status, planned_start, "
        "planned_end) SELECT household_id, visitor_id, id, 'missed', :a, :z FROM pairings "
        "WHERE id = :p",
        p=ids["A"],
        a=_day(-6),
        z=_day(-2),
    )
    settings = planning.PlanSettings(start=START)
    with unit_of_work(engine) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert summary.pairings == 5
    assert summary.compliant_pairings == 5
    planned = _planned(engine)
    windows = {
        "first": (START, _day(90 - 4)),  # a 5-day stay is over when the pairing ends
        "other": (_day(90), _day(170 - 4)),
        "again": (_day(170), HORIZON_END),
    }
    for name, (lo, hi) in windows.items():
        starts = planned.get(ids[name], [])
        assert starts, f"no visits planned for pairing {name}"
        assert all(lo <= a < hi for a in starts), (name, starts)
    # Every pairing's id got only its own visits: nothing else was written.
    assert set(planned) == set(ids.values())
    assert planned[ids["A"]][0] == START
    assert planned[ids["B"]][0] > START
    # Re-planning keeps V's visits, each under its own pairing (W's are planned again, as
    # A's missed visit is not made up before the start).
    with unit_of_work(engine) as s:
        again = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    # (W's planned again on the same days stay as they were, and count as kept too.)
    assert again.kept >= len(planned[ids["first"]]) + len(planned[ids["again"]])
    after = _planned(engine)
    assert (after[ids["first"]], after[ids["again"]]) == (
        planned[ids["first"]],
        planned[ids["again"]],
    )


def test_a_recorded_visit_counts_for_the_pairing_whose_window_holds_it(
    repaired: tuple[Engine, dict[str, int]],
) -> None:
    engine, ids = repaired
    # Filed under H's first pairing with V, but made while H's second pairing with V ran.
    made = _day(200)
    _sql(
        engine,
        "INSERT INTO visits (household_id, visitor_id, pairing_id, status, actual_start, "
        "actual_end) SELECT household_id, visitor_id, id, 'done', :a, :z FROM pairings "
        "WHERE id = :p",
        p=ids["first"],
        a=made,
        z=made + dt.timedelta(days=4),
    )
    with unit_of_work(engine) as s:
        built = planning.build_result(s.connection(), "R", planning.PlanSettings(start=START))
    problem, visits = built.result.problem, built.result.visits
    again = built.pairs["id"].to_list().index(ids["again"])  # in the problem's order
    fixed_at = problem.day(made)
    assert fixed_at in visits.start[(visits.pairing == again) & visits.fixed]
    assert built.result.compliant.all()


def test_two_pairings_of_a_household_and_visitor_over_the_same_days_are_refused(
    repaired: tuple[Engine, dict[str, int]],
) -> None:
    engine, ids = repaired
    again = _pair(engine, "A", "W", _day(30), None)
    with unit_of_work(engine) as s, pytest.raises(Conflict) as info:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    assert info.value.message == (
        "household A is paired with visitor W twice over the same days "
        f"(pairings {ids['A']} and {again}): end one of them to plan the area"
    )
