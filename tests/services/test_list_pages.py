"""A list's pages and cursors, on keys a reader can check by hand and on any keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.errors import InvalidInput
from doorstep.services.list_pages import Key, cursor, cut, position

DAY = dt.date(2027, 3, 1)


def _keyed(keys: list[Key]) -> list[tuple[Key, dict[str, Any]]]:
    return [(k, {"household": k[2], "row": k[3]}) for k in sorted(keys)]


def _follow(keyed: list[tuple[Key, dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    rows, after = [], None
    for _ in range(len(keyed) + 1):
        page = cut(keyed, after, limit)
        rows += page.rows
        after = page.next_after
        if after is None:
            return rows
    raise AssertionError("next never ends")


def test_five_rows_by_two_are_three_pages_each_knowing_its_neighbours() -> None:
    keyed = _keyed([(DAY, "V1", f"H{i}", i) for i in range(5)])
    first = cut(keyed, None, 2)
    assert ([r["row"] for r in first.rows], first.start, first.total) == ([0, 1], 0, 5)
    assert (first.next_after, first.previous_after) == (keyed[1][0], None)
    second = cut(keyed, first.next_after, 2)
    assert ([r["row"] for r in second.rows], second.start) == ([2, 3], 2)
    assert second.previous_after is None  # the previous page is the first
    last = cut(keyed, second.next_after, 2)
    assert ([r["row"] for r in last.rows], last.start, last.next_after) == ([4], 4, None)
    assert last.previous_after == keyed[1][0]
    assert cut(keyed, None, None).rows == [r for _, r in keyed]


def test_a_row_gone_from_an_earlier_page_moves_no_row_across_pages() -> None:
    keyed = _keyed([(DAY, "V1", f"H{i}", i) for i in range(5)])
    first = cut(keyed, None, 2)
    # H0 was visited meanwhile and left the list: the next page still begins at H2.
    second = cut(keyed[1:], first.next_after, 2)
    assert [r["household"] for r in second.rows] == ["H2", "H3"]
    assert (second.start, second.total) == (1, 4)


keys = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
        st.text(max_size=3),
        st.text(max_size=3),
        st.integers(min_value=0, max_value=10**12),
    ),
    unique_by=lambda k: k[3],
    max_size=30,
)


@given(keys, st.integers(min_value=1, max_value=7))
def test_the_pages_join_to_the_whole_list(some: list[Key], limit: int) -> None:
    keyed = _keyed(some)
    assert _follow(keyed, limit) == [r for _, r in keyed]


@given(keys.filter(bool))
def test_a_key_comes_back_from_its_cursor(some: list[Key]) -> None:
    for key in some:
        assert position("due", cursor("due", key)) == key


def test_a_cursor_is_of_its_list_only() -> None:
    with pytest.raises(InvalidInput, match="not a place in the upcoming list"):
        position("upcoming", cursor("due", (DAY, "V1", "H0", 1)))
