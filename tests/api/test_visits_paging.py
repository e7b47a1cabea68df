"""The API's work lists a page at a time: the pages join to the whole list, only a page's
people are read in the trail, and every page is within the caller's scope."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.services.list_pages import MOST_PAGE_ROWS
from tests.api.conftest import Headers

#: Each list, with options that give it more rows than the pages below hold.
LISTS = {"upcoming": {"days": 60}, "due": {"days": 60}}


def _pages(
    client: TestClient, headers: dict[str, str], kind: str, limit: int, **params: Any
) -> list[dict[str, Any]]:
    """Every page of the list, following ``next`` from the first."""
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        query = {**params, "limit": limit, **({"after": after} if after else {})}
        r = client.get(f"/api/v1/visits/{kind}", params=query, headers=headers)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        after = pages[-1]["next"]
        if after is None:
            return pages
        assert len(pages) < 100, "next never ends"


def _reads(engine: Engine, actor: str) -> list[tuple[str, str | None, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity, entity_id, detail FROM audit_events "
                "WHERE actor = :a AND action = 'read' ORDER BY id"
            ),
            {"a": actor},
        ).all()
    return [(e, i, d if isinstance(d, dict) else json.loads(d)) for e, i, d in rows]


@pytest.mark.parametrize("kind", sorted(LISTS))
@pytest.mark.parametrize("limit", [1, 2])
def test_the_pages_join_to_the_whole_list_with_no_row_twice_and_none_missing(
    client: TestClient, auth: Headers, kind: str, limit: int
) -> None:
    whole = client.get(
        f"/api/v1/visits/{kind}",
        params={**LISTS[kind], "limit": MOST_PAGE_ROWS},
        headers=auth("boss"),
    ).json()
    assert whole["next"] is None
    assert whole["total"] == len(whole["rows"]) > 2
    pages = _pages(client, auth("boss"), kind, limit, **LISTS[kind])
    assert [row for page in pages for row in page["rows"]] == whole["rows"]
    assert [page["start"] for page in pages] == list(range(0, whole["total"], limit))
    assert all(len(page["rows"]) == limit for page in pages[:-1])
    assert {page["total"] for page in pages} == {whole["total"]}
    assert pages[-1]["next"] is None


@pytest.mark.parametrize(("kind", "day"), [("upcoming", "start"), ("due", "deadline")])
def test_a_list_is_in_one_order_on_either_database(
    client: TestClient, auth: Headers, kind: str, day: str
) -> None:
    rows = client.get(f"/api/v1/visits/{kind}", params=LISTS[kind], headers=auth("boss"))
    keys = [(r[day], r["visitor"], r["household"]) for r in rows.json()["rows"]]
    assert len(keys) > 2
    assert keys == sorted(keys)


def test_a_page_answers_with_the_default_limit(client: TestClient, auth: Headers) -> None:
    body = client.get("/api/v1/visits/upcoming", headers=auth("boss")).json()
    assert (body["limit"], body["start"], body["next"]) == (200, 0, None)


@pytest.mark.parametrize("limit", [0, -1, MOST_PAGE_ROWS + 1, "ten"])
def test_a_limit_out_of_bounds_is_refused_naming_the_field(
    client: TestClient, auth: Headers, limit: object
) -> None:
    r = client.get("/api/v1/visits/due", params={"limit": limit}, headers=auth("boss"))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("query.limit: ")


def _encoded(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "nonsense",
        "!!!",
        "a",
        _encoded(["due", "2027-03-01", "V1", "H0"]),
        _encoded(["due", "2027-02-30", "V1", "H0", 1]),
        _encoded(["due", "2027-03-01", "V1", "H0", "1"]),
        _encoded(["due", "2027-03-01", 1, "H0", 1]),
        _encoded({"kind": "due"}),
        _encoded(None),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_bad_cursor_is_refused_naming_the_field(
    client: TestClient, auth: Headers, after: str
) -> None:
    r = client.get("/api/v1/visits/upcoming", params={"after": after}, headers=auth("boss"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "InvalidInput"
    assert r.json()["detail"].startswith("after: ")


def test_a_cursor_of_another_list_is_refused(client: TestClient, auth: Headers) -> None:
    due = client.get("/api/v1/visits/due", params={"days": 60, "limit": 1}, headers=auth("boss"))
    after = due.json()["next"]
    assert after is not None
    assert (
        client.get(
            "/api/v1/visits/due", params={"days": 60, "after": after}, headers=auth("boss")
        ).status_code
        == 200
    )
    other = client.get("/api/v1/visits/overdue", params={"after": after}, headers=auth("boss"))
    assert other.status_code == 422
    assert "not a place in the overdue list" in other.json()["detail"]


def test_only_the_page_s_households_and_visitors_are_read_in_the_trail(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    first = client.get(
        "/api/v1/visits/due", params={"days": 60, "limit": 1}, headers=auth("boss")
    ).json()
    (row,) = first["rows"]
    reads = _reads(programme, "api:boss")
    assert [(e, i) for e, i, _ in reads if e == "household"] == [("household", row["household"])]
    shown = {row["visitor"], row["next_visitor"]} - {None}
    assert {i for e, i, _ in reads if e == "visitor"} == shown
    (listed,) = [d for e, _, d in reads if e == "visits"]
    assert (listed["rows"], listed["start"], listed["total"]) == (1, 0, first["total"])
    second = client.get(
        "/api/v1/visits/due",
        params={"days": 60, "limit": 1, "after": first["next"]},
        headers=auth("boss"),
    ).json()
    households = [i for e, i, _ in _reads(programme, "api:boss") if e == "household"]
    assert households == [row["household"], second["rows"][0]["household"]]
    assert second["rows"][0]["household"] != row["household"]


def test_every_page_is_within_the_caller_s_scope(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    mine = client.get(
        "/api/v1/visits/upcoming", params={"days": 60, "limit": 1}, headers=auth("v1-coord")
    ).json()
    after = mine["next"]
    assert after is not None
    # Another village's coordinator, given the cursor, still sees its own area only...
    other = client.get(
        "/api/v1/visits/upcoming",
        params={"days": 60, "limit": 1, "after": after},
        headers=auth("v2-coord"),
    )
    assert other.status_code == 200
    assert (other.json()["rows"], other.json()["total"]) == ([], 0)
    # ... and may not ask for the area, nor may a visitor ask for another's work, on any
    # page.
    wider = client.get(
        "/api/v1/visits/upcoming",
        params={"days": 60, "after": after, "area": "R-C"},
        headers=auth("v2-coord"),
    )
    assert wider.status_code == 403
    theirs = client.get(
        "/api/v1/visits/upcoming",
        params={"days": 60, "after": after, "visitor": "V1"},
        headers=auth("v2"),
    )
    assert theirs.status_code == 403
    assert not [e for e in _reads(programme, "api:v2-coord") if e[0] == "household"]
    assert not [e for e in _reads(programme, "api:v2") if e[0] == "household"]
