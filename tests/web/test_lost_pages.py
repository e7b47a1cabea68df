"""An address with no page, or a form's address opened from the browser's history: a page
saying so in the reader's language, with the menu and the way back, where the browser
showed ``{"detail": "Not Found"}``; the API and the pages' scripts keep their answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import SignIn

HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_an_address_with_no_page_is_a_page_saying_so(sign_in: SignIn) -> None:
    site = sign_in("v1-coord")
    got = site.get("/housholds", headers=HTML)
    assert got.status_code == 404
    assert got.headers["content-type"].startswith("text/html")
    assert "<h1>No such page</h1>" in got.text
    assert '<a href="/lists/due">' in got.text  # the menu, to go on from
    chinese = site.get("/housholds", headers=HTML | {"Accept-Language": "zh-CN"})
    assert chinese.status_code == 404 and 'lang="zh-Hans"' in chinese.text
    assert "No such page" not in chinese.text


def test_a_form_s_address_opened_is_a_page_saying_how_it_is_used(site: TestClient) -> None:
    got = site.get("/logout", headers=HTML)  # signed out: no menu, the way to sign in
    assert got.status_code == 405
    assert "<h1>Not opened this way</h1>" in got.text
    assert "Go back to the page the form is on." in got.text
    assert '<a href="/">Sign in</a>' in got.text


def test_the_api_and_the_pages_scripts_keep_their_answers(site: TestClient) -> None:
    api = site.get("/api/v1/nowhere", headers=HTML)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    script = site.get("/housholds", headers={"Accept": "application/json"})
    assert script.status_code == 404 and script.json() == {"detail": "Not Found"}
