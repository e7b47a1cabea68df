"""The API over a real database (SQLite and PostgreSQL), with a fixed clock: the planned
programme of :func:`tests.factories.visits.plan_three` and one account per role."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.api.app import create_app
from doorstep.services import accounts
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree, run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv
from tests.factories.outcomes import sizes_stored_before_the_rule
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three

#: The API's today: two months into the plan of ``plan_three`` (from 2027-01-04).
TODAY = dt.date(2027, 3, 1)

Headers = Callable[[str], dict[str, str]]


def documented(client: TestClient, method: str, path: str) -> dict[str, str]:
    """The JSON answers ``/openapi.json`` gives the operation: each status, its schema's
    name."""
    answers = client.get("/openapi.json").json()["paths"][path][method]["responses"]
    return {
        status: answer["content"]["application/json"]["schema"].get("$ref", "").rsplit("/")[-1]
        for status, answer in answers.items()
        if "application/json" in answer.get("content", {})
    }


def add_account(engine: Engine, name: str, role: str, **scope: str) -> str:
    """An account and a token for it; the token."""
    with unit_of_work(engine) as s:
        accounts.add_account(s, name, role, actor="test", **scope)
        return accounts.issue_token(s, name, actor="test").secret


@pytest.fixture
def programme(
    with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt, request: pytest.FixtureRequest
) -> Engine:
    """:func:`plan_three` over ``with_areas``, with the accounts of ``tokens`` when the test
    asks for them: a copy of it built once (``prebuilt``). The accounts are made here, not
    by ``tokens``: a copy made then would replace the database under a running app."""
    if "tokens" in request.fixturenames:
        prebuilt(with_areas, tmp_path, _planned_with_accounts, over=area_tree)
    else:
        prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


#: The file the accounts' tokens are kept in, beside the files :func:`plan_three` read.
_TOKENS = "tokens.json"


def _planned_with_accounts(engine: Engine, folder: Path) -> None:
    """:func:`plan_three`, then an account per role and a token for each: the region's
    manager, each village's coordinator, V1 and V2 (the tokens to ``folder``)."""
    plan_three(engine, folder)
    tokens = {
        "boss": add_account(engine, "boss", "manager"),
        "v1-coord": add_account(engine, "v1-coord", "coordinator", area="R-C-V1"),
        "v2-coord": add_account(engine, "v2-coord", "coordinator", area="R-C-V2"),
        "v1": add_account(engine, "v1", "visitor", visitor="V1"),
        "v2": add_account(engine, "v2", "visitor", visitor="V2"),
    }
    (folder / _TOKENS).write_text(json.dumps(tokens), encoding="utf-8")


@pytest.fixture
def tokens(programme: Engine, tmp_path: Path) -> dict[str, str]:
    """A token per account: the region's manager, each village's coordinator, V1 and V2
    (made with ``programme``)."""
    held: dict[str, str] = json.loads((tmp_path / _TOKENS).read_text(encoding="utf-8"))
    return held


@pytest.fixture
def client(programme: Engine, db_url: str) -> Iterator[TestClient]:
    app = create_app(db_url, today=lambda: TODAY)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def auth(tokens: dict[str, str]) -> Headers:
    return lambda name: {"Authorization": f"Bearer {tokens[name]}"}


@pytest.fixture
def first_visit(programme: Engine) -> tuple[dt.date, dt.date]:
    """H0's first planned visit (by V1), before ``TODAY``."""
    days = first_planned(programme, "H0")
    assert days[1] < TODAY
    return days


@pytest.fixture
def sized(with_areas: Engine, tmp_path: Path) -> dict[str, str]:
    """The years of :func:`sizes_stored_before_the_rule` (H1 of R-C-V1 and H2 of R-C-V2 with
    more members in work than members) and visitor V1, paired with no one; a token per
    account: ``boss`` (no area), ``v1-coord``, ``v2-coord`` and V1's ``v1``. No plan: what
    `check sizes` reads needs none."""
    sizes_stored_before_the_rule(with_areas, tmp_path)
    vv = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor(visitor_id="V1")])
    run_import(with_areas, "visitors", vv)
    return {
        "boss": add_account(with_areas, "boss", "manager"),
        "v1-coord": add_account(with_areas, "v1-coord", "coordinator", area="R-C-V1"),
        "v2-coord": add_account(with_areas, "v2-coord", "coordinator", area="R-C-V2"),
        "v1": add_account(with_areas, "v1", "visitor", visitor="V1"),
    }
