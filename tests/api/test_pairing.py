"""Pairing proposals over the API: made, reviewed and committed by an area's accounts, as
`doorstep pair --area`, `show`, `diff` and `commit` do, each act in the trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import TODAY, Headers
from tests.factories.audit import last_event_id
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

PROPOSALS = "/api/v1/pairing/proposals"


def newcomers(engine: Engine, tmp_path: Path) -> None:
    """Visitor V3 with two places, and households H3 and H4 near it, all in R-C-V1: V1 is
    full with H0-H2, so a proposal pairs the newcomers with V3 and keeps the rest."""
    vv = [visitor(visitor_id="V3", capacity=2)]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in (3, 4)]
    run_import(engine, "visitors", write_csv(tmp_path / "v3.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h34.csv", HOUSEHOLD_HEADER, hh))


def open_pairings(engine: Engine) -> dict[str, tuple[str, int | None]]:
    """Each household's open pairing: its visitor and the proposal whose commit made it."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, p.proposal_id FROM pairings p "
                "JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id WHERE p.ended_on IS NULL"
            )
        ).all()
    return {h: (v, pid) for h, v, pid in rows}


def events_since(engine: Engine, after: int) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity, entity_id FROM audit_events WHERE id > :a "
                "ORDER BY id"
            ),
            {"a": after},
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def propose(client: TestClient, auth: Headers, who: str = "v1-coord", **body: Any) -> Any:
    r = client.post(PROPOSALS, json={"area": "R-C-V1", **body}, headers=auth(who))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_coordinator_proposes_reviews_and_commits_the_pairing_of_their_area(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    before = last_event_id(programme)
    made = propose(client, auth, max_km=30, keep_km=5)
    assert (made["area"], made["status"], made["created_by"]) == ("R-C-V1", "open", "api:v1-coord")
    assert (made["households"], made["paired"], made["unpaired"]) == (5, 5, 0)
    assert made["certified"] is True
    assert made["churn"]["kept"] == 3 and made["churn"]["new"] == 2
    assert made["params"]["max_km"] == 30 and made["params"]["today"] == TODAY.isoformat()
    pid = made["id"]
    # What the command line records for `pair --area`: the proposal, then whom it read.
    made_events = events_since(programme, before)
    assert made_events[0] == ("api:v1-coord", "create", "pairing_proposal", str(pid))
    assert {e[2] for e in made_events[1:]} == {"household", "visitor"}

    listed = client.get(PROPOSALS, headers=auth("v1-coord")).json()
    newest = listed["proposals"][0]
    # Not plan_three's, for the region R: it pairs more than the coordinator's village.
    assert (listed["total"], newest["id"]) == (1, pid)
    assert newest["stale"] is None  # told when shown, not in a list

    shown = client.get(f"{PROPOSALS}/{pid}", headers=auth("v1-coord")).json()
    assert (shown["stale"], shown["stale_reason"]) == (False, None)
    # V1 keeps its three, V3 takes two, V2 (no places) has none.
    assert shown["caseloads"] == {"0": 1, "2": 1, "3": 1}

    first = client.get(f"{PROPOSALS}/{pid}/diff?limit=1", headers=auth("v1-coord")).json()
    assert (first["total"], first["offset"], first["next_offset"]) == (2, 0, 1)
    second = client.get(f"{PROPOSALS}/{pid}/diff?limit=1&offset=1", headers=auth("v1-coord"))
    page = second.json()
    assert (page["offset"], page["next_offset"]) == (1, None)
    changes = first["changes"] + page["changes"]
    assert [(c["household"], c["current_visitor"], c["proposed_visitor"]) for c in changes] == [
        ("H3", None, "V3"),
        ("H4", None, "V3"),
    ]
    past = client.get(f"{PROPOSALS}/{pid}/diff?offset=5", headers=auth("v1-coord")).json()
    assert (past["total"], past["changes"], past["next_offset"]) == (2, [], None)

    before = last_event_id(programme)
    done = client.post(f"{PROPOSALS}/{pid}/commit", headers=auth("v1-coord"))
    assert done.status_code == 200, done.text
    assert done.json() == {"proposal": pid, "started": 2, "ended": 0, "kept": 3}
    pairs = open_pairings(programme)
    assert pairs["H3"] == ("V3", pid) and pairs["H4"] == ("V3", pid)
    assert pairs["H0"][0] == "V1" and pairs["H0"][1] != pid  # kept, from the first commit
    committed = events_since(programme, before)
    assert committed[0] == ("api:v1-coord", "update", "pairing_proposal", str(pid))
    assert {(e[2], e[3]) for e in committed[1:]} == {
        ("household", "H3"),
        ("household", "H4"),
        ("visitor", "V3"),
    }
    again = client.get(f"{PROPOSALS}/{pid}", headers=auth("v1-coord")).json()
    assert again["status"] == "committed"
    assert again["commit"]["started"] == 2


def test_a_proposal_outside_the_account_s_area_is_refused(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    outside = client.post(PROPOSALS, json={"area": "R-C-V1"}, headers=auth("v2-coord"))
    assert outside.status_code == 403
    assert "outside account v2-coord's area R-C-V2" in outside.json()["detail"]
    pid = propose(client, auth)["id"]
    for method, path in [
        ("GET", f"{PROPOSALS}/{pid}"),
        ("GET", f"{PROPOSALS}/{pid}/diff"),
        ("POST", f"{PROPOSALS}/{pid}/commit"),
        ("POST", f"{PROPOSALS}/{pid}/discard"),
    ]:
        r = client.request(method, path, headers=auth("v2-coord"))
        assert r.status_code == 403, (method, path, r.text)
    assert client.get(PROPOSALS, headers=auth("v2-coord")).json()["total"] == 0
    # The region's manager sees the village's proposal, and the one plan_three committed.
    assert client.get(PROPOSALS, headers=auth("boss")).json()["total"] == 2
    with programme.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM pairing_proposals WHERE id = :p"), {"p": pid}
        ).scalar_one()
        refused = conn.execute(
            text(
                "SELECT detail FROM audit_events WHERE actor = 'api:v2-coord' "
                "AND entity = 'pairing_proposal' AND action = 'update'"
            )
        ).all()
    assert status == "open"
    assert len(refused) == 1  # the commit tried, recorded as refused


@pytest.mark.parametrize("who", ["v1", "v2"])
def test_a_visitor_s_account_is_refused_every_pairing_route(
    client: TestClient, programme: Engine, auth: Headers, who: str
) -> None:
    pid = propose(client, auth)["id"]
    assert client.post(PROPOSALS, json={"area": "R-C-V1"}, headers=auth(who)).status_code == 403
    assert client.get(PROPOSALS, headers=auth(who)).status_code == 403
    for method, path in [
        ("GET", f"{PROPOSALS}/{pid}"),
        ("GET", f"{PROPOSALS}/{pid}/diff"),
        ("POST", f"{PROPOSALS}/{pid}/commit"),
        ("POST", f"{PROPOSALS}/{pid}/discard"),
    ]:
        r = client.request(method, path, headers=auth(who))
        assert r.status_code == 403, (method, path, r.text)
        assert "pairing proposals are for coordinators" in r.json()["detail"]


def test_a_stale_proposal_is_refused_with_the_command_line_s_reason_and_recorded_as_tried(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    pid = propose(client, auth)["id"]
    # H0 withdraws after the proposal was made: its area is no longer what it read.
    body = {"state": "withdrawn", "evidence": "a letter"}
    assert client.post("/api/v1/households/H0/consent", json=body, headers=auth("boss")).is_success
    shown = client.get(f"{PROPOSALS}/{pid}", headers=auth("v1-coord")).json()
    assert shown["stale"] is True
    before = last_event_id(programme)
    r = client.post(f"{PROPOSALS}/{pid}/commit", headers=auth("v1-coord"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == shown["stale_reason"]
    assert open_pairings(programme)["H0"][0] == "V1"  # nothing written
    with programme.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity_id, detail FROM audit_events WHERE id > :a "
                "AND entity = 'pairing_proposal'"
            ),
            {"a": before},
        ).all()
    assert [(a, act, i) for a, act, i, _ in rows] == [("api:v1-coord", "update", str(pid))]
    detail = rows[0][3] if isinstance(rows[0][3], dict) else json.loads(rows[0][3])
    assert detail["outcome"] == "refused"


def test_a_discarded_proposal_changes_nothing_and_cannot_be_committed(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    pid = propose(client, auth)["id"]
    before = last_event_id(programme)
    r = client.post(f"{PROPOSALS}/{pid}/discard", headers=auth("boss"))
    assert r.status_code == 204, r.text
    assert events_since(programme, before) == [("api:boss", "update", "pairing_proposal", str(pid))]
    assert "H3" not in open_pairings(programme)
    late = client.post(f"{PROPOSALS}/{pid}/commit", headers=auth("boss"))
    assert late.status_code == 409
    assert client.post(f"{PROPOSALS}/{pid}/discard", headers=auth("boss")).status_code == 409
    listed = client.get(f"{PROPOSALS}?status=discarded", headers=auth("boss")).json()
    assert [p["id"] for p in listed["proposals"]] == [pid]


def test_settings_are_checked_as_the_command_line_checks_them(
    client: TestClient, auth: Headers
) -> None:
    def refused(**body: Any) -> str:
        r = client.post(PROPOSALS, json={"area": "R-C-V1", **body}, headers=auth("boss"))
        assert r.status_code == 422, r.text
        return str(r.json()["detail"])

    assert "keep_km 8 is above max_km 5" in refused(max_km=5, keep_km=8)
    assert "max_settled only applies with new_only" in refused(max_settled=3)
    assert "balance_m does not apply with new_only" in refused(new_only=True, balance_m=10)
    assert "max_kms" in refused(max_kms=5)  # a misspelt setting is not ignored
    assert "max_km" in refused(max_km=0)
    unknown = client.post(PROPOSALS, json={"area": "NOPE"}, headers=auth("boss"))
    assert unknown.status_code == 404
    assert client.get(f"{PROPOSALS}/999999", headers=auth("boss")).status_code == 404
    assert client.get(f"{PROPOSALS}/0", headers=auth("boss")).status_code == 422


def test_a_new_only_proposal_pairs_only_the_newcomers(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    made = propose(client, auth, new_only=True, max_settled=50)
    assert made["figures"]["mode"] == "new_only"
    assert made["params"]["max_settled"] == 50
    assert made["certified"] is False


def test_a_write_sent_while_a_proposal_is_computed_goes_through_and_leaves_it_stale(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    """A proposal does not hold the database's writer while it reads and solves (on SQLite
    it held it from its first read, and a visit sent meanwhile waited up to 10 s, then was
    refused): a consent act recorded in the middle of its reads is saved at once, and the
    proposal, stored after it (read from before it), is stale."""
    from sqlalchemy import event

    from doorstep.services.household_consent import record_consent
    from doorstep.storage.session import unit_of_work

    served: Engine = client.app.state.engine  # type: ignore[attr-defined]
    written: list[str] = []

    def meanwhile(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        # In the middle of its reads: the area's households (SQLite: PostgreSQL reads them
        # by COPY, which no cursor event shows, so there just before its answer is stored;
        # on SQLite that is after it has taken the writer's lock, once it has solved).
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        households = reads and "households" in statement
        if written or not (households or statement.startswith("INSERT INTO pairing_proposals")):
            return
        written.append("tried")
        with unit_of_work(programme) as s:
            if programme.dialect.name == "sqlite":  # refused at once if the writer is held
                s.connection().exec_driver_sql("PRAGMA busy_timeout=200")
            record_consent(s, "H0", "withdrawn", actor="test", evidence="a letter", today=TODAY)
        written.append("saved")

    event.listen(served, "before_cursor_execute", meanwhile)
    try:
        made = propose(client, auth)
    finally:
        event.remove(served, "before_cursor_execute", meanwhile)
    assert written == ["tried", "saved"]
    shown = client.get(f"{PROPOSALS}/{made['id']}", headers=auth("v1-coord")).json()
    assert shown["stale"] is True
    assert (
        client.post(f"{PROPOSALS}/{made['id']}/commit", headers=auth("v1-coord")).status_code == 409
    )
