"""The programme report, built from counts: pure, no database and no files.

A report covers an area (or the whole programme) over a period of whole months, broken
into areas (its children, or the areas at one level within it). Its figures are numbers
of households, visitors and visits, never anyone's row: a report names no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from doorstep.domain.reporting import (
    ACTIVITY_COLUMNS,
    OUTCOME_COLUMNS,
    TOTAL,
    MonthSpan,
    ReportArea,
    share,
)

#: The columns of the code counts, activities then outcomes.
CODE_COLUMNS = ACTIVITY_COLUMNS + OUTCOME_COLUMNS
#: The referral counts of a period: made, and completed (the service followed).
REFERRAL_FIGURES = ("referrals_made", "referrals_completed")


class By(StrEnum):
    """What a report's rows are: areas, months, or each area's months."""

    area = "area"
    month = "month"
    area_month = "area-month"


@dataclass(frozen=True)
class AreaFigures:
    """An area (or the report's whole area, ``total``) today and over the period."""

    code: str
    name: str
    total: bool
    households: int
    consenting: int
    paired: int
    visitors: int
    planned: int
    due: int
    overdue: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int = 0
    referrals_completed: int = 0
    codes: Mapping[str, int] = field(default_factory=dict)

    @property
    def within_cadence_share(self) -> float | None:
        """Of the households paired today, the share not overdue."""
        return share(self.paired - self.overdue, self.paired)


@dataclass(frozen=True)
class MonthFigures:
    """An area (or the whole, ``total``) in one month of the period."""

    code: str
    name: str
    total: bool
    month: str
    paired: int
    visitors: int
    within_cadence: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int = 0
    referrals_completed: int = 0
    codes: Mapping[str, int] = field(default_factory=dict)

    @property
    def within_cadence_share(self) -> float | None:
        """Of the households paired on the month's last day, the share within cadence."""
        return share(self.within_cadence, self.paired)


@dataclass(frozen=True)
class ProgrammeReport:
    """The figures of an area (``area``; ``None``: a programme of several roots) from
    ``start`` to ``end``, and as of ``today``. ``areas`` and ``months`` end with the
    whole area's rows (``total``)."""

    area: ReportArea | None
    start: dt.date
    end: dt.date
    today: dt.date
    max_gap_days: int
    days: int
    level: str | None
    areas: tuple[AreaFigures, ...]
    months: tuple[MonthFigures, ...]

    @property
    def title(self) -> str:
        where = f"{self.area.name} ({self.area.code})" if self.area else "The programme"
        return f"{where}, {self.start} to {self.end}"

    @property
    def total(self) -> AreaFigures:
        return self.areas[-1]

    def total_months(self) -> list[MonthFigures]:
        return [m for m in self.months if m.total]

    @property
    def any_visit(self) -> bool:
        """Whether a visit was made or missed in the period: the chart's bars, none without."""
        return any(m.visits_made or m.visits_missed for m in self.total_months())


def build_report(
    *,
    area: ReportArea | None,
    groups: Sequence[ReportArea],
    level: str | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    max_gap_days: int,
    days: int,
    months: Sequence[MonthSpan],
    now: Iterable[Mapping[str, Any]],
    monthly: Iterable[Mapping[str, Any]],
    visited: Mapping[int, int],
) -> ProgrammeReport:
    """The report from the repository's counts (``now`` per group, ``monthly`` per group
    and month, ``visited``: households visited in the period per group; a group or month
    missing from them counts nothing)."""
    whole = ReportArea(TOTAL, "ALL", "The programme", "") if area is None else area
    keyed = [*((g.id, g, False) for g in groups), (TOTAL, whole, True)]
    now_by = {int(r["group_id"]): r for r in now}
    month_by = {(int(r["group_id"]), str(r["month"])): r for r in monthly}

    def n(row: Mapping[str, Any] | None, key: str) -> int:
        return int(row.get(key, 0)) if row else 0

    areas, month_rows = [], []
    for gid, g, is_total in keyed:
        per_month = [month_by.get((gid, m.label)) for m in months]
        period = {
            key: sum(n(r, key) for r in per_month)
            for key in ("visits_made", "visits_missed", *REFERRAL_FIGURES, *CODE_COLUMNS)
        }
        r = now_by.get(gid)
        areas.append(
            AreaFigures(
                code=g.code,
                name=g.name,
                total=is_total,
                households=n(r, "households"),
                consenting=n(r, "consenting"),
                paired=n(r, "paired"),
                visitors=n(r, "visitors"),
                planned=n(r, "planned"),
                due=n(r, "due"),
                overdue=n(r, "overdue"),
                visits_made=period["visits_made"],
                visits_missed=period["visits_missed"],
                # Not a sum of the months: a household visited in two is one household.
                households_visited=int(visited.get(gid, 0)),
                referrals_made=period["referrals_made"],
                referrals_completed=period["referrals_completed"],
                codes={c: period[c] for c in CODE_COLUMNS},
            )
        )
        for m, mr in zip(months, per_month, strict=True):
            month_rows.append(
                MonthFigures(
                    code=g.code,
                    name=g.name,
                    total=is_total,
                    month=m.label,
                    paired=n(mr, "paired"),
                    visitors=n(mr, "visitors"),
                    within_cadence=n(mr, "within_cadence"),
                    visits_made=n(mr, "visits_made"),
                    visits_missed=n(mr, "visits_missed"),
                    households_visited=n(mr, "households_visited"),
                    referrals_made=n(mr, "referrals_made"),
                    referrals_completed=n(mr, "referrals_completed"),
                    codes={c: n(mr, c) for c in CODE_COLUMNS},
                )
            )
    return ProgrammeReport(
        area=area,
        start=start,
        end=end,
        today=today,
        max_gap_days=max_gap_days,
        days=days,
        level=level,
        areas=tuple(areas),
        months=tuple(month_rows),
    )
