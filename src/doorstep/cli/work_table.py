"""A work list as a table that fits the terminal: ids and dates are shown whole or not at all.

A coordinator reads a list by its ids and days, so a column of them is never cut to ``V00…``;
on a narrow terminal whole columns give way instead, the least needed first, and the caption
names them (``--format csv`` and ``json`` always have every column).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

#: Columns of ids, days and numbers: never wrapped, never cut.
WHOLE = frozenset(
    {
        "deadline",
        "days_left",
        "visitor",
        "household",
        "last_visit",
        "under_way",
        "next_planned",
        "next_visitor",
        "start",
        "end_day",
    }
)
#: The order columns give way in when the terminal is too narrow, least needed first: the
#: household, its deadline (or the visit's first day) and who is to go always stay.
GIVE_WAY = (
    "area",
    "visitor_name",
    "next_visitor",
    "under_way",
    "last_visit",
    "head_name",
    "status",
    "end_day",
    "next_planned",
    "days_left",
)
#: The widest a column of names gets; a longer name wraps within it.
TEXT_WIDTH = 24
#: Columns that, when the same on every row (one visitor's list), go into the title instead.
SHARED = ("visitor", "visitor_name")


def _label(column: str) -> str:
    return column.replace("_", " ")


def _table(title: str, cols: Sequence[str], cells: list[dict[str, str]]) -> Table:
    table = Table(title=title)
    for c in cols:
        if c in WHOLE:
            widest = max((len(r[c]) for r in cells), default=0)
            table.add_column(
                _label(c),
                justify="right" if c == "days_left" else "left",
                no_wrap=True,
                min_width=widest,
            )
        else:
            table.add_column(_label(c), overflow="fold", max_width=TEXT_WIDTH)
    for r in cells:
        table.add_row(*[r[c] for c in cols])
    return table


def work_table(
    kind: str, cols: Sequence[str], rows: list[dict[str, Any]], console: Console
) -> tuple[Table, str]:
    """The list of ``kind`` (``due``, ``overdue``, ``upcoming``) as a table as wide as
    ``console`` at most, one line a row, keeping every id and day it shows whole; and a
    note naming the columns left out (empty if none)."""
    cells = [{c: "" if r.get(c) is None else str(r.get(c)) for c in cols} for r in rows]
    shown = list(cols)
    title = f"{kind.capitalize()} visits"
    shared = [c for c in SHARED if c in shown and cells and len({r[c] for r in cells}) == 1]
    if "visitor" in shared:
        title += " of " + " ".join(cells[0][c] for c in shared if cells[0][c])
        shown = [c for c in shown if c not in shared]
    title += f" ({len(rows)})"
    # A column empty on every row says nothing; it would only push others off the screen.
    empty = [c for c in shown if cells and not any(r[c] for r in cells)]
    shown = [c for c in shown if c not in empty]
    hidden: list[str] = []
    # Measured unbounded: the widths the columns want, not those a narrow screen allows.
    options = console.options.update_width(10_000)
    give_way = [c for c in GIVE_WAY if c in shown]
    # Widest, not narrowest: a row on one line reads better than names broken up.
    while give_way and (
        Measurement.get(console, options, _table(title, shown, cells)).maximum > console.width
    ):
        hidden.append(give_way.pop(0))
        shown.remove(hidden[-1])
    notes = []
    if hidden:
        names = ", ".join(_label(c) for c in hidden)
        notes.append(f"Not shown at this width: {names} (--format csv has every column).")
    if empty:
        notes.append(f"Empty: {', '.join(_label(c) for c in empty)}.")
    return _table(title, shown, cells), " ".join(notes)
