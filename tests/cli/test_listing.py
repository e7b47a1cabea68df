"""Lists fitted to the terminal, on any cells and any width: a code or a day is shown whole
or not at all, and a table is never wider than the terminal while columns may give way."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.measure import Measurement

from doorstep.cli.listing import (
    Layout,
    _table,
    fitted_table,
    hidden_note,
    table_width,
    wanted_widths,
)

COLS = ("code", "title", "area", "starts_on", "ends_on", "count")
LAYOUT = Layout(
    whole=frozenset({"code", "area", "starts_on", "ends_on", "count"}),
    give_way=("area", "ends_on", "count"),
    right=frozenset({"count"}),
)
_code = st.text("ABCDEFGHJK-0123456789", min_size=1, max_size=14)
_day = st.dates().map(lambda d: d.isoformat())
_title = st.text(st.characters(codec="utf-8", categories=("L", "Zs")), max_size=60)
_row = st.fixed_dictionaries(
    {
        "code": _code,
        "title": _title,
        "area": _code,
        "starts_on": _day,
        "ends_on": _day,
        "count": st.integers(0, 10**7).map(str),
    }
)


def _render(cells: list[dict[str, str]], width: int) -> tuple[list[str], list[str]]:
    console = Console(file=io.StringIO(), width=width, color_system=None, emoji=False)
    table, hidden = fitted_table("Things", COLS, cells, LAYOUT, console)
    console.print(table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return out.splitlines(), hidden


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, min_size=1, max_size=6), st.integers(40, 200))
def test_codes_and_days_are_whole_and_the_table_fits_once_columns_gave_way(
    cells: list[dict[str, str]], width: int
) -> None:
    lines, hidden = _render(cells, width)
    assert hidden == [c for c in LAYOUT.give_way if c in hidden]  # in the stated order
    body = [[c.strip() for c in ln.split("│")[1:-1]] for ln in lines if ln.startswith("│")]
    shown = [c for c in COLS if c not in hidden]
    values = {c: {cell[i] for cell in body} for i, c in enumerate(shown) if body}
    for row in cells:
        for c in shown:
            if c in LAYOUT.whole:
                assert row[c] in values[c], (c, row[c], lines)
    if len(hidden) < len(LAYOUT.give_way):  # not every column that may go went
        assert max(len(ln) for ln in lines) <= width, lines
    if hidden:
        assert hidden_note(hidden).startswith("Not shown at this width: ")


def test_nothing_gives_way_on_a_wide_terminal() -> None:
    row = dict.fromkeys(COLS, "2027-01-01")
    lines, hidden = _render([row], 200)
    assert hidden == [] and hidden_note(hidden) == ""
    assert all(c.replace("_", " ") in lines[2] for c in COLS)


_text = st.text(st.characters(codec="utf-8", categories=("L", "Zs", "N", "P")), max_size=60)
_any_row = st.fixed_dictionaries(
    {
        "code": _code,
        "title": st.one_of(_title, _text, _text.map(lambda t: t[:9] + "\n" + t[9:])),
        "area": _code,
        "starts_on": _day,
        "ends_on": st.one_of(_day, st.just("")),
        "count": st.integers(0, 10**7).map(str),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_any_row, min_size=0, max_size=6), st.integers(30, 200))
def test_the_widths_counted_once_are_those_rich_measures_and_print_the_same_table(
    cells: list[dict[str, str]], width: int
) -> None:
    # The fitting counts the widths itself instead of having Rich measure every cell at
    # each try: the same columns must give way, and the table must print as Rich's own.
    console = Console(file=io.StringIO(), width=width, color_system=None, emoji=False)
    table, hidden = fitted_table("Things", COLS, cells, LAYOUT, console)
    shown = [c for c in COLS if c not in hidden]
    unbounded = console.options.update_width(10_000)
    for some in (COLS, shown):
        measured = Measurement.get(console, unbounded, _table("Things", some, cells, LAYOUT))
        assert table_width(wanted_widths(COLS, cells, LAYOUT), some) == measured.maximum
    console.print(table)
    fixed = console.file.getvalue()  # type: ignore[attr-defined]
    plain = Console(file=io.StringIO(), width=width, color_system=None, emoji=False)
    plain.print(_table("Things", shown, cells, LAYOUT))
    assert fixed == plain.file.getvalue()  # type: ignore[attr-defined]
