"""Household outcomes on the terminal (Rich tables) and as a chart (PNG)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

from doorstep.reports.outcomes import OutcomeFigures, OutcomesReport
from doorstep.reports.render import svg_bytes
from doorstep.say import Say, Value

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}"


def _counted(n: int, share: float | None) -> str:
    """A count and its share; a dash where no household said (no share to give)."""
    return "–" if share is None else f"{n:,} ({_pct(share)})"


_HEADINGS = (
    "House-\nholds",
    "Re-\nported",
    "With\nincome",
    "Below\nthe line",
    "A member\nin work",
    "In a\nservice",
)
#: Under each table: what each share is of.
CAPTION = (
    "Below the line: a share of those with an income; a member in work: of those who said; "
    "in a service: of those reported (–: none said)."
)


def _table(title: str, first: str, rows: Sequence[tuple[str, OutcomeFigures]]) -> Table:
    cells = [
        [
            key,
            f"{f.households:,}",
            f"{f.reported:,}",
            f"{f.with_income:,}",
            _counted(f.below_line, f.below_line_share),
            _counted(f.in_work, f.in_work_share),
            _counted(f.with_services, f.with_services_share),
        ]
        for key, f in rows
    ]
    table = Table(
        title=title,
        caption=CAPTION,
        box=box.SIMPLE_HEAD,
        padding=(0, 0),
        title_justify="left",
        caption_justify="left",
    )
    # No figure and no area code is ever cut: a narrow terminal folds the table's lines.
    for i, heading in enumerate((first, *_HEADINGS)):
        widest = max((len(row[i]) for row in cells), default=0)
        table.add_column(
            heading,
            justify="left" if i == 0 else "right",
            no_wrap=True,
            min_width=max(widest, *(len(line) for line in heading.split("\n"))),
        )
    for row in cells:
        table.add_row(*row)
    return table


def outcome_tables(report: OutcomesReport) -> list[Table]:
    """The year's figures by area (then the whole area), and the whole area by year."""
    line = f"{report.poverty_line:,.0f}"
    tables = []
    if report.year is not None:
        title = f"{report.title}, {report.year} (poverty line: {line} a head a year)"
        tables.append(_table(title, "Area", [(f.code, f) for f in report.by_area]))
    if len(report.by_year) > 1:
        where = report.area.code if report.area else "The programme"
        title = f"{where} by year (households on record now; poverty line: {line})"
        tables.append(_table(title, "Year", [(str(f.year), f) for f in report.by_year]))
    return tables


def write_outcomes_chart(report: OutcomesReport, path: Path) -> None:
    """A PNG line chart of the whole area's shares by year: below the poverty line, with a
    member in work, enrolled in a service."""
    path.write_bytes(outcomes_chart_png(report))


def outcomes_chart_png(report: OutcomesReport) -> bytes:
    """The chart :func:`write_outcomes_chart` writes, as PNG bytes."""
    fig = outcomes_figure(report)
    out = io.BytesIO()
    with warnings.catch_warnings():  # a code in another script: boxes, not a warning
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(out, format="png")
    return out.getvalue()


def outcomes_chart_svg(report: OutcomesReport, say: Callable[[Say], str]) -> bytes:
    """The chart, its words in the language of ``say``, as SVG whose text the browser
    draws (the web app's outcomes page shows it in the page)."""
    return svg_bytes(outcomes_figure(report, say))


def outcomes_figure(report: OutcomesReport, say: Callable[[Say], str] = Say.english) -> Figure:
    """The figure :func:`write_outcomes_chart` saves (drawn off screen), its words in the
    language of ``say`` (English: the command line's)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    years = [f.year for f in report.by_year]
    fig = Figure(figsize=(max(6.0, 0.8 * len(years) + 3), 4.5), dpi=100, layout="tight")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for label, shares in (
        (
            Say("below the poverty line (%(line)s)", line=f"{report.poverty_line:,.0f}"),
            [f.below_line_share for f in report.by_year],
        ),
        (Say("a member in work"), [f.in_work_share for f in report.by_year]),
        (Say("in a service"), [f.with_services_share for f in report.by_year]),
    ):
        drawn = [float("nan") if s is None else s for s in shares]
        ax.plot(years, drawn, marker="o", label=say(label))
    # Whole years, and room around them: a single year's points were drawn on an axis from
    # 1925 to 2125.
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    # The area's code, not its name: the bundled font has no CJK glyphs (桐梓 County).
    where: Value = report.area.code if report.area else Say("The programme")
    ax.set_title(say(Say("Household outcomes by year\n%(where)s", where=where)), fontsize=10)
    ax.set_ylabel(say(Say("share of households")))
    ax.legend()
    return fig
