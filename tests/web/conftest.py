"""The web app over a real database, with the API's accounts and clock (tests/api)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.web.app import create_app
from tests.api.conftest import TODAY, first_visit, programme, sized, tokens  # noqa: F401 - fixtures

SignIn = Callable[[str], TestClient]


@pytest.fixture
def site(programme: Engine, db_url: str) -> Iterator[TestClient]:  # noqa: F811
    app = create_app(db_url, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def sign_in(site: TestClient, tokens: dict[str, str]) -> SignIn:  # noqa: F811
    def as_(name: str) -> TestClient:
        site.cookies.clear()
        r = site.post("/login", data={"token": tokens[name]})
        assert r.status_code == 303, r.text
        return site

    return as_
