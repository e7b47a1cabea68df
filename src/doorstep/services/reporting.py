"""The programme report: an area's figures by area and month (``doorstep report``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from doorstep.domain.reporting import month_spans, months_back
from doorstep.engine.progress import Progress, Silent
from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event
from doorstep.reports.build import By, ProgrammeReport, build_report
from doorstep.reports.render import report_frame, write_chart
from doorstep.say import Say
from doorstep.services.cadence import gap_days
from doorstep.services.exporting import write_table
from doorstep.services.outfile import write_whole
from doorstep.storage.repositories import report as repo

#: The longest period a report covers, in months (ten years).
MAX_MONTHS = 120


def default_start(end: dt.date) -> dt.date:
    """The first day of the twelve months that end with ``end``'s month."""
    return months_back(end, 11)


def programme_report(
    session: Session,
    *,
    actor: str,
    today: dt.date,
    area: str | None = None,
    level: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    max_gap_days: int | None = None,
    days: int = 14,
    progress: Progress | None = None,
    names: tuple[str, str] = ("from", "to"),
) -> ProgrammeReport:
    """The figures of ``area`` (default: the whole programme), by the areas within it
    (its children, or those at ``level``), as of ``today`` and for each month from
    ``start`` to ``end`` (default: the twelve months up to ``today``).

    Parameters
    ----------
    today
        The day of the figures "now" (paired, planned, due, overdue); ``end`` may not
        be after it (the months of a report are months that have happened).
    max_gap_days, days
        The cadence (default: the programme's, :mod:`.cadence`), and how soon a deadline
        makes a household due, as the work lists (``doorstep visits due|overdue``) take them.
    names
        How the caller names ``start`` and ``end``, for its errors: the API's parameters
        (``from``, ``to``) or the command line's flags (``--from``, ``--to``).
    progress
        Told as each of its three counts starts (at the seed scale they take up to a
        minute each on SQLite), so that a long report shows where it is.

    Raises
    ------
    NotFound
        No area has the code ``area``.
    InvalidInput
        No area at ``level`` within it; ``end`` after ``today`` or before ``start``; a
        period longer than :data:`MAX_MONTHS` months.
    """
    end = today if end is None else end
    start = default_start(end) if start is None else start
    first, last = names
    if end > today:
        raise InvalidInput(
            Say(
                "%(last)s %(end)s is after today (%(today)s): a report counts what happened",
                last=last,
                end=end,
                today=today,
            )
        )
    if end < start:
        raise InvalidInput(
            Say(
                "%(first)s %(start)s is after %(last)s %(end)s",
                first=first,
                start=start,
                last=last,
                end=end,
            )
        )
    months_touched = (end.year - start.year) * 12 + end.month - start.month + 1
    if months_touched > MAX_MONTHS:
        # Counted in calendar months, each a row of the report: ten years from a day
        # other than the 1st touch 121 of them.
        raise InvalidInput(
            Say(
                "from %(start)s to %(end)s covers %(months)s calendar months; a report covers "
                "at most %(most)s: from %(earliest)s at the earliest",
                start=start,
                end=end,
                months=months_touched,
                most=MAX_MONTHS,
                earliest=months_back(end, MAX_MONTHS - 1),
            )
        )
    conn = session.connection()
    max_gap_days = gap_days(conn, max_gap_days)
    root, prefix, groups = repo.report_scope(conn, area, level)
    root_id = root.id if root is not None else None
    ids = [g.id for g in groups]
    months = month_spans(start, end, max_gap_days)
    # One bar a count (the CLI's bar fills a stage's bar as the next one starts).
    told = progress or Silent()
    told.stage("counting households and pairings", 1)
    now = repo.now_counts(
        conn,
        root=root_id,
        prefix=prefix,
        groups=ids,
        today=today,
        max_gap_days=max_gap_days,
        days=days,
    )
    told.advance()
    told.stage("counting visits and referrals by month", 1)
    monthly = repo.month_counts(conn, root=root_id, prefix=prefix, groups=ids, months=months)
    told.advance()
    told.stage("counting households visited", 1)
    visited = repo.period_visited(conn, root=root_id, groups=ids, first=start, last=end)
    told.advance()
    report = build_report(
        area=root,
        groups=groups,
        level=level,
        start=start,
        end=end,
        today=today,
        max_gap_days=max_gap_days,
        days=days,
        months=months,
        now=now,
        monthly=monthly,
        visited=visited,
    )
    # Counts only, naming no one: one event for the run, as `doorstep stats` records its
    # summary, so the trail shows who looked at the programme's figures and which.
    record_event(
        session,
        actor=actor,
        action="read",
        entity="report",
        detail={
            "area": root.code if root else None,
            "level": level,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "today": today.isoformat(),
            "max_gap_days": max_gap_days,
            "days": days,
            "areas": len(groups),
        },
    )
    return report


#: The file types a report's rows are written to.
REPORT_SUFFIXES = (".csv", ".xlsx", ".parquet")


def check_report_files(out: Path | None, chart: Path | None) -> None:
    """Refuse a report file or chart of a type it is not written as, before any work."""
    if out is not None and out.suffix.lower() not in REPORT_SUFFIXES:
        raise InvalidInput(f"--out {out}: use a .csv, .xlsx or .parquet file")
    if chart is not None and chart.suffix.lower() != ".png":
        raise InvalidInput(f"--chart {chart}: use a .png file")


def write_report(report: ProgrammeReport, by: By, path: Path) -> int:
    """Write the report's rows to ``path`` (CSV, XLSX or Parquet, by its suffix), whole
    or not at all; the number of rows. Area names are the programme's text: a CSV or XLSX
    cell a spreadsheet would run as a formula gets an apostrophe, as exports do."""
    frame = report_frame(report, by)
    write_table(frame, path, "report")
    return frame.height


def write_report_chart(report: ProgrammeReport, path: Path) -> None:
    """Write the chart of visits made and missed per month to ``path`` (PNG), whole."""
    write_whole(path, lambda part: write_chart(report, part))
