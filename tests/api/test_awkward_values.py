"""Awkward values in any field of any route or page get an answer, never a server error.

Each valid call of the busy-writer tests' tables (``tests/{api,web}/test_busy_writer.py``:
one per route of the API and per page, on the programme of
``tests/factories/busy_writer``) is sent again with one value of its address, query, form
or JSON body replaced in turn by each of :data:`AWKWARD` (on PostgreSQL, those whose
answer may depend on the database, :data:`ON_POSTGRES`): numbers past every bound and
every integer type, dates that do not exist or lie at the calendar's ends, empty and blank
text, very long text, text that looks like SQL or a path, signs that turn text around.
The fields are those the valid call sends, and the others it could: each API route's query
parameters and JSON body's fields (in the models within it too, and of a body that may be
left out) in the OpenAPI description, and the fields of every form on the pages the table
asks for (filters, paging), sent to the page the form is sent to. Another test sends each
call as it is, with the calendar's last and then its first day as today.
Each must be accepted or refused as a person's mistake (a 4xx, and from the API a
problem+json), not answered with a 5xx: a throwaway version of this check found unbounded
offsets and ids reaching the database, a poverty line overflowing a float, and unknown ids
on the rights pages. Calls that succeed may write: the programme changes as the test goes,
which only varies what the later calls meet.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import pytest
from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from doorstep import web
from doorstep.api.app import PREFIX
from doorstep.api.errors import PROBLEM
from doorstep.domain.visit_ids import VISIT_ID_MAX
from doorstep.storage.tables.visits import Visit
from doorstep.web.app import create_app
from tests.api.conftest import TODAY
from tests.api.test_busy_writer import _requests as api_requests
from tests.factories.busy_writer import programme_at
from tests.factories.front_doors import (
    Route,
    TableCall,
    in_path,
    path_template,
    send,
    table_calls,
)
from tests.web.test_busy_writer import _requests as web_requests

AWKWARD: tuple[str, ...] = (
    "",
    " ",
    "-1",
    "0",
    "2147483648",  # one past a 32-bit integer
    "9223372036854775808",  # one past a 64-bit integer
    "-9223372036854775809",
    "1e309",  # past a float
    "NaN",
    "-inf",
    "2027-02-30",
    "0001-01-01",
    "9999-12-31",
    "'; DROP TABLE households; --",
    "../../etc/passwd",
    "%s%n{0}",
    "\u202egnp.exe",
    "秀珍" * 2000,
)
#: The values whose answer may depend on the database, sent on PostgreSQL too: numbers past
#: its integer types, a float's NaN and infinity, days at the calendar's ends, text its
#: driver or SQL could read specially, long text. The others are taken or refused before
#: any query, alike on either database (SQLite is sent them all).
ON_POSTGRES: tuple[str, ...] = (
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "NaN",
    "-inf",
    "0001-01-01",
    "9999-12-31",
    "'; DROP TABLE households; --",
    "%s%n{0}",
    "秀珍" * 2000,
)


class Sent(NamedTuple):
    """One call with an awkward value: the route, the field changed, the request, who."""

    route: tuple[str, str, str]  # door, method, path
    where: tuple[str, str]  # (path|query|body, the field)
    value: str
    url: str
    keywords: dict[str, Any]
    who: str | None


#: A field of a JSON body, by its path: keys, and 0 for a list's first item.
JsonPath = tuple[str | int, ...]


def _leaves(body: object, at: JsonPath = ()) -> Iterator[JsonPath]:
    """The paths of a JSON body's values: within its objects, and within a list's first
    item where that is an object; a list of scalars is one value."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _leaves(value, (*at, key))
    elif isinstance(body, list) and body and isinstance(body[0], dict):
        yield from _leaves(body[0], (*at, 0))
    elif at:
        yield at


def _at(body: object, path: JsonPath, missing: object) -> object:
    for step in path:
        in_object = isinstance(body, dict) and isinstance(step, str) and step in body
        if not (in_object or (isinstance(body, list) and isinstance(step, int) and body)):
            return missing
        body = body[step]  # type: ignore[index]
    return body


def _put(body: object, path: JsonPath, value: object) -> object:
    """``body`` with ``value`` at ``path``, the objects and lists on the way made anew (or
    made, where the body has none)."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        return [_put(items[0], rest, value), *items[1:]]
    have = dict(body) if isinstance(body, dict) else {}
    return {**have, step: _put(have.get(step), rest, value)}


def _with(
    keywords: dict[str, Any], value: str, more: dict[str, set[Any]]
) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    """The call's keywords with one value in turn replaced by ``value``: each query field,
    each form field, each scalar of its JSON body, in objects within it too (a list's
    first item by the list's path); and with each field of ``more`` (by part: ``params``,
    ``data``, ``json``: paths) it does not send added as ``value``."""
    for part, place in (("params", "query"), ("data", "body")):
        have = keywords.get(part) or {}
        for key in sorted(set(have) | more.get(part, set())):
            yield (place, key), {**keywords, part: {**have, key: value}}
    body = keywords.get("json")
    if isinstance(body, dict):
        for path in sorted(set(_leaves(body)) | more.get("json", set()), key=str):
            old = _at(body, path, value)
            name = ".".join(map(str, path))
            if isinstance(old, str | int | float) and not isinstance(old, bool):
                yield ("body", name), {**keywords, "json": _put(body, path, value)}
            elif isinstance(old, list) and old and isinstance(old[0], str | int):
                changed = _put(body, path, [value, *old[1:]])
                yield ("body", name), {**keywords, "json": changed}


def _model(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed, and an optional one (``anyOf`` it or null)
    taken as it."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            continue
        some = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
        if len(some) != 1:
            return schema
        schema = some[0]


def _body_fields(spec: dict[str, Any], schema: dict[str, Any]) -> set[JsonPath]:
    """The fields of a JSON body's model by their paths, in the models within it too (a
    list's by its first item)."""
    fields: set[JsonPath] = set()
    for name, field in _model(spec, schema).get("properties", {}).items():
        fields.add((name,))
        inner, at = _model(spec, field), (name,)
        if inner.get("type") == "array":
            inner, at = _model(spec, inner.get("items", {})), (name, 0)
        if inner.get("properties"):
            fields |= {(*at, *sub) for sub in _body_fields(spec, inner)}
    return fields


class _Forms(HTMLParser):
    """The fields of a page's forms, by the method and path they are sent to."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.fields: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._form: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        got = dict(attrs)
        if tag == "form":
            path = urlsplit(got.get("action") or self.page).path or self.page
            self._form = ((got.get("method") or "get").upper(), path)
        elif tag in ("input", "select", "textarea") and self._form and got.get("name"):
            self.fields[self._form].add(str(got["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' too."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _page_queries() -> dict[tuple[str, str], set[str]]:
    """The query parameters of every page, by method and path (the pages' routers)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module in pkgutil.iter_modules(web.__path__):
        router = getattr(importlib.import_module(f"{web.__name__}.{module.name}"), "router", None)
        if isinstance(router, APIRouter):
            for route in router.routes:
                if isinstance(route, APIRoute):
                    for method in route.methods:
                        found[(method, route.path)] |= _query_names(route.dependant)
    return found


def _more_fields(
    site: TestClient, tokens: dict[str, str], first: str
) -> dict[Route, dict[str, set[Any]]]:
    """Fields each call of the tables could send besides its own, by door, method and path:
    an API route's query parameters (its OpenAPI description), a page's (its route), and
    a form's fields, read from the pages of the table as the table's account reads them."""
    more: dict[Route, dict[str, set[Any]]] = defaultdict(dict)
    spec = site.app.openapi()  # type: ignore[attr-defined]
    for route in api_requests(first):
        op = spec["paths"].get(PREFIX + route[1], {}).get(route[0].lower(), {})
        names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "query"}
        more[("api", *route)]["params"] = names
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if schema:
            more[("api", *route)]["json"] = _body_fields(spec, schema.get("schema", {}))
    pages = _page_queries()
    asks = web_requests(first)
    by_path = {(method, urlsplit(a.url).path): (method, path) for (method, path), a in asks.items()}
    for (method, path), ask in asks.items():
        more[("web", method, path)]["params"] = pages.get((method, path), set())
        if method != "GET":
            continue
        site.cookies.clear()
        if ask.who is not None:
            site.post("/login", data={"token": tokens[ask.who]})
        page = site.get(ask.url, **ask.keywords)
        if not page.headers.get("content-type", "").startswith("text/html"):
            continue
        forms = _Forms(urlsplit(ask.url).path)
        forms.feed(page.text)
        for (sent, action), names in forms.fields.items():
            route = by_path.get((sent, action))
            if route is not None and sent != "GET":
                more[("web", *route)].setdefault("data", set()).update(names)
    return more


def _sent(
    first: str, more: dict[Route, dict[str, set[Any]]], values: tuple[str, ...] = AWKWARD
) -> list[Sent]:
    """Every call of both tables with each of ``values`` in each field it has or could
    have (``more``)."""
    found: list[Sent] = []
    for call in table_calls(first):
        route, url, keywords, who = call
        for value in values:
            # An empty one in the address leaves the route's address, which is not its test.
            if value:
                found += [
                    Sent(route, where, value, u, keywords, who)
                    for where, u in in_path(path_template(route), url, quote(value, safe=""))
                ]
            found += [
                Sent(route, where, value, url, k, who)
                for where, k in _with(keywords, value, more.get(route, {}))
            ]
    return found


@pytest.mark.slow
def test_an_awkward_value_in_any_field_is_answered_without_a_server_error(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db_url, tokens, first = programme_at(db_url, tmp_path, request)
    app = create_app(db_url, today=lambda: TODAY)
    wrong: list[tuple[tuple[str, str, str], tuple[str, str], str, int, str]] = []
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as site:
        more = _more_fields(site, tokens, first.isoformat())
        # Paging and filters of the pages and of the API are among the fields tried.
        assert "offset" in more[("web", "GET", "/checks/sizes")]["params"]
        assert "offset" in more[("api", "GET", "/pairing/proposals/{proposal}/diff")]["params"]
        assert ("visit_id",) in more[("api", "POST", "/visits")]["json"]
        # A body that may be left out (``anyOf`` its model or null) has its model's fields.
        assert ("days",) in more[("api", "POST", "/accounts/{name}/tokens")]["json"]
        values = ON_POSTGRES if db_url.startswith("postgresql") else AWKWARD
        sent = _sent(first.isoformat(), more, values)
        assert {s.where[0] for s in sent} == {"path", "query", "body"}
        for call in sent:
            table = TableCall(call.route, call.url, call.keywords, call.who)
            typed = frozenset({call.where[1]} if call.where[0] == "body" else ())
            got = send(
                site, table, call.keywords, tokens=tokens, first=first.isoformat(), as_typed=typed
            )
            refused_plainly = got.status_code < 400 or (
                got.status_code < 500
                and (
                    call.route[0] == "web"
                    or got.headers.get("content-type", "").startswith(PROBLEM)
                )
            )
            if not refused_plainly:
                wrong.append(
                    (call.route, call.where, call.value[:20], got.status_code, got.text[:200])
                )
    app.state.engine.dispose()
    assert not wrong, "\n".join(map(str, wrong))


@pytest.mark.slow
def test_every_call_is_answered_without_a_server_error_on_the_calendars_first_and_last_day(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Today is a person's choice too (DOORSTEP_TODAY, for demos and training): windows
    # counted from it stop at the calendar's ends. Once, leaving visitors' windows, the
    # report's due counts and an erased visitor's last day stepped past them (a 500).
    db_url, tokens, first = programme_at(db_url, tmp_path, request)
    wrong: list[tuple[dt.date, tuple[str, str, str], int, str]] = []
    for today in (dt.date.max, dt.date.min):
        app = create_app(db_url, today=lambda today=today: today)
        with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as site:
            for call in table_calls(first.isoformat()):
                got = send(site, call, call.keywords, tokens=tokens, first=first.isoformat())
                if got.status_code >= 500:
                    wrong.append((today, call.route, got.status_code, got.text[:200]))
        app.state.engine.dispose()
    assert not wrong, "\n".join(map(str, wrong))


def test_the_values_sent_on_postgresql_are_awkward_values() -> None:
    assert set(ON_POSTGRES) < set(AWKWARD)


def test_a_visit_id_is_bounded_as_it_is_stored() -> None:
    assert Visit.__table__.c.client_uuid.type.length == VISIT_ID_MAX
