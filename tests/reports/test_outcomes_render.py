"""The outcomes tables on the terminal (:mod:`doorstep.reports.outcomes_render`)."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console

from doorstep.domain.reporting import ReportArea
from doorstep.reports.outcomes import OutcomeFigures, OutcomesReport
from doorstep.reports.outcomes_render import outcome_tables


def _figures(code: str, *, total: bool) -> OutcomeFigures:
    # The county demo's whole: five-digit counts, two-digit shares.
    return OutcomeFigures(
        code=code,
        name=code,
        total=total,
        year=2025,
        households=20_000,
        reported=20_000,
        with_income=20_000,
        below_line=1_788,
        work_reported=20_000,
        in_work=15_801,
        with_services=19_505,
    )


def test_a_countys_table_fits_80_columns_with_every_figure() -> None:
    # Padded by a space on each side of every column, it was 88 wide and folded.
    report = OutcomesReport(
        area=ReportArea(id=1, code="GZ-14", name="Tongzi", level="county"),
        year=2025,
        poverty_line=4000,
        by_area=(_figures("GZ-14-01", total=False), _figures("GZ-14", total=True)),
        by_year=(),
    )
    console = Console(width=80, record=True, file=io.StringIO())
    for table in outcome_tables(report):
        console.print(table, crop=False)
    lines = console.export_text().splitlines()
    assert max(cell_len(line) for line in lines) <= 80, lines
    row = next(line.split() for line in lines if "GZ-14-01" in line)
    figures = ["1,788", "(8.9%)", "15,801", "(79.0%)", "19,505", "(97.5%)"]
    assert row == ["GZ-14-01", "20,000", "20,000", "20,000", *figures]
