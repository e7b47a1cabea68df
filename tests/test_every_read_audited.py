"""Every API route and web page that shows or writes a person's data records it: each
household or visitor whose id, name or address a response shows, or whose data a request
changes, is named by an audit event that request wrote (``doorstep.privacy.audit``: "what a
command reads, writes or exports of a person is recorded under that person's own id").

The calls are the busy-writer tests' tables (``tests/{api,web}/test_busy_writer.py``),
one valid call per route and page on the programme of ``tests/factories/busy_writer``;
the cases are the app's own routes, so a route missing from those tables fails here too.
Each call gets a fresh copy of the programme, whose people are renamed first so that each
name and address is one person's. What the response shows is its text: JSON, HTML, CSV,
ICS, and the cells of an XLSX. What a request writes is each person's rows, in every table
that points at them, before and after (a visitor's rows that are a household's record,
their pairings and visits, are the household's). Named means under the person's own id
(entity and entity id), as every list in the programme records its people today.

SQLite only: the events are written by ``doorstep.privacy.audit``, the same code on either
database, and which people a route shows or writes does not depend on the database (the
per-database code is the statements' text, which the services' own tests run on both).
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.api.app import PREFIX
from doorstep.api.app import create_app as create_api
from doorstep.domain.folding import fold
from doorstep.storage.repositories import visitor_data
from doorstep.web.app import create_app as create_web
from tests.api.conftest import TODAY
from tests.api.test_busy_writer import _requests as api_requests
from tests.api.test_busy_writer import _routes as api_routes
from tests.factories.busy_writer import Programme, serving
from tests.web.test_busy_writer import _pages as web_pages
from tests.web.test_busy_writer import _requests as web_requests

#: The programme's people, renamed (a household's head and address, a visitor's name) so
#: that each text shown is one person's: the factories give all the same name.
HOUSEHOLDS = {
    "H0": ("Zhao Anping", "11 Plum Lane"),
    "H1": ("Qian Boyu", "12 Pine Lane"),
    "H2": ("Sun Chenxi", "13 Bamboo Lane"),
}
VISITORS = {"V1": "Zhou Dongmei", "V2": "Wu Enlai"}
#: The tables whose rows name a visitor but are a household's record, kept when the
#: visitor is erased (their pairings and visits): a change to them is the household's, its
#: events under the household naming the visitor (``doorstep.privacy.audit``).
HOUSEHOLDS_RECORD = (*visitor_data.KEPT, "cancelled_visits")
#: The entities whose events are under a household's id (``doorstep.privacy.audit``).
HOUSEHOLD_ENTITIES = ("household", "consent", "pairing_explanation")

#: Entry points that show a person with no event naming them, by rule, and why:
#: (door, method, path) -> (whom). Nothing is exempt from naming whom it writes.
EXEMPT: dict[tuple[str, str, str], frozenset[str]] = {
    # The caller's own account (``doorstep.privacy.audit``: "the caller's own account"
    # writes no event), v1 being V1's: their calendar is named after them ("Visits of
    # V1"), and the outbox is answered with the visit it sent; the households are recorded.
    ("api", "GET", "/visits/calendar"): frozenset({"V1"}),
    ("web", "GET", "/calendar.ics"): frozenset({"V1"}),
    ("web", "POST", "/record/missed/sync"): frozenset({"V1"}),
    # A blank form for the household in its address (a case file links there): the id is
    # the caller's own, echoed; nothing is read, not even whether the household exists.
    ("web", "GET", "/consent"): frozenset({"H2"}),
    ("web", "GET", "/refer"): frozenset({"H0"}),
}


def _person_pattern(person: str) -> re.Pattern[str]:
    """An id as a word of its own: not the village ``R-C-V1``, nor the tag ``<h2>``."""
    return re.compile(rf"(?<![\w-]){re.escape(person)}(?![\w-])")


def shown(answer: httpx.Response) -> set[str]:
    """The people whose id, name or address ``answer``'s body shows."""
    kind = answer.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(answer.content), read_only=True)
        text = "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    else:
        text = answer.text
    found = {p for p in (*HOUSEHOLDS, *VISITORS) if _person_pattern(p).search(text)}
    found |= {h for h, texts in HOUSEHOLDS.items() if any(t in text for t in texts)}
    found |= {v for v, name in VISITORS.items() if name in text}
    return found


def _rename(path: Path) -> None:
    """Give each person of the copy at ``path`` a name (and address) of their own."""
    with sqlite3.connect(path) as conn:
        for h, (name, address) in HOUSEHOLDS.items():
            conn.execute(
                "UPDATE households SET head_name = ?, address = ?, folded_name = ?, "
                "folded_address = ? WHERE external_id = ?",
                (name, address, fold(name), fold(address), h),
            )
        for v, name in VISITORS.items():
            conn.execute(
                "UPDATE visitors SET name = ?, folded_name = ? WHERE external_id = ?",
                (name, fold(name), v),
            )


def _rows_of(conn: sqlite3.Connection, table: str, column: str, id_: int) -> list[Any]:
    return sorted(
        (
            tuple(map(repr, r))
            for r in conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (id_,))
        ),
    )


def people_rows(path: Path) -> dict[str, Any]:
    """Each person's rows: their own, and every row of a table pointing at them."""
    with sqlite3.connect(path) as conn:
        tables = [
            t
            for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if t not in ("audit_events", "households", "visitors")
        ]
        pointing = {
            (t, fk[3], fk[2])  # table, column, table pointed at
            for t in tables
            for fk in conn.execute(f"PRAGMA foreign_key_list({t})")
            if fk[2] in ("households", "visitors")
        }
        found: dict[str, Any] = {}
        for people, table in ((HOUSEHOLDS, "households"), (VISITORS, "visitors")):
            for person in people:
                row = conn.execute(
                    f"SELECT * FROM {table} WHERE external_id = ?", (person,)
                ).fetchone()
                if row is None:
                    found[person] = None
                    continue
                found[person] = (
                    row,
                    [
                        (t, c, _rows_of(conn, t, c, row[0]))
                        for t, c, of in sorted(pointing)
                        if of == table and not (of == "visitors" and t in HOUSEHOLDS_RECORD)
                    ],
                )
    return found


def written(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """The people whose rows changed, each with the tables that changed."""
    changed: dict[str, list[str]] = {}
    for p in before:
        if before[p] != after[p]:
            if before[p] is None or after[p] is None:
                changed[p] = ["(their row)"]
                continue
            own = [] if before[p][0] == after[p][0] else ["(their row)"]
            changed[p] = own + [
                t for (t, _, a), (_, _, b) in zip(before[p][1], after[p][1], strict=True) if a != b
            ]
    return changed


def named(path: Path, since: int) -> set[str]:
    """The people named by the events after id ``since``: under their own ids."""
    whose = {**dict.fromkeys(HOUSEHOLD_ENTITIES, HOUSEHOLDS), "visitor": VISITORS}
    with sqlite3.connect(path) as conn:
        return {
            i
            for e, i in conn.execute(
                "SELECT entity, entity_id FROM audit_events WHERE id > ?", (since,)
            )
            if i in whose.get(e, ())
        }


def last_event(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (n,) = conn.execute("SELECT coalesce(max(id), 0) FROM audit_events").fetchone()
    return int(n)


def check(
    door: str,
    route: tuple[str, str],
    path: Path,
    ask: Callable[[], httpx.Response],
    *,
    may_refuse: bool = False,
) -> None:
    """Make the call ``ask()`` on the copy at ``path``; every person it shows or writes is
    named by an event it wrote, but as :data:`EXEMPT` says. ``may_refuse``: the account
    may not be allowed the call (an area's coordinator asking for a manager's), and a
    refusal shows and writes no one, which is checked too."""
    since = last_event(path)
    rows = people_rows(path)
    answer = ask()
    assert answer.status_code < 400 or (may_refuse and answer.status_code in (403, 404, 409)), (
        answer.text
    )
    seen = shown(answer)
    changed = written(rows, people_rows(path))
    names = named(path, since)
    unnamed = {
        "shown": seen - names - EXEMPT.get((door, *route), frozenset()),
        "written": {p: t for p, t in changed.items() if p not in names},
    }
    assert unnamed == {"shown": set(), "written": {}}, answer.text[:2000]


@pytest.fixture(scope="module")
def api() -> Iterator[FastAPI]:
    app = create_api("sqlite://", today=lambda: TODAY)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def web() -> Iterator[FastAPI]:
    app = create_web("sqlite://", today=lambda: TODAY)
    yield app
    app.state.engine.dispose()


#: Calls made as the table's manager (``boss``) are made again as an area's coordinator
#: (``coord``, of R-C, which holds the programme's people): an area's account reads through
#: its own paths (scoped lists, withheld visitors) that must name whom they show as well.
AS_COORDINATOR = "coord"


def _boss_calls(calls: dict[tuple[str, str], Any]) -> list[tuple[str, str]]:
    return sorted(route for route, call in calls.items() if call.who == "boss")


def _within(keywords: dict[str, Any], who: str | None) -> dict[str, Any]:
    """The call's keywords, its area the coordinator's (R-C) where it asks for the whole
    region (R), which is not theirs to ask for."""
    if who != AS_COORDINATOR:
        return keywords
    return {
        part: (
            {k: "R-C" if k in ("area", "area_code") and v == "R" else v for k, v in value.items()}
            if part in ("params", "data", "json") and isinstance(value, dict)
            else value
        )
        for part, value in keywords.items()
    }


@pytest.mark.parametrize(
    ("route", "who"),
    [(r, None) for r in sorted(api_routes())]
    + [(r, AS_COORDINATOR) for r in _boss_calls(api_requests("2027-01-04"))],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else (v or "as listed"),
)
def test_an_api_route_records_each_person_it_shows_or_writes(
    route: tuple[str, str], who: str | None, busy_template: Programme, api: FastAPI, tmp_path: Path
) -> None:
    call = api_requests(busy_template.first.isoformat())[route]
    headers = {"Authorization": f"Bearer {busy_template.tokens[who or call.who]}"}
    with serving(api, busy_template.path, tmp_path) as path, TestClient(api) as client:
        _rename(path)
        check(
            "api",
            route,
            path,
            lambda: client.request(
                route[0], PREFIX + call.url, headers=headers, **_within(call.keywords, who)
            ),
            may_refuse=who is not None,
        )


@pytest.mark.parametrize(
    ("page", "who"),
    [(p, None) for p in sorted(web_pages())]
    + [(p, AS_COORDINATOR) for p in _boss_calls(web_requests("2027-01-04"))],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else (v or "as listed"),
)
def test_a_page_records_each_person_it_shows_or_writes(
    page: tuple[str, str], who: str | None, busy_template: Programme, web: FastAPI, tmp_path: Path
) -> None:
    tokens = busy_template.tokens
    ask = web_requests(busy_template.first.isoformat())[page]
    keywords = _within(dict(ask.keywords), who)
    if "data" in keywords:
        keywords["data"] = {k: v.format(**tokens) for k, v in keywords["data"].items()}
    with (
        serving(web, busy_template.path, tmp_path) as path,
        TestClient(web, follow_redirects=False) as site,
    ):
        _rename(path)
        if (who or ask.who) is not None:
            signed = site.post("/login", data={"token": tokens[who or ask.who]})
            assert signed.status_code == 303, signed.text
        check(
            "web",
            page,
            path,
            lambda: site.request(page[0], ask.url, **keywords),
            may_refuse=who is not None,
        )
