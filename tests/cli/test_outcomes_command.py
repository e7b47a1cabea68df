"""`doorstep outcomes` at the command line: the tables, the file and the chart."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from doorstep.reports.outcomes_render import outcomes_figure
from doorstep.services import outcomes
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke, doorstep_at
from tests.factories.outcomes import indicators_programme


def test_outcomes_print_their_tables_and_write_every_row_and_a_chart(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    indicators_programme(with_areas, tmp_path)
    out, chart = tmp_path / "o.csv", tmp_path / "o.png"
    args = ("--area", "R", "--level", "village", "--out", str(out), "--chart", str(chart))
    shown = cli("outcomes", *args, "--year", "2025")
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "household outcomes, 2025 (poverty line: 4,000 a head a year)" in text
    v1 = next(line.split() for line in shown.output.splitlines() if "R-C-V1" in line)
    assert v1 == ["R-C-V1", "2", "2", "2", "1", "(50.0%)", "1", "(50.0%)", "1", "(50.0%)"]
    assert "R by year" in text and "Wrote 5 rows to" in text
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["by"], r["code"], r["year"]) for r in rows] == [
        ("area", "R-C-V1", "2025"),
        ("area", "R-C-V2", "2025"),
        ("area", "R", "2025"),
        ("year", "R", "2025"),
        ("year", "R", "2026"),
    ]
    assert rows[2]["below_line"] == "2" and rows[2]["poverty_line"] == "4000.0"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_outcomes_refuse_bad_files_and_say_when_nothing_was_reported(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    bad = cli("outcomes", "--out", str(tmp_path / "o.txt"))
    assert bad.exit_code == 2 and "use a .csv, .xlsx or .parquet file" in bad.output
    line = cli("outcomes", "--poverty-line", "-5")
    assert line.exit_code == 2 and "the poverty line must be a positive amount" in line.output
    chart = tmp_path / "none.png"
    none = cli("outcomes", "--area", "R", "--chart", str(chart))
    assert none.exit_code == 0
    said = " ".join(none.output.split())
    assert "No household in R has reported indicators yet" in said
    # Not an empty plot passed off as a chart (it said "Drew the shares by year").
    assert f"No chart drawn ({chart}): there is no year to draw." in said
    assert not chart.exists()


def test_the_chart_of_a_single_year_spans_that_year_not_two_centuries(
    with_areas: Engine, tmp_path: Path
) -> None:
    indicators_programme(with_areas, tmp_path)
    with unit_of_work(with_areas) as s:
        report = outcomes.household_outcomes(s, actor="test", area="R")
    for by_year in (report.by_year[:1], report.by_year):
        years = [f.year for f in by_year]
        ax = outcomes_figure(replace(report, by_year=by_year)).axes[0]
        low, high = ax.get_xlim()
        assert min(years) - 1 < low < min(years) <= max(years) < high < max(years) + 1
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks == years  # whole years, each one


def test_report_and_outcomes_lines_are_whole_on_a_narrow_terminal(
    with_areas: Engine, db_url: str, tmp_path: Path
) -> None:
    """Wider than the terminal, a table's lines are left whole for it to fold, not cut at
    its edge: on 50 columns each row holds what it holds on 300."""
    indicators_programme(with_areas, tmp_path)
    for command in (
        ("outcomes", "--area", "R", "--level", "village"),
        ("report", "--area", "R", "--level", "village", "--quiet"),
    ):
        rows = {}
        for columns in (50, 300):
            shown = doorstep_at(columns, db_url, *command)
            rows[columns] = [line.split() for line in shown.splitlines() if "R-C-V" in line]
        assert rows[50] == rows[300] and len(rows[50]) == 2, (command, rows)
        assert len(rows[50][0]) >= 7  # every figure of the row, not the first few


def test_a_year_few_households_reported_says_how_few(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # The shares are of the households that reported: 2 of 5 made 2026's headline.
    indicators_programme(with_areas, tmp_path)
    latest = " ".join(cli("outcomes", "--area", "R").output.split())
    assert (
        "Note: 2 of 5 households (40.0%) reported for 2026; the shares are of those alone "
        "(--year picks another year)." in latest
    )
    assert "Note:" not in cli("outcomes", "--area", "R", "--year", "2025").output
