"""Weekday lists, as a user writes them and as they are stored (Monday = 0).

One parser for every place that reads a list of weekdays: the planner's ``--working-days``
and ``--start-days`` and a household's ``preferred_weekdays`` in an import file, so a list
a coordinator writes in one place means the same in the other.
"""

from __future__ import annotations

import re

NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: How a list is stored (``households.preferred_weekdays``): numbers joined by this.
SEPARATOR = ";"


def _day(name: str) -> int | None:
    """``wednesday``, ``wed`` or ``2`` as 2; anything else (``monkey``, ``7``, ``""``) as none."""
    name = name.strip()
    if name in _FULL_NAMES:
        return _FULL_NAMES.index(name)
    if name in NAMES:
        return NAMES.index(name)
    if len(name) == 1 and name in "0123456":
        return int(name)
    return None


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,sat"``, ``"mon;wed;fri"``, ``"0;2;4"`` or ``"all"`` as
    weekday numbers (0 = Monday); a range wraps (``sat-mon``). Raises ``ValueError`` for
    anything else (an unknown day, an empty part)."""
    text = text.strip().lower()
    if text in ("all", "*"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in re.split(r"[,;]", text):
        ends = [_day(e) for e in part.split("-")]
        if len(ends) > 2 or any(e is None for e in ends):
            raise ValueError(f"not a weekday list: {text!r} (try mon-fri or mon,wed,fri)")
        a, b = ends[0], ends[-1]
        assert a is not None and b is not None
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


def stored(days: frozenset[int]) -> str:
    """Weekdays as stored: ``"0;2;4"``, in order."""
    return SEPARATOR.join(str(d) for d in sorted(days))


def named(text: str | None) -> str | None:
    """A stored list (``"0;2;4"``) as an import file writes it (``"mon;wed;fri"``); none
    stays none. Parts that are no weekday are left out, as the planner leaves them out."""
    if text is None:
        return None
    days = sorted({d for p in text.split(SEPARATOR) if (d := _day(p)) is not None})
    return SEPARATOR.join(NAMES[d] for d in days)
