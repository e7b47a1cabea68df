"""Referrals over the API: made by an area's accounts for its households and by a visitor's
account for the households it looks after, moved on one way, listed for follow-up, each act
in the trail as at the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.domain.enums import ReferralStatus
from tests.api.conftest import TODAY, Headers, documented
from tests.factories.audit import events_about
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

REFERRALS = "/api/v1/referrals"


@pytest.fixture
def jobs(programme: Engine, tmp_path: Path) -> Engine:
    """Organisation JOBS, and H5 in R-C-V2 (consent given, paired with no one)."""
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(programme, "organisations", orgs)
    hh = [household(household_id="H5", area_code="R-C-V2")]
    run_import(programme, "households", write_csv(tmp_path / "h5.csv", HOUSEHOLD_HEADER, hh))
    return programme


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM referrals")).scalar_one())


def test_a_visitor_refers_a_household_it_looks_after_and_its_coordinator_follows_it_up(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    body = {"household": "H0", "organisation": "JOBS", "service": "employment"}
    made = client.post(REFERRALS, json=body, headers=auth("v1"))
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    assert made.json() == {
        "id": number,
        "household": "H0",
        "status": "open",
        "made_on": TODAY.isoformat(),
        "already": False,
    }
    # Made by V1, its own visitor, under the account's name.
    events = events_about(jobs, "visitor")
    assert events[-1][:2] == ("create", "V1")
    assert events[-1][2]["referral"] == number
    # Forty days on, the village's coordinator sees it due a follow-up.
    later = dt.date.fromisoformat(made.json()["made_on"]) + dt.timedelta(days=40)
    client.app.state.today = lambda: later  # type: ignore[attr-defined]
    due = client.get(REFERRALS, params={"follow_up": True}, headers=auth("v1-coord"))
    assert due.status_code == 200, due.text
    [row] = due.json()
    assert (row["id"], row["household"], row["visitor"], row["days"], row["follow_up"]) == (
        number,
        "H0",
        "V1",
        40,
        True,
    )
    assert client.get(REFERRALS, headers=auth("v2-coord")).json() == []
    moved = client.post(
        f"{REFERRALS}/{number}/status", json={"status": "completed"}, headers=auth("v1-coord")
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["was"], moved.json()["on"]) == ("open", later.isoformat())
    final = client.post(
        f"{REFERRALS}/{number}/status", json={"status": "declined"}, headers=auth("v1-coord")
    )
    assert final.status_code == 409, final.text
    attempt = [e for e in events_about(jobs, "referral") if e[1] == str(number)][-1]
    assert (attempt[0], attempt[2]["outcome"]) == ("update", "refused")


def test_accounts_outside_the_household_s_reach_are_refused_and_nothing_is_written(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    body = {"household": "H5", "organisation": "JOBS", "service": "health"}
    # V1 does not look after H5; V1's coordinator's area does not hold it.
    assert client.post(REFERRALS, json=body, headers=auth("v1")).status_code == 403
    assert client.post(REFERRALS, json=body, headers=auth("v1-coord")).status_code == 403
    other = {**body, "household": "H0", "visitor": "V2"}
    assert client.post(REFERRALS, json=other, headers=auth("v1")).status_code == 403
    assert _count(jobs) == 0
    # A visitor's account lists one household it looks after, not an area.
    assert client.get(REFERRALS, headers=auth("v1")).status_code == 403
    assert client.get(REFERRALS, params={"household": "H5"}, headers=auth("v1")).status_code == 403
    assert client.get(REFERRALS, params={"household": "H0"}, headers=auth("v1")).json() == []
    made = client.post(REFERRALS, json=body, headers=auth("v2-coord"))
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    move = {"status": "accepted"}
    assert (
        client.post(f"{REFERRALS}/{number}/status", json=move, headers=auth("v1-coord")).status_code
        == 403
    )
    unknown = client.post(f"{REFERRALS}/{number + 1}/status", json=move, headers=auth("boss"))
    assert unknown.status_code == 404


def test_bad_input_is_named_and_consent_is_required(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    wrong = {"household": "H0", "organisation": "JOBS", "service": "jobs"}
    r = client.post(REFERRALS, json=wrong, headers=auth("boss"))
    assert r.status_code == 422 and "service" in r.text
    withdrawn = {"state": "withdrawn", "evidence": "a letter"}
    assert client.post(
        "/api/v1/households/H0/consent", json=withdrawn, headers=auth("boss")
    ).is_success
    body = {"household": "H0", "organisation": "JOBS", "service": "employment"}
    refused = client.post(REFERRALS, json=body, headers=auth("boss"))
    assert refused.status_code == 422, refused.text
    assert "consent is withdrawn, not given" in refused.json()["detail"]
    later = {**body, "household": "H1", "made_on": (TODAY + dt.timedelta(days=1)).isoformat()}
    assert client.post(REFERRALS, json=later, headers=auth("boss")).status_code == 422
    assert _count(jobs) == 0


REFERRAL_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"


def test_a_referral_sent_again_under_its_id_is_made_once_and_another_is_refused(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    body = {
        "household": "H0",
        "organisation": "JOBS",
        "service": "employment",
        "client_id": REFERRAL_ID,
    }
    made = client.post(REFERRALS, json=body, headers=auth("v1"))
    assert made.status_code == 201, made.text
    again = client.post(REFERRALS, json=body, headers=auth("v1"))
    assert again.status_code == 200, again.text
    assert again.json() == made.json() | {"already": True}
    assert _count(jobs) == 1
    other = client.post(REFERRALS, json=body | {"service": "health"}, headers=auth("v1"))
    assert other.status_code == 409
    assert "a new referral needs a new id" in other.json()["detail"]
    # Another account, another household: refused, and not told whose the id is.
    elsewhere = client.post(REFERRALS, json=body | {"household": "H5"}, headers=auth("v2-coord"))
    assert elsewhere.status_code == 409
    assert "H0" not in elsewhere.json()["detail"]
    assert _count(jobs) == 1
    # Without an id, as before: each send is a referral.
    plain = {k: v for k, v in body.items() if k != "client_id"}
    assert client.post(REFERRALS, json=plain, headers=auth("v1")).status_code == 201
    assert client.post(REFERRALS, json=plain, headers=auth("v1")).status_code == 201
    assert _count(jobs) == 3


def test_both_answers_of_a_referral_sent_again_are_in_the_spec(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    """Made answers 201 and sent again 200: a client built from ``/openapi.json`` is told
    of both (it gave 201 alone, found by the schema fuzz)."""
    answers = documented(client, "post", REFERRALS)
    body = {"household": "H0", "organisation": "JOBS", "service": "other", "client_id": REFERRAL_ID}
    made = client.post(REFERRALS, json=body, headers=auth("v1"))
    again = client.post(REFERRALS, json=body, headers=auth("v1"))
    assert (made.status_code, again.status_code) == (201, 200), again.text
    assert {answers["201"], answers["200"]} == {"ReferralMade"}


def test_the_spec_offers_a_status_change_only_the_statuses_a_referral_moves_on_to(
    client: TestClient, jobs: Engine, auth: Headers
) -> None:
    """The spec offered "open" too, which the service always refuses (the schema fuzz sent
    it in a third of its valid-looking changes)."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    offered = schemas["ReferralMove"]["properties"]["status"]["enum"]
    moves_to = [s.value for s in ReferralStatus if s is not ReferralStatus.OPEN]
    assert offered == moves_to
    body = {"household": "H0", "organisation": "JOBS", "service": "employment"}
    number = client.post(REFERRALS, json=body, headers=auth("boss")).json()["id"]
    back = client.post(
        f"{REFERRALS}/{number}/status", json={"status": "open"}, headers=auth("boss")
    )
    assert back.status_code == 422 and "body.status" in back.json()["detail"]
    on = client.post(
        f"{REFERRALS}/{number}/status", json={"status": "accepted"}, headers=auth("boss")
    )
    assert on.json()["status"] == "accepted", on.text
