"""The audit trail over the API: a manager reads the events about its area's people (all
of them, with no area), a page at a time; others are refused; the reading is recorded."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Headers, add_account
from tests.factories.audit import last_event_id, trail


def test_a_manager_reads_the_whole_trail_a_page_at_a_time(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    first = client.get("/api/v1/audit", params={"limit": 5}, headers=auth("boss"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["events"]) == 5
    assert set(body["events"][0]) == {
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "detail",
    }
    older = client.get(
        "/api/v1/audit", params={"limit": 5, "before": body["next"]}, headers=auth("boss")
    ).json()
    assert max(e["id"] for e in older["events"]) < body["next"]
    mine = client.get("/api/v1/audit", params={"actor": "api:boss"}, headers=auth("boss"))
    assert {e["entity"] for e in mine.json()["events"]} >= {"audit_events"}


def test_an_area_s_manager_reads_its_people_s_events_only(
    client: TestClient, programme: Engine
) -> None:
    v2 = {"Authorization": f"Bearer {add_account(programme, 'v2-boss', 'manager', area='R-C-V2')}"}
    got = client.get("/api/v1/audit", params={"limit": 1000}, headers=v2)
    assert got.status_code == 200
    # H0-H2 live in village one, as V1 and V2 do: none of their events is village two's;
    # the making of village two's manager's account and its token are
    assert [(e["entity"], e["entity_id"], e["action"]) for e in got.json()["events"]] == [
        ("account", "v2-boss", "update"),
        ("account", "v2-boss", "create"),
    ]
    got = client.get("/api/v1/audit", params={"area": "R-C-V1"}, headers=v2)
    assert got.status_code == 403
    assert "area R-C-V1 is outside account v2-boss's area R-C-V2" in got.json()["detail"]


def test_a_coordinator_and_a_visitor_read_no_trail(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    mark = last_event_id(programme)
    for name in ("v1-coord", "v1"):
        got = client.get("/api/v1/audit", headers=auth(name))
        assert got.status_code == 403
        assert "the audit trail is read by a manager" in got.json()["detail"]
    assert trail(programme, mark) == []


def test_the_reading_names_each_household_it_showed(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    got = client.get("/api/v1/audit", params={"household": "H0", "limit": 3}, headers=auth("boss"))
    assert {e["entity_id"] for e in got.json()["events"]} == {"H0"}
    mark = last_event_id(programme)
    client.get("/api/v1/audit", params={"household": "H1", "limit": 3}, headers=auth("boss"))
    events = trail(programme, mark)
    assert [(a, e, i) for a, e, i, _ in events] == [
        ("read", "audit_events", None),
        ("read", "household", "H1"),
    ]


def test_an_area_s_manager_reads_the_lists_of_its_area(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    listed = client.get("/api/v1/visits/due", params={"area": "R-C-V1"}, headers=auth("v1-coord"))
    assert listed.status_code == 200, listed.text
    county = {"Authorization": f"Bearer {add_account(programme, 'c-boss', 'manager', area='R-C')}"}
    v2 = {"Authorization": f"Bearer {add_account(programme, 'v2-boss', 'manager', area='R-C-V2')}"}
    theirs = client.get("/api/v1/audit", params={"actor": "api:v1-coord"}, headers=county)
    lists = [e["detail"] for e in theirs.json()["events"] if e["entity"] == "visits"]
    assert [(d["list"], d["area"]) for d in lists] == [("due", "R-C-V1")]
    assert client.get("/api/v1/audit", params={"actor": "api:v1-coord"}, headers=v2).json() == {
        "events": [],
        "next": None,
    }


def test_the_trail_by_action_and_entity(client: TestClient, auth: Headers) -> None:
    got = client.get(
        "/api/v1/audit", params={"action": "create", "entity": "account"}, headers=auth("boss")
    )
    assert got.status_code == 200, got.text
    made = {e["entity_id"] for e in got.json()["events"]}
    assert made == {"boss", "v1-coord", "v2-coord", "v1", "v2"}
    wrong = client.get("/api/v1/audit", params={"action": "erase"}, headers=auth("boss"))
    assert wrong.status_code == 422
    assert "no event records 'erase'" in wrong.json()["detail"]
