"""The first day a programme's record may hold: the day itself is taken, the day before it
refused with the field, the day and the bound; no day (a default) passes."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.domain.days import FIRST_DAY, FIRST_YEAR, check_not_too_early, too_early
from doorstep.errors import InvalidInput
from doorstep.say import Say


def test_the_first_day_is_taken_and_the_day_before_it_refused() -> None:
    assert (dt.date(1900, 1, 1), 1900) == (FIRST_DAY, FIRST_YEAR)
    for day in (FIRST_DAY, dt.date(2027, 3, 1), dt.date.max):
        assert too_early(day, Say("the first day")) is None
        check_not_too_early(day, Say("the first day"))
    check_not_too_early(None, Say("the first day"))
    for day in (FIRST_DAY - dt.timedelta(days=1), dt.date(148, 5, 3), dt.date.min):
        with pytest.raises(InvalidInput) as refused:
            check_not_too_early(day, "--start")
        assert refused.value.message == (
            f"--start, {day}, is before 1900-01-01, the earliest day a record may hold: check "
            "its year"
        )
        assert refused.value.status == 422
