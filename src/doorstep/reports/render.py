"""Write frames to files people open: one place for the spreadsheet writer."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from zipfile import ZIP_DEFLATED, ZipFile

import polars as pl
from rich import box
from rich.table import Table

from doorstep.domain.reporting import ACTIVITY_COLUMNS, OUTCOME_COLUMNS
from doorstep.reports.build import By, ProgrammeReport
from doorstep.say import Say, Value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

XLSX_MAX_ROWS = 1_048_576  # including the header row
#: The media type of a workbook (.xlsx), as the site and the API serve one.
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(
    frame: pl.DataFrame,
    path: Path | IO[bytes],
    sheet: str,
    header: Sequence[str] | None = None,
) -> None:
    """One sheet with a header row (``header``, else the frame's column names); streamed
    (write-only) so memory stays flat. ``path`` may be a file open for writing bytes: a
    download served from memory leaves no one's data in a temporary folder."""
    # openpyxl (and numpy and Pillow, which it loads) only for a spreadsheet: a report or
    # an export to the terminal or to CSV starts without them.
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    if frame.height + 1 > XLSX_MAX_ROWS:
        raise ValueError(
            f"{frame.height:,} rows do not fit in one sheet ({XLSX_MAX_ROWS - 1:,} at most)"
        )
    if header is not None and len(header) != frame.width:
        raise ValueError(f"a header of {len(header)} cells for {frame.width} columns")
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    archive: ZipFile | None = None
    try:
        ws.append(list(frame.columns if header is None else header))
        for row in frame.iter_rows():
            ws.append(list(row))
        # What ``book.save(path)`` does, with the archive in hand to close if it fails.
        archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
        book.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        ExcelWriter(book, archive).save()
    except BaseException:
        _abandon(ws, archive)
        raise


def _abandon(ws: Any, archive: ZipFile | None) -> None:
    """Close what a failed write (a full disk) left open, and delete the rows streamed to
    a temporary file. Left to the garbage collector, the row generators and the archive
    each tried again to write, failed, and printed their own traceback on stderr around
    the one-line error; and the rows, people's data, stayed in the temporary folder."""
    writer = getattr(ws, "_writer", None)
    for still_open in (getattr(ws, "_rows", None), getattr(writer, "xf", None), archive):
        if still_open is not None:
            with contextlib.suppress(Exception):
                still_open.close()
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


# The programme report (``doorstep report``): a frame for its files, tables for the terminal,
# a chart. Files are written whole by the service (``services.reporting``).

#: Each column's heading on the terminal: folded onto lines of at most six characters, so
#: that the twelve columns of a report by area fit 80 columns.
_HEADINGS = {
    "area_code": "Area",
    "month": "Month",
    "households": "House-\nholds",
    "consenting": "Con-\nsent-\ning",
    "paired": "Paired",
    "visitors": "Visit-\nors",
    "planned": "Plan-\nned",
    "due": "Due",
    "overdue": "Over-\ndue",
    "within_cadence": "In\ncad-\nence",
    "within_cadence_share": "In\ncad-\nence %",
    "visits_made": "Visits\nmade",
    "visits_missed": "Visits\nmissed",
    "households_visited": "House-\nholds\nvis-\nited",
}


def report_frame(report: ProgrammeReport, by: By) -> pl.DataFrame:
    """The report's rows: by ``area`` (its areas today and over the period, then the whole
    area), by ``month`` (the whole area's months) or by ``area-month`` (each area's
    months, then the whole area's); the code counts last."""
    if by is By.area:
        rows: list[dict[str, object]] = [
            {
                "area_code": a.code,
                "area_name": a.name,
                "households": a.households,
                "consenting": a.consenting,
                "paired": a.paired,
                "visitors": a.visitors,
                "planned": a.planned,
                "due": a.due,
                "overdue": a.overdue,
                "within_cadence_share": a.within_cadence_share,
                "visits_made": a.visits_made,
                "visits_missed": a.visits_missed,
                "households_visited": a.households_visited,
                "referrals_made": a.referrals_made,
                "referrals_completed": a.referrals_completed,
                **a.codes,
            }
            for a in report.areas
        ]
    else:
        months = report.total_months() if by is By.month else report.months
        rows = [
            {
                **({} if by is By.month else {"area_code": m.code, "area_name": m.name}),
                "month": m.month,
                "paired": m.paired,
                "visitors": m.visitors,
                "within_cadence": m.within_cadence,
                "within_cadence_share": m.within_cadence_share,
                "visits_made": m.visits_made,
                "visits_missed": m.visits_missed,
                "households_visited": m.households_visited,
                "referrals_made": m.referrals_made,
                "referrals_completed": m.referrals_completed,
                **m.codes,
            }
            for m in months
        ]
    schema = {
        k: pl.String
        if k in ("area_code", "area_name", "month")
        else pl.Float64
        if k == "within_cadence_share"
        else pl.Int64
        for k in rows[0]
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _cell(column: str, value: object) -> str:
    if value is None:
        return "-"
    if column == "within_cadence_share":
        return f"{float(cast(float, value)):.0%}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def report_tables(report: ProgrammeReport, by: By) -> list[Table]:
    """The report on the terminal: its rows (without the referral and code counts, which
    would not fit), then the whole area's visit codes and referrals over the period."""
    frame = report_frame(report, by)
    shown = [c for c in frame.columns if c in _HEADINGS and c != "area_name"]
    main = Table(title=report.title, box=box.SIMPLE_HEAD, padding=(0, 0), show_edge=False)
    for c in shown:
        key = c in ("area_code", "month")
        # No figure and no area code is ever cut: a narrow terminal folds the table's lines.
        widest = max((len(_cell(c, v)) for v in frame[c].to_list()), default=0)
        main.add_column(
            _HEADINGS[c],
            justify="left" if key else "right",
            no_wrap=True,
            min_width=max(widest, *(len(line) for line in _HEADINGS[c].split("\n"))),
        )
    for row in frame.select(shown).iter_rows(named=True):
        main.add_row(*(_cell(c, row[c]) for c in shown))
    codes = Table(title="Visits made, by code (the whole area, the whole period)")
    for heading in ("Activity", "Visits", "Outcome", "Visits"):
        codes.add_column(heading, justify="right" if heading == "Visits" else "left")
    counts = report.total.codes
    activities = [(c.removeprefix("activity_"), counts[c]) for c in ACTIVITY_COLUMNS]
    outcomes = [(c.removeprefix("outcome_"), counts[c]) for c in OUTCOME_COLUMNS]
    for i in range(max(len(activities), len(outcomes))):
        cells: list[str] = []
        for pairs in (activities, outcomes):
            code, n = pairs[i] if i < len(pairs) else ("", None)
            cells += [code, "" if n is None else f"{n:,}"]
        codes.add_row(*cells)
    title = "Referrals (the whole area, the whole period)"
    referred = Table(title=title, min_width=len(title))  # a title on one line
    for heading in ("Made", "Completed"):
        referred.add_column(heading, justify="right")
    referred.add_row(f"{report.total.referrals_made:,}", f"{report.total.referrals_completed:,}")
    return [main, codes, referred]


def write_chart(report: ProgrammeReport, path: Path) -> None:
    """A PNG bar chart of the visits made and missed in each month, the whole area."""
    path.write_bytes(chart_png(report))


def chart_png(report: ProgrammeReport) -> bytes:
    """The chart :func:`write_chart` writes, as PNG bytes."""
    fig = chart_figure(report)
    out = io.BytesIO()
    with warnings.catch_warnings():  # a code in another script: boxes, not a warning
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(out, format="png")
    return out.getvalue()


def chart_svg(report: ProgrammeReport, say: Callable[[Say], str]) -> bytes:
    """The chart, its words in the language of ``say`` (the web app's figures page
    shows it in the page), as SVG whose text the browser draws: the bundled font has no
    CJK glyphs, the reader's browser has."""
    return svg_bytes(chart_figure(report, say))


def svg_bytes(fig: Figure) -> bytes:
    """``fig`` as SVG with its text kept as text (``svg.fonttype: none``), so a browser
    draws it with its own fonts, whatever the script; the same bytes for the same chart."""
    import matplotlib

    out = io.BytesIO()
    with (
        warnings.catch_warnings(),
        matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "doorstep"}),
    ):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


#: The report chart's widest, in inches (at 100 dpi), and most month labels it shows.
_CHART_MAX_INCHES = 16.0
_CHART_MAX_LABELS = 24


def chart_figure(report: ProgrammeReport, say: Callable[[Say], str] = Say.english) -> Figure:
    """The figure :func:`write_chart` saves (drawn off screen: no display needed), its
    words in the language of ``say`` (English: the command line's)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    months = report.total_months()
    labels = [m.month for m in months]
    # A bounded width, a label every month while they fit, else every 2, 3, 6 or 12: ten
    # years were a picture 7,400 pixels wide, unreadable once fitted to a page.
    width = min(_CHART_MAX_INCHES, max(7.0, 0.6 * len(months) + 2))
    fig = Figure(figsize=(width, 4.5), dpi=100, layout="tight")
    FigureCanvasAgg(fig)  # draws off screen: no display needed
    ax = fig.subplots()
    x = list(range(len(months)))
    made, missed = say(Say("Visits made")), say(Say("Missed"))
    ax.bar([i - 0.2 for i in x], [m.visits_made for m in months], width=0.4, label=made)
    ax.bar([i + 0.2 for i in x], [m.visits_missed for m in months], width=0.4, label=missed)
    step = next((n for n in (1, 2, 3, 6) if len(months) <= _CHART_MAX_LABELS * n), 12)
    # Labels on months that start a quarter or a year when thinned, not on any month.
    first = next((i for i in x if int(labels[i][5:7]) % step == 1 % step), 0)
    ax.set_xticks(x[first::step], labels[first::step], rotation=45, ha="right")
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_ylabel(say(Say("Visits")))
    # The area's code, not its name: the bundled font has no CJK glyphs (桐梓 County).
    where: Value = report.area.code if report.area else Say("The programme")
    title = Say(
        "Visits made and missed by month\n%(where)s, %(start)s to %(end)s",
        where=where,
        start=report.start,
        end=report.end,
    )
    ax.set_title(say(title), fontsize=10)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # Counts start at zero; a period with no visits yet gets an axis of 0-1, not -0.05-0.05.
    ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))
    ax.legend()
    return fig
