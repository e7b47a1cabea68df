"""Text a person typed, checked against the column it is stored in: PostgreSQL refuses a
value longer than its ``VARCHAR(n)`` (an error from the database) where SQLite stores it
whole, so the check is made before either sees it, with the same words on both. A new code
typed (an activity's, a project's) is checked as an import checks one: plain text on one
line."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String

from doorstep.domain.ids import NOT_IN_AN_ID
from doorstep.errors import InvalidInput
from doorstep.say import Say


def check_fits(value: str, column: ColumnElement[Any], what: Say) -> None:
    """Refuse ``value`` (``what``: the option or field as the person knows it) when it is
    longer than ``column`` holds."""
    kind = column.type
    if isinstance(kind, String) and kind.length is not None and len(value) > kind.length:
        raise InvalidInput(
            Say(
                "%(what)s has %(length)s characters: at most %(most)s fit",
                what=what,
                length=len(value),
                most=kind.length,
            )
        )


def check_plain(code: str, what: Say) -> None:
    """Refuse a new ``code`` (``what``: the option or field as the person knows it) holding
    a control character or a text-direction mark, as an import refuses it: one with a line
    break could not even be named in an address (the API's routes by code found none)."""
    if re.search(NOT_IN_AN_ID, code):
        raise InvalidInput(
            Say(
                "%(what)s %(code)s holds a control character (a tab, a line break) or a "
                "text-direction mark; a code is plain text on one line",
                what=what,
                code=repr(code),
            )
        )
