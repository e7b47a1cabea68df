"""API accounts: what each role needs, tokens, and a visitor's account going with them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from doorstep.services import accounts, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import plan_three


@pytest.fixture
def programme(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


@pytest.mark.parametrize(
    ("name", "role", "scope", "error", "words"),
    [
        ("a b", "manager", {}, InvalidInput, "no spaces"),
        ("a\x01b", "manager", {}, InvalidInput, r"'a\\x01b' holds a control character"),
        ("boss\u202e", "manager", {}, InvalidInput, "or a text-direction mark; an account name"),
        ("x", "boss", {}, InvalidInput, "unknown role 'boss'"),
        ("x", "coordinator", {}, InvalidInput, "needs an area: the one it coordinates"),
        ("x", "visitor", {}, InvalidInput, "needs a visitor, whose work it sees"),
        ("x", "visitor", {"visitor": "V1", "area": "R"}, InvalidInput, "and no area"),
        (
            "x",
            "manager",
            {"visitor": "V1"},
            InvalidInput,
            "given to a visitor's account, not a manager's",
        ),
        ("x", "coordinator", {"area": "NOWHERE"}, NotFound, "no area with code 'NOWHERE'"),
        ("x", "visitor", {"visitor": "V9"}, NotFound, "V9"),
    ],
)
def test_an_account_without_what_its_role_needs_is_refused(
    programme: Engine,
    name: str,
    role: str,
    scope: dict[str, str],
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error, match=words), unit_of_work(programme) as s:
        accounts.add_account(s, name, role, actor="test", **scope)
    with programme.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one() == 0


def test_a_name_and_a_visitor_have_one_account_each(programme: Engine) -> None:
    with unit_of_work(programme) as s:
        accounts.add_account(s, "v1", "visitor", actor="test", visitor="V1")
    with pytest.raises(Conflict, match="exists already"), unit_of_work(programme) as s:
        accounts.add_account(s, "v1", "manager", actor="test")
    with (
        pytest.raises(Conflict, match="has an account already: 'v1'"),
        unit_of_work(programme) as s,
    ):
        accounts.add_account(s, "v1-again", "visitor", actor="test", visitor="V1")


def test_a_token_lasts_the_days_asked_and_a_disabled_account_gets_none(programme: Engine) -> None:
    with unit_of_work(programme) as s:
        accounts.add_account(s, "boss", "manager", actor="test")
        with pytest.raises(InvalidInput, match="1 to 366 days"):
            accounts.issue_token(s, "boss", actor="test", days=0)
        made = accounts.issue_token(s, "boss", actor="test", days=7)
    assert dt.timedelta(days=6) < made.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    with unit_of_work(programme) as s:
        assert accounts.authenticate(s, made.secret).name == "boss"
        accounts.disable_account(s, "boss", actor="test")
    with pytest.raises(Conflict, match="disabled"), unit_of_work(programme) as s:
        accounts.issue_token(s, "boss", actor="test")
    with pytest.raises(NotAuthenticated), unit_of_work(programme) as s:
        accounts.authenticate(s, made.secret)


def test_making_an_account_is_audited_under_it_and_under_its_visitor(programme: Engine) -> None:
    with unit_of_work(programme) as s:
        accounts.add_account(s, "v1", "visitor", actor="admin", visitor="V1")
        accounts.issue_token(s, "v1", actor="admin")
    with programme.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id FROM audit_events WHERE actor = 'admin' "
                "ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("create", "account", "v1"),
        ("create", "visitor", "V1"),
        ("update", "account", "v1"),
        ("update", "visitor", "V1"),
    ]


def test_an_erased_visitor_s_account_and_tokens_go_with_them(programme: Engine) -> None:
    with unit_of_work(programme) as s:
        accounts.add_account(s, "v2", "visitor", actor="test", visitor="V2")
        secret = accounts.issue_token(s, "v2", actor="test").secret
        exported = visitor_rights.export_visitor(s, "V2", actor="test")
    assert [a["name"] for a in exported["records"]["accounts"]] == ["v2"]
    with unit_of_work(programme) as s:
        erased = visitor_rights.erase_visitor(s, "V2", actor="test")
    assert erased.erased["accounts"] == 1
    with programme.connect() as conn:
        for table in ("accounts", "api_tokens"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0
    with pytest.raises(NotAuthenticated), unit_of_work(programme) as s:
        accounts.authenticate(s, secret)
