"""Who may call the API: a live token of an enabled account, and nothing else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.services import accounts
from doorstep.storage.session import unit_of_work
from tests.api.conftest import Headers


def test_a_request_without_a_token_is_refused_as_problem_details(client: TestClient) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["status"] == 401
    assert "Authorization: Bearer" in r.json()["detail"]


def test_an_unknown_token_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer dst_not-a-token"})
    assert r.status_code == 401
    assert r.json()["detail"] == "unknown token"


def test_me_names_the_account_its_role_and_scope(client: TestClient, auth: Headers) -> None:
    assert client.get("/api/v1/me", headers=auth("v1-coord")).json() == {
        "name": "v1-coord",
        "role": "coordinator",
        "area": "R-C-V1",
        "visitor": None,
    }
    assert client.get("/api/v1/me", headers=auth("v1")).json()["visitor"] == "V1"
    assert client.get("/api/v1/me", headers=auth("boss")).json()["area"] is None


def test_a_disabled_account_is_let_in_no_more(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    assert client.get("/api/v1/me", headers=auth("v1")).status_code == 200
    with unit_of_work(programme) as s:
        assert accounts.disable_account(s, "v1", actor="test") == 1
    r = client.get("/api/v1/me", headers=auth("v1"))
    assert r.status_code == 401
    assert r.json()["detail"] == "the token was revoked"


def test_an_expired_token_is_refused(client: TestClient, programme: Engine, auth: Headers) -> None:
    with programme.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET expires_at = created_at"))
    r = client.get("/api/v1/me", headers=auth("boss"))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_the_database_holds_no_token_only_its_digest(
    programme: Engine, tokens: dict[str, str]
) -> None:
    with programme.connect() as conn:
        stored = conn.execute(text("SELECT digest FROM api_tokens")).scalars().all()
        dump = repr(conn.execute(text("SELECT * FROM api_tokens")).all())
        trail = repr(conn.execute(text("SELECT detail FROM audit_events")).all())
    assert sorted(stored) == sorted(accounts.digest(t) for t in tokens.values())
    for secret in tokens.values():
        assert secret.startswith(accounts.TOKEN_PREFIX)
        assert secret not in dump
        assert secret not in trail
