"""Accounts kept over the API by a manager, for its own area only: listed a page at a time,
made, given tokens (shown once) and disabled, each act and each refusal in the trail."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Headers, add_account
from tests.factories.audit import last_event_id, trail


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_manager_lists_every_account_a_page_at_a_time_and_the_visitors_are_read(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    mark = last_event_id(programme)
    first = client.get("/api/v1/accounts", params={"limit": 3}, headers=auth("boss"))
    assert first.status_code == 200, first.text
    assert [a["name"] for a in first.json()["accounts"]] == ["boss", "v1", "v1-coord"]
    assert first.json()["next"] == "v1-coord"
    rest = client.get(
        "/api/v1/accounts", params={"limit": 3, "after": "v1-coord"}, headers=auth("boss")
    )
    assert [a["name"] for a in rest.json()["accounts"]] == ["v2", "v2-coord"]
    assert rest.json()["next"] is None
    assert first.json()["accounts"][1] == {
        "name": "v1",
        "role": "visitor",
        "area": None,
        "visitor": "V1",
        "disabled_at": None,
    }
    reads = [(a, e, i) for a, e, i, d in trail(programme, mark) if d.get("list") == "accounts"]
    assert reads == [("read", "visitor", "V1"), ("read", "visitor", "V2")]


def test_an_area_s_manager_keeps_its_area_s_accounts_only(
    client: TestClient, tokens: dict[str, str], programme: Engine
) -> None:
    v2 = _bearer(add_account(programme, "v2-boss", "manager", area="R-C-V2"))
    listed = client.get("/api/v1/accounts", headers=v2).json()["accounts"]
    # V1 and V2 both live in village one: their accounts are not village two's
    assert [a["name"] for a in listed] == ["v2-boss", "v2-coord"]
    made = client.post(
        "/api/v1/accounts",
        json={"name": "v2-helper", "role": "coordinator", "area": "R-C-V2"},
        headers=v2,
    )
    assert made.status_code == 201, made.text
    assert made.json()["area"] == "R-C-V2"
    for body, said in (
        ({"name": "x", "role": "coordinator", "area": "R-C-V1"}, "area R-C-V1 is outside"),
        ({"name": "x", "role": "manager"}, "an account with no area would see the whole"),
        ({"name": "x", "role": "coordinator", "area": "R-C"}, "area R-C is outside"),
        ({"name": "x", "role": "visitor", "visitor": "V1"}, "V1's home area is outside"),
    ):
        got = client.post("/api/v1/accounts", json=body, headers=v2)
        assert got.status_code == 403, got.text
        assert said in got.json()["detail"]
    unsaid = client.post("/api/v1/accounts", json={"name": "x", "role": "visitor"}, headers=v2)
    assert (unsaid.status_code, unsaid.json()["detail"][:34]) == (
        422,
        "a visitor's account needs a visito",
    )
    for url in ("/api/v1/accounts/v1-coord/tokens", "/api/v1/accounts/v1/disable"):
        got = client.post(url, headers=v2)
        assert got.status_code == 403, (url, got.text)
        assert "is outside account v2-boss's area R-C-V2" in got.json()["detail"]


def test_a_token_made_over_the_api_signs_in_and_is_shown_once(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    made = client.post(
        "/api/v1/accounts",
        json={"name": "helper", "role": "coordinator", "area": "R-C-V1"},
        headers=auth("boss"),
    )
    assert made.status_code == 201, made.text
    mark = last_event_id(programme)
    token = client.post("/api/v1/accounts/helper/tokens", json={"days": 7}, headers=auth("boss"))
    assert token.status_code == 201, token.text
    secret = token.json()["token"]
    assert secret.startswith("dst_")
    me = client.get("/api/v1/me", headers=_bearer(secret))
    assert me.json() == {"name": "helper", "role": "coordinator", "area": "R-C-V1", "visitor": None}
    [event] = trail(programme, mark)
    assert event[:3] == ("update", "account", "helper")
    assert secret not in str(event[3])
    assert secret not in client.get("/api/v1/accounts", headers=auth("boss")).text


def test_a_disabled_account_s_tokens_stop_at_once_and_no_one_disables_itself(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    assert client.get("/api/v1/me", headers=auth("v2")).status_code == 200
    done = client.post("/api/v1/accounts/v2/disable", headers=auth("boss"))
    assert done.json() == {"account": "v2", "tokens_revoked": 1}
    assert client.get("/api/v1/me", headers=auth("v2")).status_code == 401
    again = client.post("/api/v1/accounts/v2/disable", headers=auth("boss"))
    assert again.status_code == 409
    itself = client.post("/api/v1/accounts/boss/disable", headers=auth("boss"))
    assert itself.status_code == 409
    assert "does not disable itself" in itself.json()["detail"]
    assert client.get("/api/v1/me", headers=auth("boss")).status_code == 200


def test_only_a_manager_keeps_accounts_and_a_refusal_is_in_the_trail(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    for name in ("v1-coord", "v1"):
        assert client.get("/api/v1/accounts", headers=auth(name)).status_code == 403
    mark = last_event_id(programme)
    got = client.post(
        "/api/v1/accounts",
        json={"name": "mine", "role": "manager"},
        headers=auth("v1-coord"),
    )
    assert got.status_code == 403
    assert "accounts are kept by a manager" in got.json()["detail"]
    assert [(a, e, i, d["outcome"]) for a, e, i, d in trail(programme, mark)] == [
        ("create", "account", "mine", "refused")
    ]


def test_the_service_s_rules_answer_in_words_any_front_door_reads(
    client: TestClient, auth: Headers
) -> None:
    for body, code, said in (
        ({"name": "c", "role": "coordinator"}, 422, "needs an area: the one it coordinates"),
        ({"name": "c", "role": "visitor"}, 422, "a visitor's account needs a visitor"),
        ({"name": "c", "role": "chief"}, 422, "unknown role 'chief'"),
        ({"name": "v9", "role": "visitor", "visitor": "V1"}, 409, "V1 has an account already"),
        ({"name": "boss", "role": "manager"}, 409, "account 'boss' exists already"),
        ({"name": "c", "role": "coordinator", "area": "NOWHERE"}, 404, "no area with code"),
    ):
        got = client.post("/api/v1/accounts", json=body, headers=auth("boss"))
        assert (got.status_code, said in got.json()["detail"]) == (code, True), got.text
    assert (
        "--"
        not in client.post(
            "/api/v1/accounts", json={"name": "c", "role": "coordinator"}, headers=auth("boss")
        ).json()["detail"]
    )


def test_the_spec_states_the_choices_and_bounds_the_services_hold_a_body_to() -> None:
    """A client built from ``/openapi.json`` offers a role and a consent state among those
    the services take, and keeps evidence within what a consent act keeps; the services
    still refuse another in their own words (above)."""
    from doorstep.api.app import create_app
    from doorstep.domain.enums import ConsentState
    from doorstep.domain.lengths import EVIDENCE_MAX
    from doorstep.services.accounts import ROLES

    schemas = create_app("sqlite://").openapi()["components"]["schemas"]
    assert schemas["AccountCreate"]["properties"]["role"]["enum"] == list(ROLES)
    act = schemas["ConsentCreate"]["properties"]
    assert act["state"]["enum"] == [s.value for s in ConsentState]
    assert (act["evidence"]["minLength"], act["evidence"]["maxLength"]) == (1, EVIDENCE_MAX)


def test_a_name_with_a_control_character_or_a_direction_mark_is_refused(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    """A name with a mark that turns the text around shows as another account's in the
    trail and the lists; one with a control character cannot be typed to find it."""
    for name in ("boss\u202e", "a\x7fb", "\u2066v1"):
        got = client.post(
            "/api/v1/accounts", json={"name": name, "role": "manager"}, headers=auth("boss")
        )
        assert got.status_code == 422, got.text
        assert "holds a control character or a text-direction mark" in got.json()["detail"]
    listed = client.get("/api/v1/accounts", headers=auth("boss")).json()["accounts"]
    assert [a["name"] for a in listed] == ["boss", "v1", "v1-coord", "v2", "v2-coord"]
