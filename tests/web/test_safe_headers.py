"""Every answer, page, API, file or refusal, is kept by no browser or proxy and shown in no
other site's frame; only a folder's unchanging files (scripts, styles) may be kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from doorstep.api.safe_headers import ALWAYS, HTTPS_ONLY
from tests.web.conftest import SignIn

#: What a coordinator or a visitor reads, and a refusal: (account, path).
PERSONAL = [
    ("v1-coord", "/files/household?id=H0"),
    ("v1-coord", "/lists/due"),
    ("boss", "/household/export?id=H0"),
    ("v1", "/calendar.ics"),
    ("v1", "/figures"),  # refused (403): its page names the account
    (None, "/login"),
    (None, "/api/v1/me"),  # refused (401)
]


@pytest.mark.parametrize(("account", "path"), PERSONAL)
def test_what_names_people_is_not_kept_nor_framed(
    sign_in: SignIn, site: TestClient, account: str | None, path: str
) -> None:
    client = sign_in(account) if account else site
    got = client.get(path, follow_redirects=False)
    for name, value in ALWAYS.items():
        assert got.headers[name] == value, (path, name)
    assert got.headers["Cache-Control"] == "no-store", (path, got.status_code)


def test_the_api_s_answers_are_not_kept(site: TestClient, tokens: dict[str, str]) -> None:
    got = site.get("/api/v1/visits/due", headers={"Authorization": f"Bearer {tokens['v1']}"})
    assert got.status_code == 200, got.text
    assert got.headers["Cache-Control"] == "no-store"
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_unchanging_files_may_be_kept_and_the_worker_keeps_its_own(site: TestClient) -> None:
    for path in ("/static/site.js", "/docs-assets/swagger-ui.css"):
        got = site.get(path)
        assert got.status_code == 200, path
        assert "Cache-Control" not in got.headers, path
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    # Asked again on each visit, so a new worker replaces the old at once.
    assert site.get("/sw.js").headers["Cache-Control"] == "no-cache"


def test_over_https_the_browser_is_told_to_come_back_over_https_only(db_url: str) -> None:
    from doorstep.web.app import create_app

    app = create_app(db_url)
    with TestClient(app, base_url="https://testserver") as secure:
        assert secure.get("/login").headers["Strict-Transport-Security"] == HTTPS_ONLY
    with TestClient(app) as plain:  # a browser given it over http would ignore it
        assert "Strict-Transport-Security" not in plain.get("/login").headers
    app.state.engine.dispose()
