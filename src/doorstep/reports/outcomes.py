"""Household outcomes, built from counts: pure, no database and no files.

What the households' yearly indicators say by area for one year, and for the whole area
year by year: how many reported, how many live below the poverty line (income per head
under it), how many have a member in paid work, how many are enrolled in a service. Counts
and shares only: the outcomes name no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from doorstep.domain.reporting import TOTAL, ReportArea, share


@dataclass(frozen=True)
class OutcomeFigures:
    """An area (or the whole, ``total``) in one year."""

    code: str
    name: str
    total: bool
    year: int
    households: int
    reported: int
    with_income: int
    below_line: int
    work_reported: int
    in_work: int
    with_services: int

    @property
    def below_line_share(self) -> float | None:
        """Of the households with an income recorded, the share below the line."""
        return share(self.below_line, self.with_income)

    @property
    def in_work_share(self) -> float | None:
        """Of the households that said how many members work, the share with one."""
        return share(self.in_work, self.work_reported)

    @property
    def with_services_share(self) -> float | None:
        """Of the households reported, the share enrolled in a service; ``None`` where none
        named any service (the column left empty throughout says nothing). An empty cell
        beside others that name services is a household enrolled in none: the file has no
        other way to say so."""
        return share(self.with_services, self.reported) if self.with_services else None


@dataclass(frozen=True)
class OutcomesReport:
    """The outcomes of ``area`` (``None``: the whole programme) in ``year``, by its areas
    (then the whole), and of the whole area in every year with indicators."""

    area: ReportArea | None
    year: int | None
    poverty_line: float
    by_area: tuple[OutcomeFigures, ...]
    by_year: tuple[OutcomeFigures, ...]

    @property
    def title(self) -> str:
        where = f"{self.area.name} ({self.area.code})" if self.area else "The programme"
        return f"{where}: household outcomes"


def latest_year(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The latest year any household of the whole area reported (``None``: none did)."""
    years = [int(r["year"]) for r in rows if r["group_id"] == TOTAL]
    return max(years) if years else None


def build_outcomes(
    *,
    area: ReportArea | None,
    groups: Sequence[ReportArea],
    year: int | None,
    poverty_line: float,
    counts: Sequence[Mapping[str, Any]],
    households: Mapping[int, int],
) -> OutcomesReport:
    """The report from :func:`~doorstep.storage.repositories.outcomes.outcome_counts`'s
    rows and the households on record per group; ``year`` ``None``: the latest reported."""
    year = latest_year(counts) if year is None else year
    by_key = {(int(r["group_id"]), int(r["year"])): r for r in counts}
    whole_code = area.code if area else "all"
    whole_name = area.name if area else "The programme"

    def figures(group: int, code: str, name: str, at: int) -> OutcomeFigures:
        r = by_key.get((group, at), {})
        return OutcomeFigures(
            code=code,
            name=name,
            total=group == TOTAL,
            year=at,
            households=households.get(group, 0),
            reported=int(r.get("reported", 0)),
            with_income=int(r.get("with_income", 0)),
            below_line=int(r.get("below_line", 0)),
            work_reported=int(r.get("work_reported", 0)),
            in_work=int(r.get("in_work", 0)),
            with_services=int(r.get("with_services", 0)),
        )

    by_area: list[OutcomeFigures] = []
    if year is not None:
        by_area = [figures(g.id, g.code, g.name, year) for g in groups]
        by_area.append(figures(TOTAL, whole_code, whole_name, year))
    years = sorted({int(r["year"]) for r in counts if r["group_id"] == TOTAL})
    by_year = [figures(TOTAL, whole_code, whole_name, y) for y in years]
    return OutcomesReport(area, year, poverty_line, tuple(by_area), tuple(by_year))


#: The columns of an outcomes file, in order (after ``by``: ``area`` for the year's rows
#: by area, ``year`` for the whole area's rows by year).
COLUMNS = (
    "code",
    "name",
    "total",
    "year",
    "households",
    "reported",
    "with_income",
    "below_line",
    "below_line_share",
    "work_reported",
    "in_work",
    "in_work_share",
    "with_services",
    "with_services_share",
)


def outcomes_frame(report: OutcomesReport) -> pl.DataFrame:
    """Every row of the report, by area then by year (``by`` says which: the whole area's
    row of ``year`` is in both), with the poverty line it was counted against."""
    rows = [
        {"by": by} | {c: getattr(f, c) for c in COLUMNS} | {"poverty_line": report.poverty_line}
        for by, figures in (("area", report.by_area), ("year", report.by_year))
        for f in figures
    ]
    schema = {
        "by": pl.String,
        "code": pl.String,
        "name": pl.String,
        "total": pl.Boolean,
        "year": pl.Int64,
        "households": pl.Int64,
        "reported": pl.Int64,
        "with_income": pl.Int64,
        "below_line": pl.Int64,
        "below_line_share": pl.Float64,
        "work_reported": pl.Int64,
        "in_work": pl.Int64,
        "in_work_share": pl.Float64,
        "with_services": pl.Int64,
        "with_services_share": pl.Float64,
        "poverty_line": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
