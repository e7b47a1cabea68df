"""No NUL character (``\\x00``) reaches a route: PostgreSQL cannot store one in text, and
SQLite refuses a statement holding one, so a route that passed it on would answer 500.
Nothing a person types holds one. Each route of the site (the API and the pages) is given
:func:`refuse_nul` as a dependency, which refuses a NUL in the address, the query, a form's
field or anywhere in a JSON body as the routes' own types refuse a field (422 with where
and why, or the page saying which field), before the route reads anything. An uploaded
file's content is the import's to check: it names the row and the column."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
#: The reason given, in pydantic's manner; the pages translate it (``web.field_reasons``).
REASON = "Input should not contain a NUL character (\\x00)"
#: The error's type, as pydantic's errors have one.
TYPE = "string_nul"

Loc = tuple[str | int, ...]


async def refuse_nul(request: Request) -> None:
    """Raise :class:`RequestValidationError` naming each place of the request that holds a
    NUL; a body that is not JSON or a form is left to the route."""
    found: list[Loc] = [("path", k) for k, v in request.path_params.items() if NUL in str(v)]
    found += [("query", _named(k)) for k, v in request.query_params.multi_items() if NUL in k + v]
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            sent = json.loads(await request.body())
        except ValueError:  # not JSON, or not UTF-8: the route's own parser says so
            sent = None
        found += _held(sent, ("body",))
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        found += [
            ("body", _named(k))
            for k, v in form.multi_items()
            if NUL in k or (isinstance(v, str) and NUL in v)
        ]
    if found:
        raise RequestValidationError([{"type": TYPE, "loc": loc, "msg": REASON} for loc in found])


def _held(value: Any, loc: Loc) -> Iterator[Loc]:
    """Where in a decoded JSON ``value`` a string (a key or a value) holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*loc, _named(key))
            yield from _held(item, (*loc, _named(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _held(item, (*loc, i))


def _named(key: str) -> str:
    """A field's name as it can be shown: its NULs written ``\\x00``."""
    return key.replace(NUL, "\\x00")
