"""The programme's figures over the API: for an area's accounts, within their area."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers


def test_a_manager_reads_the_programme_s_figures(client: TestClient, auth: Headers) -> None:
    r = client.get("/api/v1/report", params={"area": "R"}, headers=auth("boss"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["area"]["code"] == "R"
    total = body["areas"][-1]
    assert total["households"] == 3
    assert len(body["months"]) >= 12


def test_a_coordinator_reads_its_own_area_by_default(client: TestClient, auth: Headers) -> None:
    body = client.get("/api/v1/report", headers=auth("v2-coord")).json()
    assert body["area"]["code"] == "R-C-V2"
    assert body["areas"][-1]["households"] == 0


def test_a_visitor_reads_no_report(client: TestClient, auth: Headers) -> None:
    r = client.get("/api/v1/report", headers=auth("v1"))
    assert r.status_code == 403
