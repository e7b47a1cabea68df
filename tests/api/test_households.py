"""Why a household has its visitor, over the API: for an area's accounts, in their area."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def test_a_coordinator_reads_why_a_household_has_its_visitor(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    r = client.get("/api/v1/households/H0/pairing", headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["household"], body["visitor"], body["unpaired"]) == ("H0", "V1", None)
    assert body["proposal"]["status"] == "committed"
    assert body["distance_m"] >= 0
    # V2 has no places: an alternative it is, full.
    assert [(a["visitor"], a["why_not"]) for a in body["alternatives"]] == [("V2", "full")]
    with programme.connect() as conn:
        read = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_events WHERE actor = 'api:v1-coord' "
                "AND entity_id = 'H0'"
            )
        ).scalar_one()
    assert read >= 1


def test_an_explanation_is_not_for_a_visitor_nor_outside_the_area(
    client: TestClient, auth: Headers
) -> None:
    assert client.get("/api/v1/households/H0/pairing", headers=auth("v1")).status_code == 403
    outside = client.get("/api/v1/households/H0/pairing", headers=auth("v2-coord"))
    assert outside.status_code == 403
    unknown = client.get("/api/v1/households/H9/pairing", headers=auth("boss"))
    assert unknown.status_code == 404


def test_a_coordinator_is_not_told_who_a_nearby_visitor_of_another_village_is(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    # VB lives in village R-C-V2, at H0's door, with no places: the nearest alternative.
    vb = visitor(visitor_id="VB", home_area_code="R-C-V2", lat=26.581, lon=107.98, capacity=0)
    run_import(programme, "visitors", write_csv(tmp_path / "vb.csv", VISITOR_HEADER, [vb]))
    before = last_event_id(programme)
    r = client.get("/api/v1/households/H0/pairing", headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert "VB" not in r.text
    first, second = body["alternatives"]
    assert first == {
        "visitor": None,
        "withheld": True,
        "distance_m": first["distance_m"],
        "why_not": "full",
        "caseload": None,
        "capacity": None,
        "leaving_on": None,
    }
    assert first["distance_m"] < body["distance_m"]
    assert (second["visitor"], second["withheld"], second["why_not"]) == ("V2", False, "full")
    read = {i for a, e, i, _ in trail(programme, before) if (a, e) == ("read", "visitor")}
    assert read == {"V1", "V2"}
    # The region's manager is told who VB is, and reads VB.
    middle = last_event_id(programme)
    boss = client.get("/api/v1/households/H0/pairing", headers=auth("boss")).json()
    vb_row = boss["alternatives"][0]
    assert (vb_row["visitor"], vb_row["withheld"], vb_row["caseload"], vb_row["capacity"]) == (
        "VB",
        False,
        0,
        0,
    )
    assert vb_row["distance_m"] == first["distance_m"]
    assert ("read", "visitor", "VB", {"pairing_explanation": body["proposal"]["id"]}) in trail(
        programme, middle
    )


def test_a_visitor_records_a_withdrawal_at_the_door_of_a_household_it_looks_after(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    body = {"state": "withdrawn", "evidence": "told V1 at the door"}
    r = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1"))
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["was"], r.json()["since"]) == (
        "withdrawn",
        "given",
        "2027-03-01",
    )
    assert "no longer consents" in r.json()["notes"][0]
    with programme.connect() as conn:
        by = conn.execute(
            text("SELECT consent_recorded_by FROM households WHERE external_id = 'H0'")
        ).scalar_one()
    assert by == "api:v1"
    again = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1"))
    assert again.status_code == 409


def test_consent_is_recorded_only_by_the_household_s_visitor_or_its_area(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    body = {"state": "withdrawn", "evidence": "a letter"}
    not_theirs = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v2"))
    assert not_theirs.status_code == 403
    assert "not one of them today" in not_theirs.json()["detail"]
    outside = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v2-coord"))
    assert outside.status_code == 403
    with programme.connect() as conn:
        state = conn.execute(
            text("SELECT consent_state FROM households WHERE external_id = 'H0'")
        ).scalar_one()
        refused = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_events WHERE entity = 'consent' AND entity_id = 'H0' "
                "AND actor IN ('api:v2', 'api:v2-coord')"
            )
        ).scalar_one()
    assert state == "given"
    assert refused == 2
    ok = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1-coord"))
    assert ok.status_code == 200


def test_an_id_with_a_slash_is_addressed_percent_encoded(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    """Ids may hold "/" (imports take them): the routes that name one in their path find it
    when it is sent percent-encoded, as a client's URL library does."""
    hh = [household(household_id="H/7", lat=26.581)]
    run_import(programme, "households", write_csv(tmp_path / "h7.csv", HOUSEHOLD_HEADER, hh))
    body = {"state": "withdrawn", "evidence": "a letter"}
    r = client.post("/api/v1/households/H%2F7/consent", json=body, headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    assert r.json()["household"] == "H/7"
    export = client.get("/api/v1/households/H%2F7/export", headers=auth("boss"))
    assert export.status_code == 200, export.text
    assert export.json()["records"]["households"][0]["external_id"] == "H/7"
    assert client.get("/api/v1/households/H%2F8/export", headers=auth("boss")).status_code == 404


ACT_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def test_an_act_sent_again_under_its_id_is_answered_already_and_another_is_refused(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    body = {"state": "withdrawn", "evidence": "told V1 at the door", "client_id": ACT_ID}
    first = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1"))
    assert first.status_code == 200, first.text
    assert first.json()["already"] is False
    assert first.json()["notes"][0].startswith("1 household that no longer consents: 1 planned")
    again = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1"))
    assert again.status_code == 200, again.text
    # The first answer again, its notes after one saying it was recorded already.
    assert again.json() == {
        **first.json(),
        "already": True,
        "notes": [
            "This act was recorded already, when first sent: nothing was recorded again. What "
            "it did then, as first answered:",
            *first.json()["notes"],
        ],
    }
    # An act kept before migration 0027 kept no figures: its note says only that it was.
    with programme.begin() as conn:
        conn.execute(text("UPDATE consent_client_ids SET cancelled = NULL, cut = NULL"))
    kept = client.post("/api/v1/households/H0/consent", json=body, headers=auth("v1"))
    assert kept.status_code == 200, kept.text
    assert kept.json() == {
        **first.json(),
        "already": True,
        "notes": [
            "This act was recorded already, when first sent: nothing was recorded again, and "
            "the household's planned visits it took off, if any, were taken off then."
        ],
    }
    other = client.post(
        "/api/v1/households/H0/consent", json=body | {"evidence": "a letter"}, headers=auth("v1")
    )
    assert other.status_code == 409
    assert "a new act needs a new id" in other.json()["detail"]
    not_an_id = client.post(
        "/api/v1/households/H0/consent", json=body | {"client_id": "x"}, headers=auth("v1")
    )
    assert not_an_id.status_code == 422
    with programme.connect() as conn:
        acts = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_events WHERE entity = 'consent' AND entity_id = 'H0' "
                "AND action = 'update'"
            )
        ).scalar_one()
    assert acts == 2  # the act, and the refused one's attempt: those sent again are reads
