"""Lists of rows as a table that fits the terminal, or as CSV or JSON for scripts.

People read a list by its codes, ids and days, so a column of them is never cut to ``V00…``
or ``2026-11-…``: on a narrow terminal whole columns give way instead, the least needed
first, and a line under the table names them (``--format csv`` and ``json`` always have
every column).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table


class Output(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = typer.Option(Output.table, "--format", help="table, csv or json.")

#: The widest a column of text (names, titles) gets; a longer text wraps within it.
TEXT_WIDTH = 24


@dataclass(frozen=True)
class Layout:
    """How a list's columns behave on a narrow terminal."""

    #: Columns of codes, ids, days and numbers: never wrapped, never cut.
    whole: frozenset[str]
    #: The order columns give way in when the terminal is too narrow, least needed first;
    #: a column not named here always stays.
    give_way: tuple[str, ...]
    #: Columns of numbers, aligned right.
    right: frozenset[str] = frozenset()
    #: Text columns allowed wider than :data:`TEXT_WIDTH` (a sentence read whole).
    wide: Mapping[str, int] = field(default_factory=dict)


def label(column: str) -> str:
    """A column's header: its name with spaces (``end_day`` reads ``end day``)."""
    return column.replace("_", " ")


def _table(title: str, cols: Sequence[str], cells: list[dict[str, str]], layout: Layout) -> Table:
    table = Table(title=title)
    for c in cols:
        if c in layout.whole:
            widest = max((len(r[c]) for r in cells), default=0)
            table.add_column(
                label(c),
                justify="right" if c in layout.right else "left",
                no_wrap=True,
                min_width=widest,
            )
        else:
            table.add_column(label(c), overflow="fold", max_width=layout.wide.get(c, TEXT_WIDTH))
    for r in cells:
        table.add_row(*[r[c] for c in cols])
    return table


def fitted_table(
    title: str, cols: Sequence[str], cells: list[dict[str, str]], layout: Layout, console: Console
) -> tuple[Table, list[str]]:
    """``cells`` (text by column) as a table as wide as ``console`` at most, one line a row
    where it can be, and the columns that gave way to make it fit, in the order they did.

    The widths are counted here, once, as Rich would measure them (:func:`wanted_widths`),
    and a table that fits is given them: Rich measured every cell of every column at each
    try and again to print, and a region's overdue list of 15,000 rows took 20 s to show
    (0.2 s as CSV)."""
    shown = list(cols)
    hidden: list[str] = []
    wanted = wanted_widths(cols, cells, layout)
    give_way = [c for c in layout.give_way if c in shown]
    # Widest, not narrowest: a row on one line reads better than text broken up.
    while give_way and table_width(wanted, shown) > console.width:
        hidden.append(give_way.pop(0))
        shown.remove(hidden[-1])
    table = _table(title, shown, cells, layout)
    if table_width(wanted, shown) <= console.width:
        for column, c in zip(table.columns, shown, strict=True):
            column.width = wanted[c]
    return table, hidden


def wanted_widths(
    cols: Sequence[str], cells: list[dict[str, str]], layout: Layout
) -> dict[str, int]:
    """The width each column of :func:`_table` wants, unbounded (its widest line, header
    included; a column of text at most its ``max_width``), as Rich measures plain text: the
    console prints no markup."""
    wanted = {}
    for c in cols:
        widest = max((_text_width(v) for v in {r[c] for r in cells}), default=0)
        widest = max(widest, _text_width(label(c)))
        if c in layout.whole:
            wanted[c] = max(widest, max((len(r[c]) for r in cells), default=0))
        else:
            wanted[c] = min(widest, layout.wide.get(c, TEXT_WIDTH))
    return wanted


def table_width(wanted: Mapping[str, int], shown: Sequence[str]) -> int:
    """The width of :func:`_table`'s table of the ``shown`` columns at the widths wanted:
    each column padded by a space each side, a rule between columns and at each edge."""
    return sum(wanted[c] + 3 for c in shown) + 1


def _text_width(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def hidden_note(hidden: Sequence[str]) -> str:
    """The line under a table that names the columns left out (empty if none)."""
    if not hidden:
        return ""
    names = ", ".join(label(c) for c in hidden)
    return f"Not shown at this width: {names} (--format csv has every column)."


def print_for_scripts(
    cols: Sequence[str], rows: Sequence[Mapping[str, object]], fmt: Output
) -> bool:
    """Print ``rows`` as JSON or CSV, every column in ``cols``, where ``fmt`` asks for one;
    whether it did (``False``: a table is wanted)."""
    if fmt is Output.json:
        out = [{c: r.get(c) for c in cols} for r in rows]
        print(json.dumps(out, default=str, ensure_ascii=False))
        return True
    if fmt is Output.csv:
        from doorstep.services.list_csv import csv_text

        sys.stdout.write(csv_text(cols, rows))
        return True
    return False


def show_list(
    title: str,
    cols: Sequence[str],
    rows: Sequence[Mapping[str, object]],
    fmt: Output,
    layout: Layout,
    console: Console,
) -> None:
    """Print ``rows`` as ``fmt`` asks: JSON and CSV with every column in ``cols``, a table
    fitted to the terminal with a line naming what gave way."""
    if print_for_scripts(cols, rows, fmt):
        return
    cells = [{c: "" if r.get(c) is None else str(r.get(c)) for c in cols} for r in rows]
    table, hidden = fitted_table(title, cols, cells, layout, console)
    console.print(table)
    if hidden:
        console.print(hidden_note(hidden), style="dim")
