"""Development projects over the API: added, listed, moved on and the households they
benefit recorded as `doorstep project` does, within the account's area."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import write_csv

WELL = {
    "code": "WELL",
    "title": "Village well",
    "sponsor": "S1",
    "area": "R-C-V1",
    "starts_on": "2027-01-05",
    "ends_on": "2027-02-01",
    "status": "running",
}


@pytest.fixture
def sponsor(programme: Engine, tmp_path: Path) -> Engine:
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(programme, "organisations", orgs)
    return programme


def _benefits(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM project_households")).scalar_one())


def test_a_coordinator_keeps_its_area_s_project_from_adding_it_to_its_households(
    client: TestClient, sponsor: Engine, auth: Headers
) -> None:
    made = client.post("/api/v1/projects", json=WELL, headers=auth("v1-coord"))
    assert made.status_code == 201, made.text
    (row,) = client.get("/api/v1/projects", headers=auth("v1-coord")).json()
    # Its last day is behind the API's today (2027-03-01) and it is still running.
    assert (row["code"], row["status"], row["households"], row["past_end"]) == (
        "WELL",
        "running",
        0,
        True,
    )
    before = last_event_id(sponsor)
    took = client.post(
        "/api/v1/projects/WELL/households", json={"households": ["H0"]}, headers=auth("v1-coord")
    )
    assert took.json() == {"added": ["H0"], "already": []}
    assert [(e[0], e[1], e[2]) for e in trail(sponsor, before)] == [("create", "household", "H0")]
    again = client.post(
        "/api/v1/projects/WELL/households", json={"households": ["H0"]}, headers=auth("v1-coord")
    )
    assert again.json() == {"added": [], "already": ["H0"]}
    done = client.post(
        "/api/v1/projects/WELL/status", json={"status": "done"}, headers=auth("v1-coord")
    )
    assert done.json() == {"code": "WELL", "status": "done", "was": "running"}
    back = client.post(
        "/api/v1/projects/WELL/status", json={"status": "running"}, headers=auth("v1-coord")
    )
    assert back.status_code == 409 and "not back" in back.json()["detail"]
    (row,) = client.get("/api/v1/projects", headers=auth("boss")).json()
    assert (row["households"], row["past_end"]) == (1, False)
    assert client.get("/api/v1/projects", headers=auth("v2-coord")).json() == []


def test_another_area_s_coordinator_and_a_visitor_are_refused_and_the_attempt_recorded(
    client: TestClient, sponsor: Engine, auth: Headers
) -> None:
    client.post("/api/v1/projects", json=WELL, headers=auth("boss"))
    for who in ("v2-coord", "v1"):
        before = last_event_id(sponsor)
        refused = client.post(
            "/api/v1/projects/WELL/households", json={"households": ["H0"]}, headers=auth(who)
        )
        assert refused.status_code == 403
        (event,) = trail(sponsor, before)
        assert event[:3] == ("create", "project", "WELL")
        assert event[3]["outcome"] == "refused"
    assert _benefits(sponsor) == 0
    elsewhere = client.post(
        "/api/v1/projects", json=WELL | {"code": "FAR"}, headers=auth("v2-coord")
    )
    assert elsewhere.status_code == 403
    assert client.get("/api/v1/projects", headers=auth("v1")).status_code == 403


def test_one_unknown_household_records_none_and_the_types_name_what_they_refuse(
    client: TestClient, sponsor: Engine, auth: Headers
) -> None:
    client.post("/api/v1/projects", json=WELL, headers=auth("boss"))
    none = client.post(
        "/api/v1/projects/WELL/households",
        json={"households": ["H0", "NOPE"]},
        headers=auth("boss"),
    )
    assert none.status_code == 404 and "NOPE" in none.json()["detail"]
    assert _benefits(sponsor) == 0
    wrong = client.post(
        "/api/v1/projects/WELL/status", json={"status": "finished"}, headers=auth("boss")
    )
    assert wrong.status_code == 422 and "body.status" in wrong.json()["detail"]
    early = client.post(
        "/api/v1/projects",
        json=WELL | {"code": "SOON", "starts_on": "2027-06-01", "ends_on": None},
        headers=auth("boss"),
    )
    assert early.status_code == 422 and "after today (2027-03-01)" in early.json()["detail"]


def test_a_code_that_is_not_plain_text_on_one_line_is_refused_as_an_import_refuses_it(
    client: TestClient, sponsor: Engine, auth: Headers
) -> None:
    for code in ("AB\n", "E\tF", "G\x91", "\u202eWELL"):
        made = client.post("/api/v1/projects", json=WELL | {"code": code}, headers=auth("boss"))
        assert made.status_code == 422, (code, made.text)
        assert "plain text on one line" in made.json()["detail"]
    assert client.get("/api/v1/projects", headers=auth("boss")).json() == []
