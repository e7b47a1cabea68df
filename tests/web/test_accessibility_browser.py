"""The pages checked for accessibility in a real browser (Chromium, driven by Playwright):
axe-core (``axe-playwright-python``'s copy) runs its WCAG 2 A and AA rules on every page a
manager, a coordinator and a field visitor reach from the menu, a household's and a
visitor's file, a proposal, an explanation, a refusal and the sign-in page, in English and
in Chinese; no page may break a rule axe rates serious or critical (a screen reader's
reader misses a box's name, a link's purpose, a table's headers; a faint grey is unread).
SQLite only: the pages' markup is the same over either database."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from doorstep.web.app import create_app
from tests.api.conftest import add_account
from tests.factories.prebuilt import Prebuilt
from tests.factories.report import TODAY
from tests.web.live import LiveSite, serving
from tests.web.test_crawl import full_programme
from tests.web.test_offline_browser import _signed_in, browser

__all__ = ["browser"]

#: The accounts checked, each of a kind: (role, scope).
ACCOUNTS = {
    "boss": ("manager", {}),
    "county": ("coordinator", {"area": "R-C"}),
    "v1": ("visitor", {"visitor": "V1"}),
}
#: Pages not in the menu, for each account: a household's and a visitor's file, an
#: explanation of a pairing.
EXTRA = {
    "boss": ["/files/household?id=H1", "/files/visitor?id=V1", "/pairing/explain?household=H1"],
    "county": ["/files/household?id=H1", "/files/visitor?id=V1"],
    "v1": ["/files/household?id=H1", "/files/visitor?id=V1"],
}
#: A page each account is refused (403): the refusal's page.
REFUSED = {"county": "/accounts", "v1": "/audit"}
#: A field visitor's phone (CSS pixels): the menu wraps, and its links must stay apart.
PHONE = {"width": 390, "height": 844}
#: axe's rules of WCAG 2.0, 2.1 and 2.2, levels A and AA.
RULES = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}
BLOCKING = ("serious", "critical")

AXE = Axe()


@pytest.fixture
def site(
    engine: Engine, tmp_path: Path, prebuilt: Prebuilt, db_url: str
) -> Iterator[tuple[LiveSite, dict[str, str]]]:
    """The site over :func:`full_programme` (a row on every page), with its accounts."""
    prebuilt(engine, tmp_path, full_programme)
    tokens = {
        name: add_account(engine, name, role, **scope) for name, (role, scope) in ACCOUNTS.items()
    }
    with serving(create_app(db_url, today=lambda: TODAY)) as live:
        yield live, tokens


def _violations(page: Page, link: str, status: int = 200) -> list[str]:
    """The serious and critical violations of the page at ``link`` (answered ``status``),
    one line each element."""
    answer = page.goto(link)
    assert answer is not None and answer.status == status, link
    found = AXE.run(page, options=RULES).response["violations"]
    lang = page.evaluate("document.documentElement.lang")
    return [
        f"{link} [{lang}]: {v['id']} ({v['impact']}) {' '.join(map(str, node['target']))}"
        for v in found
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


def _menu(page: Page) -> list[str]:
    """The pages the menu and the home page's list link to."""
    page.goto("/")
    hrefs: list[str] = page.eval_on_selector_all(
        "header a[href^='/']:not([href^='/language/']), main a[href^='/']",
        "(links) => links.map((a) => a.getAttribute('href'))",
    )
    # Not the files it links to (the visitor's calendar): axe reads pages.
    return [h for h in dict.fromkeys(hrefs) if not re.search(r"\.[a-z]+$", h.split("?")[0])]


def _proposal(page: Page) -> list[str]:
    """The first proposal the pairing page links to, if the account may open it."""
    page.goto("/pairing")
    hrefs: list[str] = page.eval_on_selector_all(
        "main a[href^='/pairing/']", "(links) => links.map((a) => a.getAttribute('href'))"
    )
    return [h for h in hrefs if re.fullmatch(r"/pairing/\d+", h)][:1]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_no_page_an_account_reaches_breaks_a_serious_accessibility_rule(
    browser: Browser, site: tuple[LiveSite, dict[str, str]], account: str
) -> None:
    live, tokens = site
    page = _signed_in(browser, live, tokens[account])
    if ACCOUNTS[account][0] == "visitor":
        page.set_viewport_size(PHONE)
    links = _menu(page) + EXTRA[account]
    if ACCOUNTS[account][0] != "visitor":
        links += _proposal(page)
    found: list[str] = []
    for language in ("en", "zh-Hans"):
        page.goto(f"/language/{language}?back=/")
        for link in links:
            found += _violations(page, link)
        if account in REFUSED:
            found += _violations(page, REFUSED[account], 403)
    if account == "boss":  # the sign-in page, signed out
        page.context.clear_cookies()
        for language in ("en", "zh-Hans"):
            page.goto(f"/language/{language}?back=/login")
            found += _violations(page, "/login")
    rules = Counter(line.split("]: ")[1].split()[0] for line in found)
    assert found == [], f"{len(found)} violations {dict(rules)}:\n" + "\n".join(found)
