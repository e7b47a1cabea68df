"""The API's docs page (``/docs``, Swagger UI) in a real browser that reaches no other site:
its scripts and styles come from the app (``/docs-assets``, fastapi-offline's copies), where
FastAPI's page fetched them from a CDN and showed a blank page on a network without one."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route

from doorstep.web.app import create_app
from tests.web.live import LiveSite, serving
from tests.web.test_offline_browser import _until, browser

__all__ = ["browser"]


@pytest.fixture
def served(db_url: str) -> Iterator[LiveSite]:
    """The site over a new database: its docs need no programme."""
    with serving(create_app(db_url)) as site:
        yield site


def test_the_docs_page_names_only_the_app_s_own_files(db_url: str) -> None:
    app = create_app(db_url)
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        named = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert named and all(url.startswith("/docs-assets/") for url in named), named
        assert "https://" not in page.text
        for url in named:
            got = client.get(url)
            assert got.status_code == 200 and len(got.content) > 1000, url
        # One page of docs: ReDoc's fetched a logo from its maker's site.
        assert client.get("/redoc").status_code == 404
    app.state.engine.dispose()


def test_the_docs_page_shows_every_operation_with_no_other_site(
    browser: Browser, served: LiveSite
) -> None:
    page = browser.new_context(base_url=served.url).new_page()
    elsewhere: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto("/docs")
    spec = page.request.get("/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    _until(page, f"() => document.querySelectorAll('.opblock').length === {operations}")
    assert elsewhere == []
