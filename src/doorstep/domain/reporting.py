"""What a programme report is made of: the areas it is broken into, its months, and the
columns of the visit codes it counts. Plain values, shared by the queries that count
(``storage.repositories.report``) and the build that turns counts into a report
(``reports.build``)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from doorstep.domain.days import shifted
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.errors import InvalidInput
from doorstep.say import Say

#: The group id of the whole subtree (no area has id 0).
TOTAL = 0

#: Yearly income per head below which a household is poor, where the programme sets none:
#: China's 2010 line of 2,300 yuan, about 4,000 yuan at today's prices (the demo's).
DEFAULT_POVERTY_LINE = 4_000.0
#: The highest poverty line taken: a trillion a head a year, above any currency's line, so
#: that the line times a household's members stays a finite number (PostgreSQL refuses a
#: product past 1.8e308, and the outcomes' SQL compares an income with one).
POVERTY_LINE_MAX = 1e12


def check_poverty_line(line: float) -> None:
    """Refuse (:class:`~doorstep.errors.InvalidInput`) a poverty line the reports and the
    case file do not take: not positive, or past :data:`POVERTY_LINE_MAX`."""
    if not (math.isfinite(line) and 0 < line <= POVERTY_LINE_MAX):
        raise InvalidInput(
            Say(
                "the poverty line must be a positive amount, at most %(most)s a head a year, "
                "not %(line)s",
                most=f"{POVERTY_LINE_MAX:,.0f}",
                line=repr(line),
            )
        )


#: The decimal places to which an income is compared with the line (a millionth of the
#: currency): in floating point 4,180.3 * 3 is 12,540.900000000001 and 35,175.2 / 5 is
#: 7,035.039999999999, so a household exactly on the line was counted below it by one
#: reckoning or the other; rounded, the difference of the two amounts is 0.
AMOUNT_PLACES = 6


def below_line(income: float, members: int, line: float) -> bool:
    """Whether ``income`` over ``members`` is under ``line`` a head, to
    :data:`AMOUNT_PLACES` (the outcomes' SQL compares the same difference the same way)."""
    return round(income - line * members, AMOUNT_PLACES) < 0


@dataclass(frozen=True)
class ReportArea:
    """An area a report is about or is broken into."""

    id: int
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class MonthSpan:
    """A month of the report: ``label`` (YYYY-MM), its first and last day within the
    period, and ``cutoff``: a household visited (or, never visited, paired) on or after it
    is within its cadence on ``last``."""

    label: str
    first: dt.date
    last: dt.date
    cutoff: dt.date


#: The columns of the visit codes' counts, in the order of their lists.
ACTIVITY_COLUMNS = tuple(f"activity_{c}" for c in ACTIVITIES.codes)
OUTCOME_COLUMNS = tuple(f"outcome_{c}" for c in OUTCOMES.codes)


def share(part: int, whole: int) -> float | None:
    """``part`` as a fraction of ``whole``; ``None`` where there is no whole to be a part of
    (a report shows a dash, a file an empty cell, never a made-up 0 %)."""
    return part / whole if whole else None


def months_back(day: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months before ``day``'s, or the calendar's first
    day if that month is before it."""
    index = day.year * 12 + day.month - 1 - n
    if index < 12:
        return dt.date.min
    return dt.date(index // 12, index % 12 + 1, 1)


def month_spans(start: dt.date, end: dt.date, max_gap_days: int) -> list[MonthSpan]:
    """The months of ``[start, end]``, each cut to the period (the first and the last may
    be part months), with the cutoff of the cadence on its last day."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    spans = []
    first = start
    while first <= end:
        # The calendar's last month has no month after it: it ends the period.
        in_last = first.year == dt.MAXYEAR and first.month == 12
        following = None if in_last else months_back(first, -1)
        last = end if following is None else min(end, following - dt.timedelta(days=1))
        spans.append(
            MonthSpan(
                label=f"{first.year:04d}-{first.month:02d}",
                first=first,
                last=last,
                cutoff=shifted(last, -max_gap_days),
            )
        )
        if following is None:
            break
        first = following
    return spans
