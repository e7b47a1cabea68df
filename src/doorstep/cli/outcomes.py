"""``doorstep outcomes``: what the households' yearly indicators say, by area and year."""

from __future__ import annotations

from pathlib import Path

import typer

from doorstep.cli.common import check_out_file, console, count, handle_errors, id_argument
from doorstep.cli.context import actor, session
from doorstep.domain.days import FIRST_YEAR
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE


@handle_errors
def outcomes_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="The area (area code); default: the whole programme.",
        callback=id_argument,
    ),
    level: str | None = typer.Option(
        None, "--level", help="Break it into its areas at this level; default: its children."
    ),
    year: int | None = typer.Option(
        None,
        "--year",
        min=FIRST_YEAR,
        max=2200,
        help="The year of the areas' table; default: the latest reported.",
    ),
    poverty_line: float = typer.Option(
        DEFAULT_POVERTY_LINE,
        "--poverty-line",
        help="Yearly income per head below which a household is poor.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Also write the rows: .csv, .xlsx, .parquet."
    ),
    chart: Path | None = typer.Option(
        None, "--chart", help="Draw the shares by year: a .png file."
    ),
) -> None:
    """Household outcomes: what the households' yearly indicators (`import indicators`)
    say, by the areas within --area for one year, then for the whole area by year.

    For each: the households on record, those that reported that year, those with an
    income recorded, those below the poverty line (the year's income over the household's
    members, as recorded now, under --poverty-line; a share of those with an income),
    those with a member in paid work (of those that gave a number) and those enrolled in a
    service (of those reported; a dash where none named a service). Figures are counts: no
    one is named.

    --out writes every row to a file, --chart a line chart of the whole area's shares by
    year.

    Example: doorstep outcomes --area GZ-14 --poverty-line 4000 --chart outcomes.png
    """
    from doorstep.reports.outcomes_render import outcome_tables
    from doorstep.services import outcomes

    outcomes.check_outcome_files(out, chart)
    for flag, path in (("--out", out), ("--chart", chart)):
        if path is not None:
            check_out_file(flag, path, example=f"outcomes{path.suffix or '.csv'}")
    with session() as s:
        report = outcomes.household_outcomes(
            s, actor=actor(), area=area, level=level, year=year, poverty_line=poverty_line
        )
    if report.year is None:
        where = f"in {area}" if area else "in the programme"
        console.print(
            f"No household {where} has reported indicators yet "
            "(`doorstep import indicators FILE`).",
            markup=False,
        )
    for table in outcome_tables(report):
        # Whole lines, never cut at the terminal's width: a figure lost to the right edge is
        # worse than a line the terminal folds (a region's counts outgrow 80 columns).
        console.print(table, crop=False)
    whole = next((f for f in report.by_area if f.total), None)
    if whole is not None and whole.households and whole.reported * 2 < whole.households:
        # The shares are of those that reported: a few rows can make the headline.
        console.print(
            f"Note: {whole.reported:,} of {whole.households:,} households "
            f"({whole.reported / whole.households:.1%}) reported for {report.year}; the "
            "shares are of those alone (--year picks another year).",
            markup=False,
            soft_wrap=True,
        )
    if out is not None:
        n = outcomes.write_outcomes(report, out)
        console.print(f"Wrote {count(n, 'rows')} to {out}.", markup=False, soft_wrap=True)
    if chart is not None and report.by_year:
        outcomes.write_chart(report, chart)
        console.print(f"Drew the shares by year in {chart}.", markup=False, soft_wrap=True)
    elif chart is not None:  # an empty plot would look like a chart of nothing wrong
        console.print(
            f"No chart drawn ({chart}): there is no year to draw.", markup=False, soft_wrap=True
        )


def register(app: typer.Typer) -> None:
    app.command("outcomes")(outcomes_cmd)
