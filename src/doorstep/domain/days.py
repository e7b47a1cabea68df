"""Days at the calendar's ends: a person may ask for any day a date can hold, and stepping
past 9999-12-31 or before 0001-01-01 is an error of the language, not of their request."""

from __future__ import annotations

import datetime as dt


def end_of_day(day: dt.date) -> dt.datetime:
    """The moment ``day`` ends (UTC), as the bound ``< end`` of its moments: the next day's
    midnight, or, for the calendar's last day, which has no next, its last moment."""
    if day >= dt.date.max:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, stopping at the calendar's first or last day: a window
    reaching past either end holds every day up to it."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
