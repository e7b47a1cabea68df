"""Weekday lists read the same wherever a user writes one."""

from __future__ import annotations

import pytest

from doorstep.domain.weekdays import named, parse_weekdays, stored


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon;wed;fri", {0, 2, 4}),
        ("0;2;4", {0, 2, 4}),
        ("Monday, wed;4", {0, 2, 4}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat-mon", {5, 6, 0}),
        ("all", set(range(7))),
    ],
)
def test_names_numbers_and_ranges_are_weekdays(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(days)


@pytest.mark.parametrize("text", ["monkey", "7", "mon;;wed", "", "mon-tue-wed", "-1"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a weekday list"):
        parse_weekdays(text)


def test_a_stored_list_reads_back_by_name() -> None:
    assert stored(parse_weekdays("fri;mon;wed")) == "0;2;4"
    assert named("0;2;4") == "mon;wed;fri"
    assert parse_weekdays(named("4;0") or "") == frozenset({0, 4})
    assert named(None) is None
