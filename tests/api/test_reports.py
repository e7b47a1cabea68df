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


def test_a_period_refused_is_told_in_the_api_s_own_words(client: TestClient, auth: Headers) -> None:
    got = client.get(
        "/api/v1/report", params={"from": "2027-02-01", "to": "2027-01-01"}, headers=auth("boss")
    )
    assert got.status_code == 422
    assert got.json()["detail"] == "from 2027-02-01 is after to 2027-01-01"
    got = client.get("/api/v1/report", params={"to": "2099-01-01"}, headers=auth("boss"))
    assert got.json()["detail"].startswith("to 2099-01-01 is after today")
