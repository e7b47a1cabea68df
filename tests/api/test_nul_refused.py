"""A NUL character (``\\x00``) anywhere a person's text reaches a route is refused as a bad
field, naming it, before the route reads anything: not a 500 from the database (PostgreSQL
refuses one in text, SQLite a statement holding one).

The calls are the busy-writer tests' tables (``tests/{api,web}/test_busy_writer.py``): one
valid call per route of the API and per page, on the programme of
``tests/factories/busy_writer``, each sent again with a NUL added in turn to each value of
its address, query, form and JSON body, and to a query field of its own. Nothing is read,
so nothing is written: one database serves every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from doorstep.api.errors import PROBLEM
from doorstep.api.nul_refused import REASON, TYPE
from doorstep.storage.session import make_engine
from doorstep.web.app import create_app
from doorstep.web.field_reasons import REASONS
from tests.api.conftest import TODAY
from tests.api.test_busy_writer import _requests as api_requests
from tests.factories.busy_writer import programme_at
from tests.factories.front_doors import TableCall, in_path, path_template, send, table_calls

NUL = "\x00"


class Sent(NamedTuple):
    """One call with a NUL: the route, the place of the NUL, the request, who sends it."""

    route: tuple[str, str, str]  # door, method, path
    where: tuple[str, str]  # (path|query|body, the field)
    url: str
    keywords: dict[str, Any]
    who: str | None


def _with_nul(keywords: dict[str, Any]) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    """The call's keywords with a NUL added to one value in turn: each query field, each
    form field, each string in its JSON body (by its key's name; a list's items by the
    list's)."""
    for part, place in (("params", "query"), ("data", "body")):
        for key, value in (keywords.get(part) or {}).items():
            yield (place, key), {**keywords, part: {**keywords[part], key: f"{value}{NUL}"}}
    body = keywords.get("json")
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str):
                yield ("body", key), {**keywords, "json": {**body, key: value + NUL}}
            elif isinstance(value, list) and value and isinstance(value[0], str):
                changed = [value[0] + NUL, *value[1:]]
                yield ("body", key), {**keywords, "json": {**body, key: changed}}


def _sent(first: str) -> list[Sent]:
    """Every call of both tables with a NUL, in each place it can take one."""
    found: list[Sent] = []
    for call in table_calls(first):
        route, url, keywords, who = call
        found += [
            Sent(route, where, u, keywords, who)
            for where, u in in_path(path_template(route), url, "{}%00")
        ]
        found += [Sent(route, where, url, k, who) for where, k in _with_nul(keywords)]
        extra = {**keywords, "params": {**(keywords.get("params") or {}), f"x{NUL}": "1"}}
        found.append(Sent(route, ("query", "x\\x00"), url, extra, who))
    return found


#: The sign-in form, which no one is signed in to send.
SIGN_IN = ("POST", "/login")


def test_the_reason_is_the_pages_to_translate() -> None:
    assert REASONS[TYPE] == REASON


@pytest.mark.slow
def test_a_nul_anywhere_in_a_request_is_refused_naming_its_field(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db_url, tokens, first = programme_at(db_url, tmp_path, request)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    app = create_app(db_url, today=lambda: TODAY)
    wrong: list[tuple[tuple[str, str, str], tuple[str, str], int, str]] = []
    sent = _sent(first.isoformat())
    # Each route and page, and each kind of place, is tried.
    assert {s.route[1:] for s in sent if s.route[0] == "api"} == set(api_requests("x"))
    assert {s.where[0] for s in sent} == {"path", "query", "body"}
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as site:
        for call in sent:
            table = TableCall(call.route, call.url, call.keywords, call.who)
            got = send(site, table, call.keywords, tokens=tokens, first=first.isoformat())
            named = call.where[1]
            if got.headers.get("content-type", "").startswith(PROBLEM):
                told = got.json()
                ok = got.status_code == 422 and any(
                    e["type"] == TYPE and e["loc"][:2] == list(call.where)
                    for e in told.get("errors", ())
                )
            elif call.who is None and call.route[0] == "web" and call.route[1:] != SIGN_IN:
                # No one signed in: a refused form sends them to sign in, as it does (the
                # sign-in form itself says why on its page).
                ok = got.status_code == 303 and got.headers["location"] == "/login"
            else:
                ok = got.status_code == 422 and f"{named}: {REASON}" in got.text
            if not ok:
                wrong.append((call.route, call.where, got.status_code, got.text[:300]))
    app.state.engine.dispose()
    assert wrong == []
    with engine.connect() as conn:
        after = conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    engine.dispose()
    assert after == before  # nothing was read, and no one's data written
