"""The reason given for a missed cadence names what actually blocked the window.

Each day of the window can be blocked by several constraints at once (a visitor on leave
in a week with a holiday, a household away at weekends the visitor does not work). The
working pattern and the start weekdays say which days could ever start a stay; the reason
is the constraint that took the most of those away, whichever the planner happens to ask
about first.
"""

from __future__ import annotations

from datetime import date

from doorstep.engine.planning import (
    CadencePolicy,
    PlanningProblemBuilder,
    PlanResult,
    Reason,
    check_visits,
    plan,
    public_holidays,
)
from tests.engine.planning.instances import one_pair

MON_FRI = range(5)  # START (day 0) is a Monday: day d is a Monday when d % 7 == 0


def no_hard_violations(result: PlanResult) -> bool:
    v = result.visits
    return check_visits(result.problem, v.pairing, v.start, v.end, v.fixed).total == 0


def test_leave_over_the_whole_window_is_named_though_some_of_its_weeks_have_a_holiday() -> None:
    # Five-day stays, Monday to Friday: only Mondays can start one. The visitor is away
    # until day 66, so the household waits from day 0 to day 70 and one visit on days
    # 10-60 would have closed the gap. All seven Mondays there are on leave; three of them
    # also have a holiday in their week, each of which blocks five start days (Thursday to
    # Monday), so asking the calendar first counted 15 days for the holidays and 4 for
    # the leave.
    holidays = [16, 30, 44]  # Wednesdays
    result = plan(one_pair(days=90, working_weekdays=MON_FRI, leave=[(0, 66)], holidays=holidays))
    record = result.pairing(0)
    assert (record.compliant, record.longest_gap_days) == (False, 70)
    assert record.reason is Reason.LEAVE
    assert no_hard_violations(result)


def test_the_testers_visitor_on_leave_over_chinese_holidays_is_blamed_on_the_leave() -> None:
    # As reported: away from the horizon's first day to 25 May 2027, on a Monday-to-Friday
    # week with China's public holidays (Qingming on 5 April, Labour Day from 1 May). The
    # reason was `holiday`; without the holidays, or with every weekday worked, `leave`.
    start = date(2027, 3, 22)
    b = PlanningProblemBuilder(start, months=12, default_policy=CadencePolicy())
    b.add_calendar(
        working_weekdays=MON_FRI, holidays=public_holidays("CN", start, date(2028, 3, 22))
    )
    b.add_visitor("V3", leave=[(start, date(2027, 5, 25))])
    b.add_household("H99")
    b.add_pairing("H99", "V3", active_from=date(2027, 3, 20))
    (record,) = plan(b.build()).non_compliant()
    assert (record.longest_gap_days, record.reason) == (72, Reason.LEAVE)


def test_a_holiday_on_a_day_off_is_not_blamed_for_what_a_blackout_blocked() -> None:
    # The household is away until day 66 (every Monday's stay of days 10-60 meets it).
    # Holidays on Saturdays, a day the visitor does not work anyway, touch the stays of
    # every start day from Tuesday to Saturday before them, none of which could start a
    # Monday-to-Friday stay.
    saturdays = range(5, 66, 7)
    result = plan(
        one_pair(days=90, working_weekdays=MON_FRI, blackouts=[(0, 66)], holidays=saturdays)
    )
    record = result.pairing(0)
    assert not record.compliant
    assert record.reason is Reason.BLACKOUT


def test_a_stay_that_never_fits_the_working_week_is_the_pattern_even_with_a_holiday() -> None:
    # Six-day stays on five-day weeks can never start: a holiday in the window takes no
    # day away that the working pattern had left, so it is not the reason.
    policy = CadencePolicy(stay_days=6)
    result = plan(one_pair(days=90, policy=policy, working_weekdays=MON_FRI, holidays=[30]))
    assert len(result.visits) == 0
    assert result.pairing(0).reason is Reason.WORKING_PATTERN


def test_holidays_on_every_monday_of_the_window_are_named_not_the_weekend_blackouts() -> None:
    # Five-day stays every 28 days at most, Monday to Friday, the household away every
    # weekend: only Mondays can start a stay, and holidays take the Mondays of days 14-35.
    # After a visit on day 0 the next is on day 42; one on days 14-28 would have closed the
    # gap, and each of its three Mondays is a holiday. The weekend blackouts block more
    # start days of it in all (12, Tuesday to Sunday, against 11), but none that the working
    # week had left, so they are not what broke the cadence.
    policy = CadencePolicy(max_gap_days=28, stay_days=5)
    weekends = [(d, d + 1) for d in range(5, 70, 7)]
    result = plan(
        one_pair(
            days=70,
            policy=policy,
            working_weekdays=MON_FRI,
            holidays=[14, 21, 28, 35],
            blackouts=weekends,
        )
    )
    record = result.pairing(0)
    assert (record.compliant, record.longest_gap_days) == (False, 42)
    assert record.reason is Reason.HOLIDAY
    assert no_hard_violations(result)


def test_leave_and_a_holiday_over_the_same_days_name_the_leave_that_covers_more() -> None:
    # Every day is worked and any day can start a stay. Leave covers days 0-66, and a
    # holiday week days 20-26: both block the days around the holiday; the leave alone
    # blocks all the others.
    result = plan(one_pair(days=90, leave=[(0, 66)], holidays=range(20, 27)))
    record = result.pairing(0)
    assert not record.compliant
    assert record.reason is Reason.LEAVE


def test_a_holiday_over_more_of_the_window_than_the_leave_is_named() -> None:
    # Every day worked: holidays on days 0-60 block every start day of the first window
    # (days 0-60), a short leave on days 40-44 only a few of them.
    result = plan(one_pair(days=90, leave=[(40, 44)], holidays=range(0, 61)))
    record = result.pairing(0)
    assert not record.compliant
    assert record.reason is Reason.HOLIDAY
