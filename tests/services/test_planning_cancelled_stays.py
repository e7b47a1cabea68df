"""Database-mode planning of a visitor whose stay under way the plan itself cancels: the
stay is not happening, so it keeps the visitor from nothing in that same plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.services import calendars, planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.services.planning_rows import START
from tests.services.planning_rows import day as _day
from tests.services.planning_rows import pair as _pair
from tests.services.planning_rows import planned_days as _planned_days
from tests.services.planning_rows import planned_stay as _planned_stay
from tests.services.planning_rows import sql as _sql

#: How the household H stops getting visits from V after V's stay there was planned.
_NO_VISITS_NOW = {
    "withdrawn": "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H'",
    "excluded": "INSERT INTO exclusions (visitor_id, household_id, reason) "
    "SELECT v.id, h.id, '' FROM visitors v, households h "
    "WHERE v.external_id = 'V' AND h.external_id = 'H'",
}


@pytest.mark.parametrize("how", sorted(_NO_VISITS_NOW))
def test_a_stay_under_way_the_plan_cancels_keeps_its_visitor_from_nothing(
    with_areas: Engine, tmp_path: Path, how: str
) -> None:
    # V is on a stay at H (days -2 to 4, planned before H's pairing stopped getting visits:
    # H withdrew, or the pair was excluded). The plan cancels the stay; G, V's other
    # household and overdue (paired since day -100, never visited), is then visited on the
    # start day, not after the cancelled stay's last day and a travel day (day 6).
    vv = [visitor(visitor_id="V", lat=26.58, lon=107.97)]
    hh = [household(household_id="H"), household(household_id="G", lat=26.58)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    stopped = _pair(with_areas, "H", "V", _day(-100), None)
    other = _pair(with_areas, "G", "V", _day(-100), None)
    _planned_stay(with_areas, stopped, _day(-2), _day(4))
    _sql(with_areas, _NO_VISITS_NOW[how])
    settings = planning.PlanSettings(start=START)
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=START)
    assert _planned_days(with_areas, stopped) == []
    assert _planned_days(with_areas, other)[0][0] == START
    assert (summary.pairings, summary.reasons) == (1, {"overdue_before_planning": 1})
    with unit_of_work(with_areas) as s:
        events = calendars.calendar_events(s, "V", actor="test", since=START)
    assert [(c.start, c.last) for c in events.cancelled] == [(_day(-2), _day(4))]
    # Planned again with nothing changed, the plan stands.
    before = _planned_days(with_areas, other)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=START)
    assert _planned_days(with_areas, other) == before


@pytest.mark.parametrize("how", sorted(_NO_VISITS_NOW))
def test_a_handed_over_stay_at_a_household_v_is_not_to_visit_is_cancelled_too(
    with_areas: Engine, tmp_path: Path, how: str
) -> None:
    # As above, but H was handed to W on the start day while V's stay there is under way:
    # V's pairing with H is over, yet the stay is V's to make only while H consents and the
    # pair is not excluded. It goes as the stay of an open pairing does (cancelled for V's
    # calendar), so G is visited on the start day, and it is no visit of H.
    vv = [visitor(visitor_id="V", lat=26.58, lon=107.97), visitor(visitor_id="W", lat=26.59)]
    hh = [household(household_id="H"), household(household_id="G", lat=26.58)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    old = _pair(with_areas, "H", "V", _day(-100), START)
    new = _pair(with_areas, "H", "W", START, None)
    other = _pair(with_areas, "G", "V", _day(-100), None)
    _planned_stay(with_areas, old, _day(-2), _day(4))
    _sql(with_areas, _NO_VISITS_NOW[how])
    settings = planning.PlanSettings(start=START)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=START)
    assert _planned_days(with_areas, old) == []
    assert _planned_days(with_areas, other)[0][0] == START
    # Excluded from V only, H still consents: W goes at once, H being overdue since day -40.
    assert [a for a, _ in _planned_days(with_areas, new)][:1] == (
        [START] if how == "excluded" else []
    )
    with unit_of_work(with_areas) as s:
        events = calendars.calendar_events(s, "V", actor="test", since=START)
    assert [(c.start, c.last) for c in events.cancelled] == [(_day(-2), _day(4))]
    before = _planned_days(with_areas, other)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=START)
    assert _planned_days(with_areas, other) == before
