"""A field visitor records a visit with no network, in a real browser (Chromium, driven by
Playwright), against the site served for real: the server is stopped (the network gone),
the form still opens (the service worker's copy), the visit waits in the page's outbox,
and once the server is back it is recorded, once, however often it is sent. So are a
household's consent act and a referral, made on their own forms (/consent, /refer)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, text

from doorstep.web.app import create_app
from tests.api.conftest import TODAY
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.web.live import CHROMIUM_ARGS, LiveSite, chromium_or_skip, serving
from tests.web.test_record_pages import _codes, _done_visits, _statuses

OUTBOX = "doorstep.outbox.v1"


@pytest.fixture
def browser() -> Iterator[Browser]:
    path = chromium_or_skip()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live(programme: Engine, db_url: str) -> Iterator[LiveSite]:
    with serving(create_app(db_url, today=lambda: TODAY)) as site:
        yield site


def _until(page: Page, script: str, seconds: float = 20) -> Any:
    """Evaluate ``script`` (a function, maybe async) until it gives something true."""
    deadline = time.monotonic() + seconds
    while True:
        got = page.evaluate(script)
        if got or time.monotonic() > deadline:
            assert got, f"not true within {seconds} s: {script}"
            return got
        time.sleep(0.1)


def _signed_in(browser: Browser, live: LiveSite, token: str) -> Page:
    page = browser.new_context(base_url=live.url).new_page()
    page.goto("/login")
    page.fill("#token", token)
    page.click("button:text('Sign in')")
    page.wait_for_url(f"{live.url}/")
    return page


def test_a_visit_recorded_with_no_network_is_recorded_once_when_it_is_back(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    first_visit: tuple[dt.date, dt.date],
) -> None:
    page = _signed_in(browser, live, tokens["v1"])
    page.goto("/record")
    # The worker installs from any signed-in page and keeps the form.
    _until(page, "async () => !!(await caches.match('/record'))")

    live.stop()  # no network
    page.goto("/record")
    assert page.inner_text("h1") == "Record a visit made"
    # The phone's copy lists the visitor's households as they were when it was kept.
    assert page.locator("#mine tbody tr").count() == 3
    page.click("#mine a[href='/record?household=H0']")
    page.wait_for_url(f"{live.url}/record?household=H0")
    assert page.input_value("#household") == "H0"
    assert page.input_value("#visitor") == "V1"
    page.fill("#start", first_visit[0].isoformat())
    page.fill("#end", first_visit[1].isoformat())
    page.fill("#note", "no signal in the valley")
    page.check("input[name=activity][value=job_search]")
    page.check("input[name=outcome][value=referral_made]")
    page.click("#record")
    page.wait_for_selector("#said p.note")
    assert "kept on this phone" in page.inner_text("#said")
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('{OUTBOX}'))")
    assert [(v["household"], v["visitor"], v["start"]) for v in kept] == [
        ("H0", "V1", first_visit[0].isoformat())
    ]
    assert page.locator("#outbox-rows tr").count() == 1
    assert page.input_value("#household") == ""  # a new form for the next visit
    assert page.input_value("#visit_id") != kept[0]["visit_id"]
    page.click("#send-now")  # still no network: nothing lost
    _until(page, "() => document.getElementById('outbox-said').textContent.includes('waiting')")
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{OUTBOX}')).length") == 1
    assert _done_visits(programme) == []

    live.start()  # the network is back
    page.click("#send-now")
    _until(page, "() => document.getElementById('outbox').hidden")
    assert "Sent 1 kept visit." in page.inner_text("#said")
    assert _done_visits(programme) == [("H0", kept[0]["visit_id"])]
    assert _codes(programme) == [("job_search", "referral_made")]
    assert "Did: job search" not in page.inner_text("#said")  # the kept one's summary
    assert not page.is_checked("input[name=activity][value=job_search]")

    # Its answer lost, the phone sends it again: it is recorded once.
    page.evaluate(f"(v) => localStorage.setItem('{OUTBOX}', JSON.stringify(v))", kept)
    page.reload()  # the page sends what waits when it opens
    _until(page, "() => document.getElementById('outbox').hidden")
    assert _done_visits(programme) == [("H0", kept[0]["visit_id"])]


def test_a_kept_visit_doorstep_refuses_is_listed_with_why_not_lost(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    first_visit: tuple[dt.date, dt.date],
) -> None:
    page = _signed_in(browser, live, tokens["v2"])
    page.goto("/record")
    # Kept while offline, for a visitor this account does not record for.
    visit = {
        "visit_id": "0f6b4a53-8f52-4d0e-9c1c-3b1f3f0c2a10",
        "household": "H0",
        "visitor": "V1",
        "start": first_visit[0].isoformat(),
        "end": "",
        "note": "",
        "kept_at": "yesterday",
    }
    page.evaluate(f"(v) => localStorage.setItem('{OUTBOX}', JSON.stringify([v]))", visit)
    page.reload()  # the page sends what waits when it opens
    _until(page, "() => !document.getElementById('refused').hidden")
    assert page.locator("#outbox").is_hidden()
    row = page.inner_text("#refused-rows")
    assert "H0" in row
    assert "records the visits of visitor V2 only" in row
    assert _done_visits(programme) == []
    page.click("#refused-rows button:text('Remove')")
    assert page.locator("#refused").is_hidden()


def test_signing_out_warns_of_visits_not_sent_and_forgets_the_form(
    browser: Browser, live: LiveSite, tokens: dict[str, str]
) -> None:
    page = _signed_in(browser, live, tokens["v1"])
    page.goto("/record")
    _until(page, "async () => !!(await caches.match('/record'))")
    page.evaluate(f"() => localStorage.setItem('{OUTBOX}', JSON.stringify([{{}}]))")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        if len(asked) == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", answer)
    page.click("button:text('Sign out')")
    time.sleep(0.5)
    assert page.url == f"{live.url}/record"  # declined: still signed in
    page.click("button:text('Sign out')")
    page.wait_for_url(f"{live.url}/login")
    assert "1 visit is kept on this phone and not sent yet" in asked[0]
    assert page.evaluate("async () => !(await caches.match('/record'))")
    # The visit stays on the phone for whoever signs in next.
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{OUTBOX}')).length") == 1


def test_a_visit_not_made_marked_with_no_network_is_marked_when_it_is_back(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    first_visit: tuple[dt.date, dt.date],
) -> None:
    page = _signed_in(browser, live, tokens["v1"])
    page.goto("/record")
    _until(page, "async () => !!(await caches.match('/record'))")
    row = f"#gone-by form.missed:has(input[name=start][value='{first_visit[0]}'])"
    assert page.locator(row).count() == 1

    live.stop()
    page.goto("/record")
    page.click(f"{row} button")
    page.wait_for_selector("#said p.note")
    assert "kept on this phone as not made" in page.inner_text("#said")
    assert page.inner_text(f"{row} button") == "Not made (kept)"
    assert page.inner_text("#outbox-rows").count("not made") == 1
    assert _statuses(programme, "H0", first_visit[0]) == ["planned"]

    live.start()
    page.click("#send-now")
    _until(page, "() => document.getElementById('outbox').hidden")
    assert _statuses(programme, "H0", first_visit[0]) == ["missed"]
    assert page.locator(row).count() == 0


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_a_consent_act_and_a_referral_made_with_no_network_are_recorded_once_when_it_is_back(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    tmp_path: Path,
) -> None:
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(programme, "organisations", orgs)
    page = _signed_in(browser, live, tokens["v1"])
    # The worker keeps both forms from any signed-in page; never the referrals page.
    _until(
        page, "async () => !!(await caches.match('/consent')) && !!(await caches.match('/refer'))"
    )
    assert page.evaluate("async () => !(await caches.match('/referrals'))")
    acts_before = _count(programme, "SELECT COUNT(*) FROM consent_records")

    live.stop()  # no network
    page.goto("/consent?household=H1")
    assert page.inner_text("h1") == "Record a household's consent"
    assert page.input_value("#household") == "H1"
    page.select_option("#state", "withdrawn")
    page.fill("#evidence", "told V1 at the door")
    page.click("#send")
    page.wait_for_selector("#said p.note")
    assert "the consent act of H1 is kept on this phone" in page.inner_text("#said")
    page.goto("/refer")
    assert page.inner_text("h1") == "Refer a household"
    page.fill("#household", "H0")
    page.fill("#organisation", "JOBS")
    page.select_option("#service", "employment")
    page.click("#send")
    page.wait_for_selector("#said p.note")
    assert "the referral of H0 to JOBS is kept on this phone" in page.inner_text("#said")
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('{OUTBOX}'))")
    assert [(k["kind"], k["household"], k["url"]) for k in kept] == [
        ("consent", "H1", "/consent/sync"),
        ("referral", "H0", "/refer/sync"),
    ]
    # Each kept with the phone's today, the day it was made.
    assert kept[0]["on"] and kept[0]["on"] == kept[1]["made_on"]
    assert page.locator("#outbox-rows tr").count() == 2
    assert page.input_value("#client_id") not in ("", kept[1]["client_id"])
    assert _count(programme, "SELECT COUNT(*) FROM referrals") == 0

    live.start()  # the network is back
    page.click("#send-now")
    _until(page, "() => document.getElementById('outbox').hidden")
    assert "Sent 2 kept: 1 consent act and 1 referral." in page.inner_text("#said")
    referrals = "SELECT COUNT(*) FROM referrals"
    assert _count(programme, referrals) == 1
    with programme.connect() as conn:
        ids = conn.execute(text("SELECT client_id FROM referrals")).scalars().all()
    assert ids == [kept[1]["client_id"]]
    assert _count(programme, "SELECT COUNT(*) FROM consent_records") == acts_before + 1
    with programme.connect() as conn:
        state = conn.execute(
            text("SELECT consent_state FROM households WHERE external_id = 'H1'")
        ).scalar_one()
    assert state == "withdrawn"

    # Their answers lost, the phone sends them again: each is recorded once.
    page.evaluate(f"(v) => localStorage.setItem('{OUTBOX}', JSON.stringify(v))", kept)
    page.reload()  # the page sends what waits when it opens
    _until(page, "() => document.getElementById('outbox').hidden")
    assert page.locator("#refused").is_hidden()
    assert _count(programme, referrals) == 1
    assert _count(programme, "SELECT COUNT(*) FROM consent_records") == acts_before + 1


def test_signing_out_counts_every_kind_of_act_waiting(
    browser: Browser, live: LiveSite, tokens: dict[str, str]
) -> None:
    page = _signed_in(browser, live, tokens["v1"])
    waiting = [
        {},
        {"kind": "missed"},
        {"kind": "consent"},
        {"kind": "referral"},
        {"kind": "referral"},
    ]
    page.evaluate(f"(v) => localStorage.setItem('{OUTBOX}', JSON.stringify(v))", waiting)
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.click("button:text('Sign out')")
    time.sleep(0.5)
    assert asked and asked[0].startswith(
        "1 visit, 1 visit not made, 1 consent act and 2 referrals are kept on this phone"
    )


def test_a_chinese_phone_records_a_visit_with_no_network_and_its_outbox_speaks_chinese(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    first_visit: tuple[dt.date, dt.date],
) -> None:
    # A browser set to Chinese asks for it (Accept-Language: zh-CN).
    page = browser.new_context(base_url=live.url, locale="zh-CN").new_page()
    page.goto("/login")
    assert page.inner_text("h1") == "登录"
    page.fill("#token", tokens["v1"])
    page.click("form.stack button")
    page.wait_for_url(f"{live.url}/")
    page.goto("/record")
    _until(page, "async () => !!(await caches.match('/record'))")

    live.stop()  # no network: the phone's copy, in Chinese
    page.goto("/record?household=H0")
    assert page.inner_text("h1") == "登记已完成的走访"
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.fill("#start", first_visit[0].isoformat())
    page.check("input[name=activity][value=job_search]")
    page.click("#record")
    page.wait_for_selector("#said p.note")
    assert page.inner_text("#said") == "无网络：对 H0 的走访已保存在本机，网络恢复后发送。"
    assert "走访" in page.inner_text("#outbox-rows")
    assert page.inner_text("#outbox h2") == "已保存在本机，尚未发送"
    page.click("#send-now")
    _until(page, "() => document.getElementById('outbox-said').textContent.includes('等待网络')")

    live.start()
    page.click("#send-now")
    _until(page, "() => document.getElementById('outbox').hidden")
    assert "已发送保存的 1 次走访。" in page.inner_text("#said")
    assert len(_done_visits(programme)) == 1


def test_a_chinese_phone_lists_a_kept_visit_doorstep_refuses_with_why_in_chinese(
    browser: Browser,
    live: LiveSite,
    programme: Engine,
    tokens: dict[str, str],
    first_visit: tuple[dt.date, dt.date],
) -> None:
    page = browser.new_context(base_url=live.url, locale="zh-CN").new_page()
    page.goto("/login")
    page.fill("#token", tokens["v2"])
    page.click("form.stack button")
    page.wait_for_url(f"{live.url}/")
    page.goto("/record")
    # Kept while offline, for a visitor this account does not record for.
    visit = {
        "visit_id": "5a0d7c1e-2b7f-4f61-8a55-0c9e1d2f3b4a",
        "household": "H0",
        "visitor": "V1",
        "start": first_visit[0].isoformat(),
        "end": "",
        "note": "",
        "kept_at": "yesterday",
    }
    page.evaluate(f"(v) => localStorage.setItem('{OUTBOX}', JSON.stringify([v]))", visit)
    page.reload()  # the page sends what waits when it opens
    _until(page, "() => !document.getElementById('refused').hidden")
    assert "账户 v2 只能登记帮扶人 V2 的走访" in page.inner_text("#refused-rows")
    assert _done_visits(programme) == []
