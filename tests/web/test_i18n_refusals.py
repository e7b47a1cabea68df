"""What the services say on a Chinese page: a refusal of a visit, a consent act or a
referral, and a consent act's note on the visits it cancelled, in Chinese on the page and
in the JSON the phone's outbox shows; on an English page, at the API and at the command
line, the English they always said, byte for byte."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.web import i18n
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH, _chinese, _words


@pytest.fixture
def jobs(programme: Engine, tmp_path: Path) -> Engine:
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(programme, "organisations", orgs)
    return programme


def _shown(page: str) -> str:
    """The page's text as a reader sees it (quotes unescaped)."""
    return " ".join(_words(page).split())


def test_a_visit_refused_is_said_in_chinese_on_a_chinese_page_and_as_ever_on_an_english_one(
    sign_in: SignIn, tokens: dict[str, str], first_visit: tuple[dt.date, dt.date]
) -> None:
    # V2's account records a visit of V2 to H0, a household V2 is not paired with.
    day = first_visit[0].isoformat()
    form = {"household": "H0", "visitor": "V2", "start": day, "visit_id": str(uuid.uuid4())}
    site = sign_in("v2")
    chinese = site.post("/record", data=form, headers=ZH)
    assert chinese.status_code == 409, chinese.text
    assert (
        f"无法登记帮扶人 V2 自 {day} 起对农户 H0 的走访：该农户并非在走访的每一天都与该帮扶人结对"
        in _shown(chinese.text)
    )
    _chinese(chinese.text)
    english = site.post("/record", data=form)
    said = (
        f"cannot record the visit of V2 to H0 from {day}: the household is not paired with "
        "this visitor on every day of the visit"
    )
    assert english.status_code == 409 and said in _shown(english.text)
    # The API says it in English, whatever language the caller's header asks for.
    api = site.post(
        "/api/v1/visits",
        json=form,
        headers={**ZH, "Authorization": f"Bearer {tokens['v2']}"},
    )
    assert (api.status_code, api.json()["detail"]) == (409, said)


def test_a_consent_act_refused_is_said_in_chinese_its_state_by_its_label(
    sign_in: SignIn,
) -> None:
    site = sign_in("v1")
    act = {"household": "H0", "state": "given", "evidence": "signed form"}
    chinese = site.post("/consent", data=act, headers=ZH)
    assert chinese.status_code == 409, chinese.text
    shown = _shown(chinese.text)
    assert "农户 H0 的知情同意状态" in shown and "已经是“已同意”" in shown, shown
    _chinese(chinese.text)
    english = site.post("/consent", data=act)
    assert "household H0's consent is given already" in _shown(english.text)
    # Another visitor's household: the access check's refusal.
    other = sign_in("v2").post("/consent", data=act, headers=ZH)
    assert other.status_code == 403
    assert "账户 v2 只能登记帮扶人 V2 所结对农户的知情同意，而 H0 今天不在其中" in _shown(
        other.text
    )


def test_a_consent_act_s_note_on_the_visits_it_cancels_is_in_the_page_s_language(
    sign_in: SignIn, tokens: dict[str, str]
) -> None:
    site = sign_in("v1")
    act = {"state": "withdrawn", "evidence": "a call"}
    page = site.post("/consent", data={**act, "household": "H0"}, headers=ZH)
    assert page.status_code == 200, page.text
    assert "1 户农户不再知情同意：已取消" in _shown(page.text)
    assert "其结对在该地区下次确认结对时结束" in _shown(page.text)
    _chinese(page.text)
    synced = site.post("/consent/sync", json={**act, "household": "H1"}, headers=ZH)
    assert synced.status_code == 200, synced.text
    assert synced.json()["notes"][0].startswith("1 户农户不再知情同意：已取消")
    api = site.post(
        "/api/v1/households/H2/consent",
        json=act,
        headers={**ZH, "Authorization": f"Bearer {tokens['v1']}"},
    )
    assert api.status_code == 200, api.text
    assert api.json()["notes"][0].startswith("1 household that no longer consents: ")


def test_a_consent_act_sent_again_says_its_first_notes_again_in_the_page_s_language(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1")
    act = {"household": "H0", "state": "withdrawn", "evidence": "a call"}
    form = {**act, "client_id": str(uuid.uuid4())}
    first = site.post("/consent", data=form, headers=ZH)
    assert first.status_code == 200, first.text
    said, notes = _done(first.text).split("）。 ", 1)
    assert said.startswith("已登记：农户 H0 ") and notes.startswith("1 户农户不再知情同意：已取消")
    again = site.post("/consent", data=form, headers=ZH)
    assert again.status_code == 200, again.text
    # What the first page said, recorded already, its notes after a note that says so.
    assert _done(again.text) == (
        f"此前已登记{said.removeprefix('已登记')}）。 "
        f"该知情同意记录已在首次发送时登记：此次未重复登记。当时所做的处理（按首次答复）： {notes}"
    )
    _chinese(again.text)
    synced = site.post("/consent/sync", json=form, headers=ZH)
    assert synced.status_code == 200, synced.text
    assert synced.json()["notes"][1:] == [notes]
    # An act kept before migration 0027 kept no figures: the note it had, in Chinese too.
    with programme.begin() as conn:
        conn.execute(text("UPDATE consent_client_ids SET cancelled = NULL, cut = NULL"))
    kept = site.post("/consent", data=form, headers=ZH)
    assert kept.status_code == 200, kept.text
    assert _done(kept.text) == (
        f"此前已登记{said.removeprefix('已登记')}）。 该知情同意记录已在首次发送时登记：此次未"
        "重复登记；它取消的农户已计划走访（如有）已在当时取消。"
    )
    _chinese(kept.text)


def _done(page: str) -> str:
    """What the page says of the act recorded (its ``done`` line), as a reader sees it."""
    found = re.search(r'<p class="done">(.*?)</p>', page, flags=re.S)
    assert found is not None, page
    return " ".join(html.unescape(found.group(1)).split())


def test_a_referral_refused_is_said_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("v1")
    refer = {"household": "H0", "organisation": "NOPE", "service": "employment"}
    chinese = site.post("/refer", data=refer, headers=ZH)
    assert chinese.status_code == 404, chinese.text
    assert "没有代码为 'NOPE' 的机构（可通过在“导入”页面导入机构文件添加）" in _shown(chinese.text)
    _chinese(chinese.text)
    english = site.post("/refer", data=refer)
    assert (
        "no organisation with code 'NOPE' (an import of organisations on the Import page adds "
        "them)" in _shown(english.text)
    )
    listed = site.post("/referrals", data=refer, headers=ZH)  # the referrals page's form
    assert "没有代码为 'NOPE' 的机构" in _shown(listed.text)


def test_a_referral_moved_on_refused_is_said_in_chinese_its_statuses_by_their_labels(
    sign_in: SignIn, jobs: Engine
) -> None:
    made = sign_in("v1").post(
        "/refer/sync", json={"household": "H0", "organisation": "JOBS", "service": "employment"}
    )
    assert made.status_code == 200, made.text
    number = made.json()["id"]
    coord = sign_in("v1-coord")
    done = coord.post("/referrals/status", data={"number": number, "status": "completed"})
    assert done.status_code == 200, done.text
    again = {"number": number, "status": "accepted"}
    chinese = coord.post("/referrals/status", data=again, headers=ZH)
    assert chinese.status_code == 409
    assert f"转介 {number} 已最终为“已完成”：不能再变为“已受理”" in _shown(chinese.text)
    _chinese(chinese.text)
    english = coord.post("/referrals/status", data=again)
    said = f"referral {number} is completed for good: it cannot become accepted"
    assert said in _shown(english.text)


@pytest.mark.parametrize(
    ("path", "sent", "chinese", "english"),
    [
        (
            "/record/sync",
            {"household": "H0", "visitor": "V1", "start": "2027-02-01"},
            "账户 v2 只能登记帮扶人 V2 的走访",
            "account v2 records the visits of visitor V2 only",
        ),
        (
            "/record/missed/sync",
            {"household": "H0", "visitor": "V1", "start": "2027-02-01"},
            "账户 v2 只能登记帮扶人 V2 的走访",
            "account v2 records the visits of visitor V2 only",
        ),
        (
            "/consent/sync",
            {"household": "H0", "state": "withdrawn", "evidence": "a call"},
            "账户 v2 只能登记帮扶人 V2 所结对农户的知情同意，而 H0 今天不在其中",
            "account v2 records the consent of visitor V2's households only, and H0 is not "
            "one of them today",
        ),
        (
            "/refer/sync",
            {"household": "H0", "organisation": "JOBS", "service": "employment"},
            "账户 v2 只能管理帮扶人 V2 所结对农户的转介，而 H0 今天不在其中",
            "account v2 keeps the referrals of visitor V2's households only, and H0 is not "
            "one of them today",
        ),
    ],
)
def test_a_sync_address_answers_the_outbox_in_the_page_s_language(
    sign_in: SignIn, path: str, sent: dict[str, str], chinese: str, english: str
) -> None:
    site = sign_in("v2")
    refused = site.post(path, json=sent, headers=ZH)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["content-language"] == "zh-Hans"
    assert refused.json() == {"title": "NotPermitted", "status": 403, "detail": chinese}
    assert site.post(path, json=sent).json()["detail"] == english
    site.cookies.set(i18n.COOKIE, "zh-Hans")  # the switch's cookie, no header
    assert site.post(path, json=sent).json()["detail"] == chinese


def test_the_api_answers_in_english_whatever_language_is_asked_for(
    site: TestClient, tokens: dict[str, str]
) -> None:
    site.cookies.set(i18n.COOKIE, "zh-Hans")
    refused = site.post(
        "/api/v1/visits",
        json={"household": "H0", "visitor": "V1", "start": "2027-02-01"},
        headers={**ZH, "Authorization": f"Bearer {tokens['v2']}"},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "account v2 records the visits of visitor V2 only"
    assert "content-language" not in refused.headers
