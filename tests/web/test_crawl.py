"""Every link of the web app followed, for each kind of account, over a programme with rows
on every page (:func:`full_programme`): no link is broken (404) or fails (5xx), none that a
page offers an account is refused it (403), every file it downloads holds something, and
the walk writes no data (a page read is written to the trail, as every read is; nothing
else). The walk's rule is :mod:`tests.web.crawl`'s."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import activities, exclusions, pairing, projects
from doorstep.storage.session import unit_of_work
from doorstep.web.app import create_app
from tests.api.conftest import add_account
from tests.factories.db import import_teams, run_import, snapshot
from tests.factories.files import write_csv
from tests.factories.outcomes import INDICATOR_HEADER
from tests.factories.prebuilt import Prebuilt
from tests.factories.report import TODAY, small_programme
from tests.web import test_i18n
from tests.web.crawl import MOST, Walk, walk

#: The accounts, each of a kind: (role, scope).
ACCOUNTS = {
    "boss": ("manager", {}),
    "county": ("coordinator", {"area": "R-C"}),
    "village": ("coordinator", {"area": "R-C-V1"}),
    "v1": ("visitor", {"visitor": "V1"}),
}


def full_programme(engine: Engine, tmp_path: Path) -> None:
    """:func:`small_programme` (two villages, households pending and withdrawn, a committed
    pairing, a plan, visits made and missed, referrals), and what the other pages show: a
    team, indicators for two years (imported: the imports page has rows), an activity with
    attendance, a project benefiting a household, an exclusion, an open proposal."""
    small_programme(engine, tmp_path)
    import_teams(engine, tmp_path, "T1")
    rows = [["H1", 2025, 12_000, 0, ""], ["H1", 2026, 20_000, 1, "training"]]
    rows += [["H5", 2025, 7_000, 1, "health"]]
    run_import(engine, "indicators", write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows))
    with unit_of_work(engine) as s:
        activities.add_activity(
            s,
            "CAMP",
            kind="summer_camp",
            title="Camp",
            area="R-C-V1",
            starts_on=dt.date(2026, 3, 1),
            ends_on=None,
            organiser="JOBS",
            actor="test",
        )
        activities.attend(s, "CAMP", households=["H1", "H2"], visitors=["V1"], actor="test")
        projects.add_project(
            s,
            "WELL",
            title="A well",
            sponsor="JOBS",
            area="R-C",
            starts_on=dt.date(2026, 2, 1),
            ends_on=None,
            status="running",
            actor="test",
            today=TODAY,
        )
        projects.benefit(s, "WELL", households=["H1", "H5"], actor="test")
        exclusions.exclude(s, "H3", "V2", reason="family", actor="test", today=TODAY)
        # Open proposals: the village's, which its coordinator may open, then the region's,
        # the latest, which explains the village's households to accounts that may not.
        for area in ("R-C-V1", "R"):
            pairing.propose(s, area, params=PairingParams(), actor="test", today=TODAY)


@pytest.fixture
def crawled(engine: Engine, tmp_path: Path, prebuilt: Prebuilt, db_url: str) -> Iterator[Site]:
    prebuilt(engine, tmp_path, full_programme)
    tokens = {
        name: add_account(engine, name, role, **scope) for name, (role, scope) in ACCOUNTS.items()
    }
    app = create_app(db_url, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(client, tokens, engine)
    app.state.engine.dispose()


class Site:
    """The app over the programme, signed in as one account at a time."""

    def __init__(self, client: TestClient, tokens: dict[str, str], engine: Engine) -> None:
        self.client, self.tokens, self.engine = client, tokens, engine

    def walk_as(self, name: str, *, language: str | None = None) -> Walk:
        self.client.cookies.clear()
        r = self.client.post("/login", data={"token": self.tokens[name]})
        assert r.status_code == 303, r.text
        if language:
            self.client.get(f"/language/{language}", params={"back": "/"})
        return walk(self.client)


def _data(engine: Engine) -> dict[str, object]:
    """What the programme holds but the trail (a page read is recorded there)."""
    return {k: v for k, v in snapshot(engine).items() if k != "audit_events"}


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_link_an_account_is_offered_answers_and_writes_nothing(
    crawled: Site, account: str
) -> None:
    """Run with ``-s`` to see the route patterns the account's walk visited."""
    before = _data(crawled.engine)
    found = crawled.walk_as(account)
    print(f"\n{account}: {len(found.fetched)} links; route patterns (links followed):")
    print("\n".join(f"  {p} ({n})" for p, n in sorted(found.patterns.items())))
    assert len(found.fetched) < MOST, "the walk stopped at its bound: some links unfollowed"
    assert found.with_status(lambda s: s == 404 or s >= 500) == [], "broken or failing"
    assert found.with_status(lambda s: s == 403) == [], "offered, then refused"
    assert {link: n for link, n in found.files.items() if n == 0} == {}, "empty files"
    assert found.files, "no file downloaded: the walk missed the exports"
    assert _data(crawled.engine) == before, "a GET wrote data"
    assert len(found.pages) > 20


def _without_code(page: str) -> str:
    """The page without what is kept as typed in every language: ``<code>`` (a command, an
    entity's name, an event as stored), a command quoted in backticks, and a code a file
    holds glossed by its meaning (``planned（已计划）``)."""
    page = re.sub(r"<code\b.*?</code>", " ", page, flags=re.S)
    return re.sub(r"[A-Za-z_]+（", "（", re.sub(r"`[^`<]*`", " ", page))


def test_every_page_the_manager_reaches_in_chinese_is_in_chinese(crawled: Site) -> None:
    """test_i18n's check (no English word left outside names and codes) on each page."""
    found = crawled.walk_as("boss", language="zh-Hans")
    assert found.with_status(lambda s: s == 404 or s >= 500) == []
    left = {}
    for link, page in found.pages.items():
        try:
            test_i18n._chinese(_without_code(page))
        except AssertionError as e:
            left[link] = str(e).splitlines()[0]
    assert left == {}
    assert len(found.pages) > 20


def test_no_page_a_field_visitor_reaches_names_a_command_line_command(crawled: Site) -> None:
    """A visitor's account has the pages and a phone, not the command line: no page, form
    or sign-in hint it meets tells it to run ``doorstep ...``."""
    found = crawled.walk_as("v1")
    crawled.client.cookies.clear()
    found.pages["/login"] = crawled.client.get("/login").text
    named = {
        url: sorted(set(re.findall(r"doorstep [a-z]+(?: [a-z]+)?", html.unescape(page))))
        for url, page in found.pages.items()
    }
    assert {url: commands for url, commands in named.items() if commands} == {}
