"""Household outcomes (``doorstep outcomes``): what the yearly indicators say by area and
year, income per head against a poverty line, work and services."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from doorstep.domain.reporting import (
    DEFAULT_POVERTY_LINE,
    check_poverty_line,
)
from doorstep.privacy.audit import record_event
from doorstep.reports.outcomes import OutcomesReport, build_outcomes, outcomes_frame
from doorstep.reports.outcomes_render import write_outcomes_chart
from doorstep.services.exporting import write_table
from doorstep.services.outfile import write_whole
from doorstep.services.reporting import check_report_files
from doorstep.storage.repositories import outcomes as repo
from doorstep.storage.repositories.report import report_scope


def household_outcomes(
    session: Session,
    *,
    actor: str,
    area: str | None = None,
    level: str | None = None,
    year: int | None = None,
    poverty_line: float = DEFAULT_POVERTY_LINE,
) -> OutcomesReport:
    """The outcomes of ``area`` (default: the whole programme) in ``year`` (default: the
    latest any of its households reported) by the areas within it (its children, or those
    at ``level``), and of the whole area by year.

    A household is below the line when its income that year, over its members as recorded
    now, is under ``poverty_line``; one reported without an income is counted as reported,
    not as above or below.

    Raises
    ------
    NotFound
        No area has the code ``area``.
    InvalidInput
        A poverty line that is not a positive number; no area at ``level`` within it.
    """
    check_poverty_line(poverty_line)
    conn = session.connection()
    root, _, groups = report_scope(conn, area, level)
    root_id = root.id if root is not None else None
    ids = [g.id for g in groups]
    counts, households = repo.outcome_counts(
        conn, root=root_id, groups=ids, poverty_line=poverty_line
    )
    report = build_outcomes(
        area=root,
        groups=groups,
        year=year,
        poverty_line=poverty_line,
        counts=counts,
        households=households,
    )
    # Counts only, naming no one: one event, as the programme report records its run.
    record_event(
        session,
        actor=actor,
        action="read",
        entity="report",
        detail={
            "outcomes": True,
            "area": root.code if root else None,
            "level": level,
            "year": report.year,
            "poverty_line": poverty_line,
            "areas": len(groups),
        },
    )
    return report


def check_outcome_files(out: Path | None, chart: Path | None) -> None:
    """Refuse a file or chart of a type it is not written as, before any work (the
    programme report's types: a table file and a PNG)."""
    check_report_files(out, chart)


def write_outcomes(report: OutcomesReport, path: Path) -> int:
    """Write the report's rows to ``path`` (by its suffix), whole; the number of rows."""
    frame = outcomes_frame(report)
    write_table(frame, path, "outcomes")
    return frame.height


def write_chart(report: OutcomesReport, path: Path) -> None:
    """Write the chart of the whole area's shares by year to ``path`` (PNG), whole."""
    write_whole(path, lambda part: write_outcomes_chart(report, part))
