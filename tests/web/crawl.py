"""A crawler of the web app for the link-following tests (``test_crawl``): what a page links
to, how a link is told apart from the ones like it, and what one walk found.

The walk starts at ``/`` and follows, breadth-first, every same-site ``<a href>`` and every
GET form's action submitted with its default values (a POST form is never followed: it
changes data). Two links are the same *route pattern* when their paths match with each
segment holding a digit read as ``{id}`` and their query strings name the same keys
(``/pairing/12`` and ``/pairing/13``; ``/files/household?id=H1`` and ``?id=H2``): at most
:data:`PER_PATTERN` of each are followed, which keeps the walk small and still reaches each
page with real rows. ``/language/...`` is not followed: it sets the reader's language for
the rest of the walk (a cookie, no data)."""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from fastapi.testclient import TestClient

#: Links of one route pattern followed at most.
PER_PATTERN = 3
#: Pages fetched at most in one walk: a bound that a link loop cannot pass.
MOST = 300
#: Answers that are files, by their content type: each must hold something.
FILES = ("text/csv", "spreadsheetml", "text/calendar", "application/json", "octet-stream")
_SKIPPED = ("/language/", "/static/")


class _Links(HTMLParser):
    """The links of a page: ``<a href>``, and GET forms' actions with their defaults."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, first, chosen
        self._text: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            if a.get("method", "get").lower() == "get":
                self._form = (a.get("action", ""), [])
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[1].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and a.get("name"):
            self._text = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, options, chosen = self._select
            if chosen or options:
                self._form[1].append((name, (chosen or options)[0]))
            self._select = None
        elif tag == "textarea" and self._text is not None:
            self._form[1].append((self._text[0], "".join(self._text[1])))
            self._text = None
        elif tag == "form":
            action, fields = self._form
            self.links.append(f"{action.split('?')[0]}?{urlencode(fields)}" if fields else action)
            self._form = None


def links(page: str, here: str) -> list[str]:
    """The same-site links of ``page`` (read at ``here``), as paths with their queries."""
    parser = _Links()
    parser.feed(page)
    out = []
    for link in parser.links:
        url = urlsplit(urljoin(f"http://testserver{here}", link.split("#")[0]))
        if url.scheme in ("http", "https") and url.netloc == "testserver":
            out.append(url.path + (f"?{url.query}" if url.query else ""))
    return out


def pattern(link: str) -> str:
    """``link``'s route pattern: each path segment with a digit as ``{id}``, and the names
    of its query's keys."""
    url = urlsplit(link)
    path = "/".join("{id}" if re.search(r"\d", s) else s for s in url.path.split("/"))
    keys = sorted({k for k, _ in parse_qsl(url.query, keep_blank_values=True)})
    return path + (f"?{'&'.join(keys)}" if keys else "")


@dataclass
class Walk:
    """What one walk found: each link fetched with its answer's status and the page that
    offered it; the files; the patterns; the HTML pages' text."""

    fetched: dict[str, tuple[int, str]] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    patterns: dict[str, int] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def with_status(self, wanted: Callable[[int], bool]) -> list[str]:
        """The links answered by a status ``wanted`` holds, each with the page offering it."""
        return [
            f"{link} (linked from {at}): {status}"
            for link, (status, at) in self.fetched.items()
            if wanted(status)
        ]


def walk(client: TestClient, *, start: str = "/") -> Walk:
    """Follow the links of the signed-in ``client`` from ``start`` (the module's rule)."""
    seen = {start}
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    found = Walk()
    while queue and len(found.fetched) < MOST:
        link, at = queue.popleft()
        r = client.get(link)
        found.fetched[link] = (r.status_code, at)
        found.patterns[pattern(link)] = found.patterns.get(pattern(link), 0) + 1
        if r.status_code == 403:
            found.refused[link] = r.text
        nexts: list[str] = []
        if r.status_code in (301, 302, 303, 307, 308):
            nexts = links(f'<a href="{html.escape(r.headers["location"])}">', link)
        elif r.status_code == 200:
            kind = r.headers.get("content-type", "")
            if kind.startswith("text/html"):
                found.pages[link] = r.text
                nexts = links(r.text, link)
            if any(f in kind for f in FILES) or "attachment" in r.headers.get(
                "content-disposition", ""
            ):
                found.files[link] = len(r.content)
        for n in nexts:
            if n in seen or n.startswith(_SKIPPED) or n == "/logout":
                continue
            seen.add(n)
            taken = sum(1 for s in seen if pattern(s) == pattern(n))
            if taken <= PER_PATTERN:
                queue.append((n, link))
    return found
