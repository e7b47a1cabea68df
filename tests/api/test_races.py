"""Requests racing another transaction of the same write on PostgreSQL: the other has
checked and inserted, not yet committed, while the request checks. The request waits,
then answers as if sent after it: a phone's visit or referral sent again is answered
"done already" (200), an account's name taken is refused naming it (409); never "run it
again" (the unique key met), and the database holds one row (``tests/factories/races``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.services import accounts, referrals, visit_records
from doorstep.storage.session import make_engine
from tests.api.conftest import TODAY, Headers
from tests.factories.db import run_import
from tests.factories.emptied import empty_postgres
from tests.factories.files import write_csv
from tests.factories.races import count, race
from tests.factories.visits import first_planned


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(postgres_url: str) -> str:
    """PostgreSQL alone: on SQLite a request that writes holds the one writer's lock from
    its start, so nothing races."""
    eng = make_engine(postgres_url)
    empty_postgres(eng)
    eng.dispose()
    return postgres_url


def test_a_visit_synced_while_its_first_send_is_being_recorded_is_answered_recorded_already(
    client: TestClient, programme: Engine, db_url: str, auth: Headers
) -> None:
    first, last = first_planned(programme, "H0")
    made = visit_records.MadeVisit("H0", "V1", first, last, visit_id="phone-0001")

    def recorded(s: Session) -> None:  # what the route does with the first send
        assert not visit_records.sent_again(s, made, actor="v1")
        visit_records.record_visit(s, made, actor="v1", today=TODAY)

    body = {"household": "H0", "visitor": "V1", "start": first.isoformat()}
    body |= {"end": last.isoformat(), "visit_id": "phone-0001"}
    raced = race(
        programme,
        db_url,
        recorded,
        lambda: client.post("/api/v1/visits", json=body, headers=auth("v1")),
    )
    answer = raced.second
    assert answer is not None and answer.status_code == 200, answer and answer.text
    assert answer.json()["recorded"] is False
    assert count(programme, "SELECT count(*) FROM visits WHERE client_uuid = 'phone-0001'") == 1


def test_a_referral_sent_while_its_first_send_is_being_made_is_answered_made_already(
    client: TestClient, programme: Engine, db_url: str, auth: Headers, tmp_path: Path
) -> None:
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Jobs", "department"]])
    run_import(programme, "organisations", orgs)
    client_id = "5b1f7a52-0000-4000-8000-000000000001"
    said = {"organisation": "JOBS", "service": "employment", "visitor": "V1"}

    def made(s: Session) -> int:  # what the route does with the first send
        assert referrals.sent_again(s, client_id, "H0", made_on=None, actor="v1", **said) is None
        return referrals.add_referral(
            s, "H0", made_on=TODAY, actor="v1", today=TODAY, client_id=client_id, **said
        ).id

    body = {"household": "H0", "client_id": client_id, **said}
    raced = race(
        programme,
        db_url,
        made,
        lambda: client.post("/api/v1/referrals", json=body, headers=auth("v1")),
    )
    answer = raced.second
    assert answer is not None and answer.status_code == 200, answer and answer.text
    assert answer.json()["id"] == raced.first
    assert answer.json()["already"] is True
    assert count(programme, "SELECT count(*) FROM referrals") == 1


def test_an_account_made_while_another_makes_it_is_refused_naming_it(
    client: TestClient, programme: Engine, db_url: str, auth: Headers
) -> None:
    def made(s: Session) -> object:
        return accounts.add_account(s, "clerk", "coordinator", area="R-C-V1", actor="boss")

    body = {"name": "clerk", "role": "coordinator", "area": "R-C-V1"}
    raced = race(
        programme,
        db_url,
        made,
        lambda: client.post("/api/v1/accounts", json=body, headers=auth("boss")),
    )
    answer = raced.second
    assert answer is not None and answer.status_code == 409, answer and answer.text
    assert "account 'clerk' exists already" in answer.json()["detail"], answer.text
    assert count(programme, "SELECT count(*) FROM accounts WHERE name = 'clerk'") == 1
