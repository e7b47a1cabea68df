"""`doorstep account` makes, lists and disables API accounts, and prints a token that the
API then takes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.api.app import create_app
from tests.cli.conftest import Invoke


def test_an_account_is_made_given_a_token_listed_and_disabled(
    cli: Invoke, with_areas: Engine, db_url: str, tmp_path: Path
) -> None:
    made = cli("account", "add", "coord-c", "--role", "coordinator", "--area", "R-C")
    assert made.exit_code == 0, made.output
    assert "Made account coord-c (coordinator, area R-C)" in made.output
    refused = cli("account", "add", "coord-x", "--role", "coordinator")
    assert refused.exit_code != 0
    assert "needs an area" in refused.output
    marked = cli("account", "add", "coord-c\u202e", "--role", "manager")
    assert marked.exit_code != 0
    assert "holds a control character or a text-direction mark" in marked.output
    issued = cli("account", "token", "coord-c", "--days", "30")
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().splitlines()[-1]
    assert token.startswith("dst_")
    app = create_app(db_url, today=lambda: dt.date(2027, 3, 1))
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["area"] == "R-C"
        listing = cli("account", "list")
        assert "coord-c  coordinator  area R-C" in listing.output
        off = cli("account", "disable", "coord-c")
        assert "Disabled account coord-c; 1 token(s) revoked." in off.output
        again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401
    app.state.engine.dispose()
    assert "disabled" in cli("account", "list").output


def test_serve_is_a_command_with_its_address_options(cli: Invoke) -> None:
    shown = cli("serve", "--help")
    assert shown.exit_code == 0
    assert "--port" in shown.output and "/docs" in shown.output
