"""The independent checker finds each kind of hard-constraint violation."""

from __future__ import annotations

from doorstep.engine.planning import PlanningProblemBuilder, check_visits
from tests.engine.planning.instances import START, day, one_pair, one_unit, one_visitor


def test_two_stays_of_one_visitor_on_the_same_day_are_an_overlap() -> None:
    problem = one_visitor(2, days=61)
    assert check_visits(problem, [0, 1], [10, 14], [14, 18]).overlaps == 1
    assert check_visits(problem, [0, 1], [10, 15], [14, 19]).overlaps == 0


def test_a_stay_inside_a_longer_stay_is_an_overlap() -> None:
    problem = one_visitor(3, days=61)
    assert check_visits(problem, [0, 1, 2], [0, 2, 8], [20, 4, 10]).overlaps == 2


def test_holidays_leave_blackouts_and_weekdays_are_each_counted() -> None:
    assert check_visits(one_pair(holidays=[12]), [0], [10], [14]).holidays == 1
    assert check_visits(one_pair(leave=[(14, 20)]), [0], [10], [14]).leave == 1
    assert check_visits(one_pair(blackouts=[(0, 10)]), [0], [10], [14]).blackouts == 1
    sundays_off = one_pair(working_weekdays=range(6))
    assert check_visits(sundays_off, [0], [3], [7]).non_working_days == 1  # day 6 is Sunday


def test_a_stay_of_the_wrong_length_or_outside_the_window_is_counted() -> None:
    problem = one_pair(days=90)
    assert check_visits(problem, [0], [10], [12]).stay_length == 1
    assert check_visits(problem, [0], [90], [94]).outside_window == 1


def test_the_cap_counts_days_over_the_limit_caused_by_planned_visits() -> None:
    problem = one_unit(3, share=0.3, days=61)  # one of three may be away
    v = check_visits(problem, [0, 1], [10, 12], [14, 16])
    assert v.staffing_cap_days == 3  # days 12, 13, 14
    given = check_visits(problem, [0, 1], [10, 12], [14, 16], fixed=[True, True])
    assert given.staffing_cap_days == 0  # recorded visits are facts, not plan errors


def test_far_apart_stays_back_to_back_break_the_rest_rule() -> None:
    b = PlanningProblemBuilder(START, days=90)
    b.add_visitor("v")
    b.add_household("a", lat=40.0, lon=116.0)
    b.add_household("b", lat=41.0, lon=116.0)
    b.add_pairing("a", "v")
    b.add_pairing("b", "v")
    problem = b.build()
    assert check_visits(problem, [0, 1], [0, 5], [4, 9]).travel == 1
    assert check_visits(problem, [0, 1], [0, 6], [4, 10]).travel == 0


def test_unknown_coordinates_fall_back_to_the_sum_of_home_distances() -> None:
    b = PlanningProblemBuilder(START, days=90)
    b.add_visitor("v")
    b.add_household("a")
    b.add_household("b")
    b.add_pairing("a", "v", home_distance_m=30_000.0)
    b.add_pairing("b", "v", home_distance_m=25_000.0)
    assert check_visits(b.build(), [0, 1], [0, 5], [4, 9]).travel == 1  # 55 km > 50 km
    assert day(0) == START
