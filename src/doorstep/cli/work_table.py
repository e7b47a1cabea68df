"""A work list as a table that fits the terminal: ids and dates are shown whole or not at all.

A coordinator reads a list by its ids and days, so a column of them is never cut to ``V00…``;
on a narrow terminal whole columns give way instead, the least needed first, and the caption
names them (``--format csv`` and ``json`` always have every column). The fitting itself is
``cli/listing.py``'s, shared with the other lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from doorstep.cli.listing import Layout, fitted_table, hidden_note, label

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
        "referral_open_since",
    }
)
#: The order columns give way in when the terminal is too narrow, least needed first: the
#: household, its deadline (or the visit's first day) and who is to go always stay, and the
#: status (a visitor who left, a pair excluded: what to act on) is the last to go.
GIVE_WAY = (
    "area",
    "referral_open_since",
    "visitor_name",
    "next_visitor",
    "under_way",
    "last_visit",
    "head_name",
    "end_day",
    "next_planned",
    "days_left",
    "status",
)
#: A status is a short sentence ("pair excluded: a new visitor is needed"), read whole.
LAYOUT = Layout(whole=WHOLE, give_way=GIVE_WAY, right=frozenset({"days_left"}), wide={"status": 40})
#: Columns that, when the same on every row (one visitor's list), go into the title instead.
SHARED = ("visitor", "visitor_name")


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
    table, hidden = fitted_table(title, shown, cells, LAYOUT, console)
    notes = [hidden_note(hidden)] if hidden else []
    if empty:
        notes.append(f"Empty: {', '.join(label(c) for c in empty)}.")
    return table, " ".join(notes)
