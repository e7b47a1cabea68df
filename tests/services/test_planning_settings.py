"""A database-mode plan's settings, checked once for the command line and the API: each
front door's words for the same rule, and the same bounds."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from doorstep.api.schemas import PLAN_MAX_DAYS
from doorstep.cli import plan as plan_cli
from doorstep.errors import InvalidInput
from doorstep.services.planning_settings import FLAGS, MAX_DAYS, area_settings, check_holidays

DAY = dt.date(2027, 3, 1)


def test_the_command_line_and_the_api_bound_day_counts_alike() -> None:
    assert MAX_DAYS == plan_cli.MAX_DAYS == PLAN_MAX_DAYS


@pytest.mark.parametrize(
    ("given", "cli", "api"),
    [
        (
            {"start": DAY - dt.timedelta(days=1)},
            "--start 2027-02-28 is before today (2027-03-01): plan from today or later",
            "start 2027-02-28 is before today (2027-03-01): plan from today or later",
        ),
        (
            {"subdivision": "CA"},
            "--subdivision needs --country (e.g. --country US --subdivision CA)",
            "subdivision needs country (e.g. country US subdivision CA)",
        ),
        (
            {"country": "cn"},
            "--country 'cn' is not a country with known holidays; did you mean 'CN'?",
            "country 'cn' is not a country with known holidays; did you mean 'CN'?",
        ),
        (
            {"max_gap_days": 4},
            "--stay-days (5) cannot exceed --max-gap-days (4)",
            "stay_days (5) cannot exceed max_gap_days (4)",
        ),
        (
            {"start": dt.date(9999, 6, 1)},
            "--start 9999-06-01 with --months 12 runs past 9999-12-31, the last day a plan "
            "can reach; give an earlier --start or fewer --months",
            "start 9999-06-01 with months 12 runs past 9999-12-31, the last day a plan "
            "can reach; give an earlier start or fewer months",
        ),
    ],
)
def test_a_rule_speaks_in_each_front_door_s_words(given: dict, cli: str, api: str) -> None:
    options = {"start": DAY, "today": DAY, **given}
    with pytest.raises(InvalidInput) as by_flags:
        area_settings(**options, names=FLAGS)
    assert by_flags.value.message == cli
    with pytest.raises(InvalidInput) as by_fields:
        area_settings(**options)
    assert by_fields.value.message == api


def test_the_settings_carry_every_option_to_the_plan() -> None:
    s = area_settings(
        start=DAY,
        today=DAY,
        months=3,
        max_gap_days=30,
        stay_days=3,
        country="CN",
        staff_cap=0.3,
        min_away=2,
        working_days="mon-fri",
        start_days="mon",
        travel_km=20.0,
        travel_days=2,
        seed=7,
    )
    assert (s.start, s.months, s.country, s.default_staff_cap, s.min_away) == (
        DAY,
        3,
        "CN",
        0.3,
        2,
    )
    assert (s.policy.max_gap_days, s.policy.stay_days) == (30, 3)
    assert s.policy.start_weekdays == frozenset({0})
    assert s.working_days == frozenset(range(5))
    assert (s.travel_km, s.travel_days, s.seed) == (20.0, 2, 7)


def test_the_subdivisions_left_out_of_a_refusal_are_counted_in_words_a_page_translates() -> None:
    """The count of a long list's items left out is a part of the sentence, looked up in a
    page's catalogue as the sentence is, not English written into its values."""
    with pytest.raises(InvalidInput) as refused:
        check_holidays("US", "XX", DAY)
    assert re.search(r", KY, \.\.\. \(\d+ in all\)$", refused.value.message), refused.value.message
    looked: list[str] = []
    assert refused.value.says is not None
    refused.value.says.render(lambda template: looked.append(template) or template, str)
    assert "%(shown)s, ... (%(n)s in all)" in looked
