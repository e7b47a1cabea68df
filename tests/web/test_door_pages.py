"""A household's consent act and a referral, recorded on the page at the door: each form's
own id (``client_id``), a form sent twice recording one act, the outbox's addresses
(``/consent/sync``, ``/refer/sync``), and which pages the phone keeps. The browser's side
is in ``test_offline_browser.py``."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.web.conftest import SignIn


@pytest.fixture
def jobs(programme: Engine, tmp_path: Path) -> Engine:
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(programme, "organisations", orgs)
    return programme


def _form_id(page: str) -> str:
    found = re.search(r'name="client_id" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _done(page: str) -> str:
    """What the page says of the act recorded, as a reader sees it."""
    found = re.search(r'<p class="done">(.*?)</p>', page, flags=re.S)
    assert found is not None, page
    return " ".join(html.unescape(found.group(1)).split())


#: The note of an act sent again, before the first answer's notes.
THEN = (
    "This act was recorded already, when first sent: nothing was recorded again. What it did "
    "then, as first answered:"
)
#: The note of an act sent again that was kept before its answer's figures were (0027).
IF_ANY = (
    "This act was recorded already, when first sent: nothing was recorded again, and the "
    "household's planned visits it took off, if any, were taken off then."
)


def _referrals(engine: Engine) -> int:
    return _count(engine, "SELECT COUNT(*) FROM referrals")


def _withdrawals(engine: Engine) -> int:
    """Consent acts recorded (each replaces the act in force, which goes to the history)."""
    return _count(engine, "SELECT COUNT(*) FROM consent_records")


@pytest.mark.parametrize("page", ["/consent", "/refer", "/referrals?household=H0"])
def test_each_drawn_form_carries_an_id_of_its_own(sign_in: SignIn, page: str) -> None:
    site = sign_in("v1")
    one, two = (_form_id(site.get(page).text) for _ in range(2))
    assert uuid.UUID(one).version == 4
    assert one != two


def test_a_consent_form_sent_twice_records_one_act(sign_in: SignIn, programme: Engine) -> None:
    site = sign_in("v1")
    cid = _form_id(site.get("/consent", params={"household": "H1"}).text)
    form = {"household": "H1", "state": "withdrawn", "evidence": "at the door", "client_id": cid}
    before = _withdrawals(programme)
    first = site.post("/consent", data=form)
    assert first.status_code == 200, first.text
    said, notes = _done(first.text).split("). ", 1)
    assert said.startswith("Recorded: household H1's consent is withdrawn")
    assert notes.startswith("1 household that no longer consents: ")
    again = site.post("/consent", data=form)
    assert again.status_code == 200, again.text
    # What the first page said, recorded already, its notes after a note that says so.
    assert _done(again.text) == f"Recorded already{said.removeprefix('Recorded')}). {THEN} {notes}"
    assert _withdrawals(programme) == before + 1
    # The page drawn after an act is recorded is a new form: a new id.
    assert _form_id(again.text) not in ("", cid)
    other = site.post("/consent", data=form | {"evidence": "a letter"})
    assert other.status_code == 409 and "a new act needs a new id" in other.text
    bad = site.post("/consent", data=form | {"client_id": "not-a-uuid"})
    assert bad.status_code == 422 and "client_id" in bad.text


def test_a_referral_form_sent_twice_makes_one_referral(sign_in: SignIn, jobs: Engine) -> None:
    site = sign_in("v1")
    for page, said in (("/refer", "/refer"), ("/referrals", "/referrals?household=H0")):
        cid = _form_id(site.get(said).text)
        form = {"household": "H0", "organisation": "JOBS", "service": "health", "client_id": cid}
        first = site.post(page, data=form)
        assert first.status_code == 200, first.text
        assert "referred to JOBS." in first.text
        again = site.post(page, data=form)
        assert again.status_code == 200, again.text
        assert "referred to JOBS already (sent again)." in again.text
    assert _referrals(jobs) == 2


def test_the_outbox_records_a_consent_act_once_however_often_it_is_sent(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1")
    act = {
        "client_id": str(uuid.uuid4()),
        "household": "H1",
        "state": "withdrawn",
        "evidence": "kept offline",
        "on": "2027-02-27",
    }
    before = _withdrawals(programme)
    sent = site.post("/consent/sync", json=act)
    assert sent.status_code == 200, sent.text
    assert (sent.json()["already"], sent.json()["since"]) == (False, "2027-02-27")
    again = site.post("/consent/sync", json=act)
    assert again.status_code == 200, again.text
    # Said again, the visits it took off are not counted again: the first notes are.
    assert sent.json()["notes"][0].startswith("1 household that no longer consents: ")
    assert again.json() == {**sent.json(), "already": True, "notes": [THEN, *sent.json()["notes"]]}
    # An act kept before migration 0027 kept no figures: its note says the visits it took
    # off, if any, were taken off then.
    with programme.begin() as conn:
        conn.execute(text("UPDATE consent_client_ids SET cancelled = NULL, cut = NULL"))
    kept = site.post("/consent/sync", json=act)
    assert kept.status_code == 200, kept.text
    assert kept.json() == {**sent.json(), "already": True, "notes": [IF_ANY]}
    assert _withdrawals(programme) == before + 1
    other = site.post("/consent/sync", json={**act, "on": "2027-02-28"})
    assert other.status_code == 409
    assert "a new act needs a new id" in other.json()["detail"]
    refused = sign_in("v2").post("/consent/sync", json={**act, "client_id": str(uuid.uuid4())})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert _withdrawals(programme) == before + 1


def test_the_outbox_makes_a_referral_once_however_often_it_is_sent(
    sign_in: SignIn, jobs: Engine
) -> None:
    site = sign_in("v1")
    referral = {
        "client_id": str(uuid.uuid4()),
        "household": "H0",
        "organisation": "JOBS",
        "service": "employment",
        "made_on": "2027-02-27",
    }
    sent = site.post("/refer/sync", json=referral)
    assert sent.status_code == 200, sent.text
    assert sent.json()["already"] is False
    again = site.post("/refer/sync", json=referral)
    assert again.json() == {**sent.json(), "already": True}
    assert _referrals(jobs) == 1
    other = site.post("/refer/sync", json={**referral, "service": "health"})
    assert other.status_code == 409
    assert "a new referral needs a new id" in other.json()["detail"]
    refused = sign_in("v2").post("/refer/sync", json={**referral, "client_id": str(uuid.uuid4())})
    assert refused.status_code == 403
    assert _referrals(jobs) == 1


@pytest.mark.parametrize("sync", ["/consent/sync", "/refer/sync"])
def test_the_outbox_is_told_to_sign_in_not_sent_the_sign_in_page(
    site: TestClient, programme: Engine, sync: str
) -> None:
    lapsed = site.post(sync, json={"household": "H0"})
    assert lapsed.status_code == 401
    assert "sign in again" in lapsed.json()["detail"]


def test_the_phone_keeps_the_forms_and_never_a_page_that_lists_people(
    site: TestClient, sign_in: SignIn, jobs: Engine
) -> None:
    worker = site.get("/sw.js").text
    kept = re.search(r"const KEPT = \[([^\]]*)\]", worker)
    assert kept is not None
    assert set(re.findall(r'"([^"]+)"', kept.group(1))) >= {"/record", "/consent", "/refer"}
    assert '"/referrals"' not in worker
    coord = sign_in("v1-coord")
    coord.post("/refer", data={"household": "H0", "organisation": "JOBS", "service": "health"})
    assert "<td>H0</td>" in coord.get("/referrals").text
    for page in ("/consent", "/refer"):
        drawn = coord.get(page).text
        assert re.findall(r"\bH\d+\b", drawn) == [], page  # no household named
        assert 'id="outbox"' in drawn and '<script src="/static/outbox.js"' in drawn
    assert 'data-sync="/consent/sync"' in coord.get("/consent").text
    assert 'data-sync="/refer/sync"' in coord.get("/refer").text
