"""Exclusions over the API: a pair kept apart, listed, its reason changed and removed, as
`doorstep pair exclude|unexclude` does, by an area's accounts for their own households."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import TODAY, Headers, documented
from tests.factories.audit import last_event_id, trail

PAIR = {"household": "H0", "visitor": "V1", "reason": "a cousin"}


def _planned(engine: Engine) -> int:
    """V1's visits to H0 planned from the API's today."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM visits vi JOIN households h ON h.id = vi.household_id "
                    "WHERE h.external_id = 'H0' AND vi.status = 'planned' "
                    "AND vi.planned_end >= :today"
                ),
                {"today": TODAY},
            ).scalar_one()
        )


def test_a_coordinator_keeps_a_pair_apart_lists_it_and_lets_it_be_paired_again(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    assert _planned(programme) > 0
    mark = last_event_id(programme)
    made = client.post("/api/v1/exclusions", json=PAIR, headers=auth("v1-coord"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["change"], body["reason"], body["paired_in"]) == ("added", "a cousin", "R-C-V1")
    assert body["cancelled"] and all(d >= TODAY.isoformat() for d in body["cancelled"][1:])
    assert _planned(programme) == 0
    written = {
        (e[1], e[2], e[3].get("visitor") or e[3].get("household")) for e in trail(programme, mark)
    }
    assert {("household", "H0", "V1"), ("visitor", "V1", "H0")} <= written

    mark = last_event_id(programme)
    listed = client.get("/api/v1/exclusions", headers=auth("v1-coord"))
    assert listed.status_code == 200, listed.text
    assert listed.json() == [
        {"household": "H0", "area": "R-C-V1", "visitor": "V1", "reason": "a cousin"}
    ]
    reads = [(e[0], e[1], e[2]) for e in trail(programme, mark)]
    assert reads == [
        ("read", "exclusions", None),
        ("read", "household", "H0"),
        ("read", "visitor", "V1"),
    ]
    assert (
        client.get(
            "/api/v1/exclusions", params={"household": "H1"}, headers=auth("v1-coord")
        ).json()
        == []
    )

    changed = client.post(
        "/api/v1/exclusions", json=PAIR | {"reason": "asked"}, headers=auth("boss")
    )
    assert changed.status_code == 200
    assert (changed.json()["change"], changed.json()["reason"]) == ("updated", "asked")

    gone = client.delete(
        "/api/v1/exclusions", params={"household": "H0", "visitor": "V1"}, headers=auth("boss")
    )
    assert gone.status_code == 200, gone.text
    assert (gone.json()["change"], gone.json()["reason"]) == ("removed", "asked")
    again = client.delete(
        "/api/v1/exclusions", params={"household": "H0", "visitor": "V1"}, headers=auth("boss")
    )
    assert again.status_code == 404
    assert "H0 and V1 are not excluded" in again.json()["detail"]
    assert client.get("/api/v1/exclusions", headers=auth("boss")).json() == []


@pytest.mark.parametrize(
    ("account", "says"),
    [
        ("v2-coord", "household H0 lives outside account v2-coord's area R-C-V2"),
        ("v1", "pairs are kept apart by the area's coordinator or manager"),
    ],
)
def test_another_area_s_account_or_a_visitor_s_is_refused_and_nothing_changes(
    client: TestClient, auth: Headers, programme: Engine, account: str, says: str
) -> None:
    before = _planned(programme)
    mark = last_event_id(programme)
    made = client.post("/api/v1/exclusions", json=PAIR, headers=auth(account))
    assert made.status_code == 403
    assert says in made.json()["detail"]
    assert _planned(programme) == before
    assert [e[3]["outcome"] for e in trail(programme, mark) if e[0] == "create"] == [
        "refused",
        "refused",
    ]  # under the household and under the visitor
    listed = client.get("/api/v1/exclusions", params={"household": "H0"}, headers=auth(account))
    assert listed.status_code == 403


def test_an_unknown_visitor_is_not_found(client: TestClient, auth: Headers) -> None:
    got = client.post(
        "/api/v1/exclusions", json={"household": "H0", "visitor": "V9"}, headers=auth("boss")
    )
    assert got.status_code == 404
    assert got.json()["detail"] == "no visitor with id 'V9'"


def test_both_answers_of_keeping_a_pair_apart_are_in_the_spec(
    client: TestClient, auth: Headers
) -> None:
    """A pair added answers 201 and one kept apart already 200: a client built from
    ``/openapi.json`` is told of both (it gave 200 alone, found by the schema fuzz)."""
    answers = documented(client, "post", "/api/v1/exclusions")
    made = client.post("/api/v1/exclusions", json=PAIR, headers=auth("v1-coord"))
    again = client.post("/api/v1/exclusions", json=PAIR, headers=auth("v1-coord"))
    assert (made.status_code, again.status_code) == (201, 200), again.text
    assert {answers["201"], answers["200"]} == {"ExclusionMade"}
