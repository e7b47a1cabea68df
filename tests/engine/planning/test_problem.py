"""The policy and the problem refuse bad input at construction."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from doorstep.engine.planning import (
    CadencePolicy,
    PlanningProblemBuilder,
    add_months,
    max_away,
    policy_for,
    public_holidays,
)
from doorstep.engine.planning.calendars import AVAILABLE, HOLIDAY, NOT_WORKING
from tests.engine.planning.instances import START, day, one_pair


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_gap_days": 0},
        {"stay_days": 0},
        {"stay_days": 61},
        {"start_weekdays": frozenset()},
        {"start_weekdays": frozenset({7})},
        {"min_visits_per_year": 100},
    ],
)
def test_a_policy_that_cannot_be_followed_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each message differs
        CadencePolicy(**kwargs)  # type: ignore[arg-type]


def test_an_area_override_replaces_the_programme_policy() -> None:
    programme = CadencePolicy()
    hills = programme.override(max_gap_days=90)
    assert policy_for(programme, {"hills": hills}, "hills").max_gap_days == 90
    assert policy_for(programme, {"hills": hills}, "plain") is programme
    assert policy_for(programme, {"hills": hills}, None) is programme


def test_the_cap_is_floored_but_lets_at_least_one_away_unless_told_otherwise() -> None:
    assert max_away(100, 0.3) == 30
    assert max_away(3, 0.3) == 1
    assert max_away(3, 0.3, minimum=0) == 0
    assert max_away(10, None) == -1
    with pytest.raises(ValueError, match="share"):
        max_away(10, 1.5)


def test_calendar_codes_mark_holidays_and_days_off() -> None:
    problem = one_pair(days=14, holidays=[2], working_weekdays=range(5))
    codes = problem.calendar_codes[0]
    assert codes[0] == AVAILABLE  # Monday
    assert codes[2] == HOLIDAY
    assert codes[5] == codes[6] == NOT_WORKING  # the weekend
    assert problem.calendar_run[0, 0] == 2  # Monday, Tuesday; Wednesday is a holiday


def test_public_holidays_come_from_the_holidays_package() -> None:
    days = public_holidays("CN", date(2027, 1, 1), date(2027, 12, 31))
    assert date(2027, 10, 1) in days  # National Day
    with pytest.raises(ValueError, match="country"):
        public_holidays("XX", date(2027, 1, 1), date(2027, 12, 31))


def test_months_are_added_by_the_calendar() -> None:
    assert add_months(date(2027, 1, 1), 12) == date(2028, 1, 1)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_the_builder_refuses_unknown_ids_and_double_pairings() -> None:
    b = PlanningProblemBuilder(START, days=30)
    b.add_visitor("v")
    b.add_household("h")
    with pytest.raises(ValueError, match="unknown visitor"):
        b.add_pairing("h", "w")
    with pytest.raises(ValueError, match="unknown organisation"):
        b.add_visitor("w", organisation="nowhere")
    b.add_pairing("h", "v")
    b.add_fixed_visit("h", "x", day(1), day(2))
    with pytest.raises(ValueError, match="not of a listed pairing"):
        b.build()


def test_the_problem_arrays_are_read_only() -> None:
    problem = one_pair()
    with pytest.raises(ValueError, match="read-only"):
        problem.pairing_visitor[0] = 1
    assert isinstance(problem.pairing_visitor, np.ndarray)
