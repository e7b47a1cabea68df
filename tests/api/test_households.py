"""Why a household has its visitor, over the API: for an area's accounts, in their area."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers


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
