"""Text a person typed, checked against the column it is stored in: PostgreSQL refuses a
value longer than its ``VARCHAR(n)`` (an error from the database) where SQLite stores it
whole, so the check is made before either sees it, with the same words on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String

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
