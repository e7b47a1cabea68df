"""A work list a page at a time: the list's one total order, its cursors, and a page cut
from it.

Each row has a key, ``(day, visitor, household, id)``: the day it is listed by (a
deadline, a visit's first day), the visitor's and household's ids, and the id of the
pairing or visit the row is (no two rows share it). Keys are compared in Python, not by
the database's collation, so a list is in the same order on SQLite and PostgreSQL. A page
begins after a key (a cursor), not at an offset: a household recorded or planned between
two requests moves no other row from one page to another, so following ``next`` shows no
row twice and misses none that stayed on the list.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from doorstep.errors import InvalidInput
from doorstep.say import Code, Say

#: A row's place in its list: (day, visitor, household, pairing's or visit's id).
Key = tuple[dt.date, str, str, int]

#: Rows on a page unless asked otherwise: a visitor's whole caseload, or a screen or two
#: of a coordinator's, in one answer, each row read in the trail.
PAGE_ROWS = 200
#: The most rows a page may have: each is a household (and visitors) read in the trail,
#: written in the request's transaction, so a page stays a second's work or less.
MOST_PAGE_ROWS = 2000


@dataclass(frozen=True)
class Page:
    """The rows of a list from ``start`` (the whole list's index of its first row) and
    how many rows the whole list has; where the next and the previous page begin."""

    rows: list[dict[str, Any]]
    total: int
    start: int
    #: The key the next page begins after; ``None``: this is the last page.
    next_after: Key | None
    #: The key the previous page begins after; ``None``: it is the first page (or there is
    #: none: ``start`` is 0).
    previous_after: Key | None


def cut(keyed: Sequence[tuple[Key, dict[str, Any]]], after: Key | None, limit: int | None) -> Page:
    """The page of ``limit`` rows (``None``: all of them) after ``after`` of a list whose
    rows come with their keys, in order."""
    if limit is not None and limit < 1:
        raise ValueError(f"a page of {limit} rows")
    keys = [k for k, _ in keyed]
    start = 0 if after is None else bisect.bisect_right(keys, after)
    end = len(keyed) if limit is None else min(len(keyed), start + limit)
    back = 0 if limit is None else max(0, start - limit)
    return Page(
        rows=[r for _, r in keyed[start:end]],
        total=len(keyed),
        start=start,
        next_after=keys[end - 1] if end < len(keyed) else None,
        previous_after=keys[back - 1] if back > 0 else None,
    )


def cursor(kind: str, key: Key) -> str:
    """``key`` as a cursor of the ``kind`` list: opaque to the caller, who sends it back
    as it came."""
    day, visitor, household, row = key
    text = json.dumps([kind, day.isoformat(), visitor, household, row], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def position(kind: str, after: str) -> Key:
    """The key a cursor of the ``kind`` list stands for; anything else is refused, naming
    the parameter."""
    try:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4))
        said, day, visitor, household, row = json.loads(raw)
        if said != kind or not (isinstance(visitor, str) and isinstance(household, str)):
            raise ValueError(said)
        if not isinstance(row, int) or isinstance(row, bool):
            raise ValueError(row)
        return dt.date.fromisoformat(day), visitor, household, row
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidInput(
            Say(
                "after: %(after)s is not a place in the %(kind)s list: send a page's next as "
                "it came, or no after for the first page",
                after=repr(after),
                kind=Code(kind),
            )
        ) from None
