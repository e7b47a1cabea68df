"""Visitor calendars: a working pattern and public holidays, turned into per-day codes.

Personal leave is per visitor and lives in the problem; a calendar is shared by every visitor
with the same working pattern and holiday set, so a region needs only a handful of them.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

import holidays as holidays_lib
import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.policy import ALL_WEEKDAYS

# Codes of one day in a calendar; leave (per visitor) is checked separately.
AVAILABLE = 0
NOT_WORKING = 1
HOLIDAY = 2


@dataclass(frozen=True, slots=True)
class VisitorCalendar:
    """When a visitor may be on a stay.

    Parameters
    ----------
    working_weekdays
        Weekdays the visitor works (0 = Monday); every day of a stay must be one.
    holidays
        Public holidays; no day of a stay may be one.
    """

    working_weekdays: frozenset[int] = ALL_WEEKDAYS
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.working_weekdays or not self.working_weekdays <= ALL_WEEKDAYS:
            raise ValueError("working_weekdays must be a non-empty subset of 0..6 (0 = Monday)")
        object.__setattr__(self, "working_weekdays", frozenset(self.working_weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def codes(self, start: date, n_days: int) -> npt.NDArray[np.uint8]:
        """Per-day codes (``AVAILABLE``, ``NOT_WORKING``, ``HOLIDAY``) from ``start``."""
        weekday = (start.weekday() + np.arange(n_days)) % 7
        working = np.isin(weekday, sorted(self.working_weekdays))
        out = np.where(working, AVAILABLE, NOT_WORKING).astype(np.uint8)
        for day in self.holidays:
            i = (day - start).days
            if 0 <= i < n_days:
                out[i] = HOLIDAY
        return out


def public_holidays(
    country: str, start: date, end: date, *, subdivision: str | None = None
) -> frozenset[date]:
    """Public holidays of a country (and subdivision) between ``start`` and ``end`` inclusive.

    Computed by the ``holidays`` package from its rules (no I/O).

    Parameters
    ----------
    country
        ISO 3166-1 alpha-2 code, e.g. ``"CN"``.
    start, end
        The first and last day of interest.
    subdivision
        Optional ISO 3166-2 subdivision code understood by ``holidays``.

    Raises
    ------
    ValueError
        If the country or subdivision is unknown to ``holidays``.
    """
    years = list(range(start.year, end.year + 1))
    try:
        table = holidays_lib.country_holidays(country, subdiv=subdivision, years=years)
    except NotImplementedError as exc:
        raise ValueError(f"unknown country for holidays: {country!r}") from exc
    return frozenset(d for d in table if start <= d <= end)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    # The month's length from the calendar, not from the next month's first day: December
    # 9999 has no next month (date(10000, 1, 1) cannot be built).
    return date(year, month, min(day.day, monthrange(year, month)[1]))
