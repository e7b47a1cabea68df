"""``doorstep report``: the programme's figures by area and month."""

from __future__ import annotations

from pathlib import Path

import typer

from doorstep.cli.common import (
    StageBar,
    check_out_file,
    console,
    count,
    handle_errors,
    id_argument,
    progress,
)
from doorstep.cli.common import parse_day as _day
from doorstep.cli.context import actor, cli_today, session
from doorstep.cli.visits import GapOpt
from doorstep.reports.build import By

#: The longest --max-gap-days and --days: ten years (as for `doorstep visits`).
MAX_DAYS = 3660


@handle_errors
def report_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="The area to report on (area code); default: the whole programme.",
        callback=id_argument,
    ),
    level: str | None = typer.Option(
        None, "--level", help="Break it into its areas at this level; default: its children."
    ),
    start: str | None = typer.Option(
        None, "--from", help="First day (YYYY-MM-DD); default: 12 months to --to."
    ),
    end: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD); default: today."),
    by: By = typer.Option(By.area, "--by", help="Rows by area, month or area-month."),
    max_gap_days: int | None = GapOpt,
    days: int = typer.Option(
        14, "--days", min=1, max=MAX_DAYS, help="Due: a deadline within this many days."
    ),
    today: str | None = typer.Option(
        None, "--today", help="Pretend today is this day (YYYY-MM-DD)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Also write the rows: .csv, .xlsx, .parquet."
    ),
    chart: Path | None = typer.Option(
        None, "--chart", help="Draw visits made and missed per month: a .png file."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (for scripts)."),
) -> None:
    """The programme report: an area's figures by the areas within it and by month.

    By area (default), each area (the children of --area, or its areas at --level), then
    the whole area: its households, those consenting today, those paired today (a
    pairing open, consent in force), their active visitors, the households with a visit
    planned from today, due (deadline within --days) and overdue, as `doorstep visits
    due|overdue` count them, and the share of paired households not overdue; and over
    the period, the visits made (by their first day), missed (by their planned first day),
    the households visited and the visits made with each activity and outcome code.
    By month (the whole area) or area-month (each area, then the whole): on each month's
    last day the households paired, their active visitors and how many are within their
    cadence (a visit made, or never visited, paired, at most --max-gap-days before), and
    the month's visits. A household whose own area lies above --level is in the whole
    area's row only. Figures are counts: the report names no one.

    --out writes every column (the code counts too) to a file, --chart a bar chart of
    the visits made and missed in each month. A region's report takes a few minutes; a
    progress bar on a terminal shows which count it is on (--quiet: none).

    Example: doorstep report --area GZ-14 --from 2026-07-01 --to 2026-09-30 --out report.xlsx
    """
    from doorstep.reports.render import report_tables
    from doorstep.services import reporting

    reporting.check_report_files(out, chart)
    for flag, path in (("--out", out), ("--chart", chart)):
        if path is not None:
            check_out_file(flag, path, example=f"report{path.suffix or '.csv'}")
    day = cli_today(today)
    with session() as s, progress(quiet=quiet) as bar:
        report = reporting.programme_report(
            s,
            actor=actor(),
            today=day,
            area=area,
            level=level,
            start=_day("--from", start) if start else None,
            end=_day("--to", end) if end else None,
            max_gap_days=max_gap_days,
            days=days,
            progress=StageBar(bar),
            names=("--from", "--to"),
        )
    for table in report_tables(report, by):
        # Whole lines, never cut at the terminal's width: a figure lost to the right edge is
        # worse than a line the terminal folds (a region's counts outgrow 80 columns).
        console.print(table, crop=False)
    if out is not None:
        n = reporting.write_report(report, by, out)
        console.print(f"Wrote {count(n, 'rows')} to {out}.", markup=False, soft_wrap=True)
    if chart is not None:
        # Drawn even with no visit (its months, at zero, are the figures), but said so: an
        # empty plot is not taken for a broken one.
        reporting.write_report_chart(report, chart)
        empty = "" if report.any_visit else " No visit was made or missed: its bars are empty."
        console.print(
            f"Drew the visits made and missed per month in {chart}.{empty}",
            markup=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
