"""Every route of the API and every page, as the busy-writer tests' tables call them once
each (``tests/{api,web}/test_busy_writer.py``), for tests that send each call again with
one of its values changed: a NUL (``tests/api/test_nul_refused.py``), an awkward value
(``tests/api/test_awkward_values.py``)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx2 as httpx
from fastapi.testclient import TestClient

from doorstep.api.app import PREFIX
from doorstep.web.session import COOKIE
from tests.api.test_busy_writer import _requests as api_requests
from tests.web.test_busy_writer import _requests as web_requests

Route = tuple[str, str, str]  # door (api|web), method, path

#: The tokens each site has been seen to sign in with (:func:`send`).
_SIGNED_IN: weakref.WeakKeyDictionary[TestClient, set[str]] = weakref.WeakKeyDictionary()


class TableCall(NamedTuple):
    """One call of the tables: its route, the URL it asks, its request's keywords, and who
    sends it (``None``: no one signed in; the API's ``None`` is the manager)."""

    route: Route
    url: str
    keywords: dict[str, Any]
    who: str | None


def table_calls(first: str) -> list[TableCall]:
    """Each call of both tables (``first``: H0's first planned day)."""
    calls = [
        TableCall(("api", *route), PREFIX + call.url, call.keywords, call.who)
        for route, call in api_requests(first).items()
    ]
    return calls + [
        TableCall(("web", *route), ask.url, ask.keywords, ask.who)
        for route, ask in web_requests(first).items()
    ]


def path_template(route: Route) -> str:
    """The route's path as the app matches it (the API's under its prefix)."""
    return (PREFIX if route[0] == "api" else "") + route[2]


def in_path(template: str, url: str, value: str) -> Iterator[tuple[tuple[str, str], str]]:
    """``url`` with each of ``template``'s ``{field}`` values in turn changed to itself
    followed by ``value`` (``{}``: ``value`` alone), as ``(("path", field), url)``."""
    path, _, query = url.partition("?")
    have, want = path.split("/"), template.split("/")
    assert len(have) == len(want), (template, url)
    for i, part in enumerate(want):
        name = re.fullmatch(r"\{(\w+)(?::\w+)?\}", part)
        if name:
            changed = "/".join([*have[:i], value.replace("{}", have[i]), *have[i + 1 :]])
            yield ("path", name.group(1)), changed + (f"?{query}" if query else "")


def send(
    site: TestClient,
    call: TableCall,
    keywords: dict[str, Any],
    *,
    tokens: dict[str, str],
    first: str,
    as_typed: frozenset[str] = frozenset(),
) -> httpx.Response:
    """Send ``call`` with ``keywords`` (its own, or changed) on ``site`` as its account
    would: over the API with its token, on a page signed in. A file it sends is made anew
    (one sent is read to its end); its form's values name accounts' tokens by ``{name}``,
    but for the fields in ``as_typed``, sent as they are."""
    keywords = dict(keywords)
    if "files" in keywords:
        fresh = (api_requests if call.route[0] == "api" else web_requests)(first)
        keywords["files"] = fresh[call.route[1:]].keywords["files"]
    if "data" in keywords:
        keywords["data"] = {
            k: v if k in as_typed else v.format(**tokens) for k, v in keywords["data"].items()
        }
    site.cookies.clear()
    headers: dict[str, str] = {}
    if call.route[0] == "api":
        headers["Authorization"] = f"Bearer {tokens[call.who or 'boss']}"
    elif call.who is not None:
        token = tokens[call.who]
        # Signing in sets the token as the cookie: checked once for each site and token,
        # then set as signing in sets it (a request fewer for every page's call).
        if token not in _SIGNED_IN.setdefault(site, set()):
            assert site.post("/login", data={"token": token}).status_code == 303
            _SIGNED_IN[site].add(token)
        site.cookies.set(COOKIE, token)
    return site.request(call.route[1], call.url, headers=headers, **keywords)
