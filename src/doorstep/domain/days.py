"""Days at the calendar's ends: a person may ask for any day a date can hold, and stepping
past 9999-12-31 or before 0001-01-01 is an error of the language, not of their request.

A day a person gives for something that happened or is planned is another matter: one
before :data:`FIRST_DAY` is a year typed with a digit missing (0148 for 2148 or 1948), and
is refused rather than stored as if real (:func:`check_not_too_early`). Filters and
read-only queries may still ask for any day."""

from __future__ import annotations

import datetime as dt

from doorstep.errors import InvalidInput
from doorstep.say import Say

#: The first day a programme's record may hold: the programme's visits, activities,
#: referrals, consent acts and periods all lie after it, and a report's or an outcome's year
#: is at least its year (:data:`FIRST_YEAR`).
FIRST_DAY = dt.date(1900, 1, 1)
#: The first year a report, an outcome or a household's figures may be of.
FIRST_YEAR = FIRST_DAY.year
#: Why a day before :data:`FIRST_DAY` is refused where its field and value are named apart
#: (an import's row and column; an errors file about people copies no value).
TOO_EARLY = Say(
    "before %(first)s, the earliest day a record may hold: check the year", first=FIRST_DAY
)


def too_early(day: dt.date, what: Say | str) -> Say | None:
    """Why ``day``, ``what`` (its field in a sentence's words, "the first day", or as the
    caller names it, "--start"), is refused, or ``None`` when it is :data:`FIRST_DAY` or
    later."""
    if day >= FIRST_DAY:
        return None
    return Say(
        "%(what)s, %(day)s, is before %(first)s, the earliest day a record may hold: check "
        "its year",
        what=what,
        day=day,
        first=FIRST_DAY,
    )


def check_not_too_early(day: dt.date | None, what: Say | str) -> None:
    """Refuse (:class:`~doorstep.errors.InvalidInput`) ``day``, ``what``, before
    :data:`FIRST_DAY`; no day (``None``: a default, such as today) passes."""
    if day is not None and (why := too_early(day, what)) is not None:
        raise InvalidInput(why)


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
