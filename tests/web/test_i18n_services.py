"""The other services' refusals and lines, on a Chinese page: a work list's cursor, a
file's cadence and the audit trail's days refused, the referral list's status unknown, a
visit's unknown code and a lapsed sign-in at the outbox's sync address, an erasure not
confirmed or of a visitor who still looks after households, a pairing's distance refused
by the engine, and the status of a household whose visitor left, on the work list and the
case file: each in Chinese on a Chinese page, and in the English it always had on an
English one and at the API."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.services import visitor_days
from doorstep.storage.session import unit_of_work
from doorstep.web import i18n
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH, _chinese
from tests.web.test_i18n_refusals import _shown


def test_a_work_list_s_cursor_of_nowhere_is_refused_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("v1-coord")
    chinese = site.get("/lists/overdue?after=zz", headers=ZH)
    assert chinese.status_code == 422, chinese.text
    assert (
        "after：'zz' 不是“逾期”列表中的位置：请按原样发送某一页给出的 next，或在第一页不发送 after"
        in _shown(chinese.text)
    )
    _chinese(chinese.text)
    english = site.get("/lists/overdue?after=zz")
    said = (
        "after: 'zz' is not a place in the overdue list: send a page's next as it came, or no "
        "after for the first page"
    )
    assert said in _shown(english.text)


def test_a_file_s_days_between_visits_are_refused_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("v1-coord")
    chinese = site.get("/files/household?id=H0&max_gap_days=abc", headers=ZH)
    assert chinese.status_code == 422
    assert "请检查 max_gap_days：'abc' 不是整数" in _shown(chinese.text)
    many = site.get("/files/visitor?id=V1&max_gap_days=0", headers=ZH)
    assert "请检查 max_gap_days：应为 1 到 3660 天，而不是 0" in _shown(many.text), many.text
    english = site.get("/files/household?id=H0&max_gap_days=abc")
    assert "check max_gap_days: 'abc' is not a whole number" in _shown(english.text)


@pytest.mark.parametrize(
    ("asked", "chinese", "english"),
    [
        (
            "since=2027-03-01&until=2027-02-01",
            "最后一天（2027-02-01）早于第一天（2027-03-01）",
            "the last day (2027-02-01) is before the first (2027-03-01)",
        ),
        ("since=1%20March", "since 不是日期（YYYY-MM-DD）：'1 March'", "since is not a day"),
        ("action=dance", "没有记录 'dance' 的审计事件：请给出 read", "no event records 'dance'"),
    ],
)
def test_the_audit_trail_s_filters_are_refused_in_chinese(
    sign_in: SignIn, asked: str, chinese: str, english: str
) -> None:
    site = sign_in("boss")
    page = site.get(f"/audit?{asked}", headers=ZH)
    assert page.status_code == 422, page.text
    assert chinese in _shown(page.text)
    assert english in _shown(site.get(f"/audit?{asked}").text)


def test_the_referral_list_s_unknown_status_is_refused_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("v1-coord")
    chinese = site.get("/referrals?status=lost", headers=ZH)
    assert chinese.status_code == 422
    assert "没有转介状态 'lost'" in _shown(chinese.text)
    assert "no referral status 'lost'" in _shown(site.get("/referrals?status=lost").text)


def test_a_visit_s_unknown_codes_are_refused_in_chinese_at_the_outbox_s_address(
    sign_in: SignIn, tokens: dict[str, str]
) -> None:
    site = sign_in("v1")
    visit = {"household": "H2", "visitor": "V1", "start": "2027-02-01"}
    activity = site.post("/record/sync", json={**visit, "activities": ["dance"]}, headers=ZH)
    assert activity.status_code == 422, activity.text
    assert activity.json()["detail"].startswith(
        "未知的走访内容代码 'dance'；请使用以下之一：job_search, "
    )
    alone = {**visit, "outcomes": ["none", "job_found"]}
    outcome = site.post("/record/sync", json=alone, headers=ZH)
    assert outcome.json()["detail"] == "走访成效代码 'none' 表示尚无成效：请单独填写"
    english = site.post("/record/sync", json=alone)
    assert english.json()["detail"] == "outcome code 'none' says there is none: give it alone"
    api = site.post(
        "/api/v1/visits",
        json=alone,
        headers={**ZH, "Authorization": f"Bearer {tokens['v1']}"},
    )
    assert api.json()["detail"] == "outcome code 'none' says there is none: give it alone"


def test_a_lapsed_sign_in_is_told_in_chinese_at_the_outbox_s_address(site: TestClient) -> None:
    site.cookies.clear()
    visit = {"household": "H0", "visitor": "V1", "start": "2027-02-01"}
    chinese = site.post("/record/sync", json=visit, headers=ZH)
    assert chinese.status_code == 401
    assert chinese.json()["detail"] == "未登录：请重新登录，保存在本机的走访随后会发送"
    site.cookies.set(i18n.COOKIE, "en")
    english = site.post("/refer/sync", json={"household": "H0"})
    said = "not signed in: sign in again, and the visits kept on this phone are sent"
    assert (english.status_code, english.json()["detail"]) == (401, said)


def test_an_erasure_refused_is_said_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("boss")
    typo = site.post("/visitor/erase", data={"id": "V2", "confirm": "V1"}, headers=ZH)
    assert typo.status_code == 422
    assert "删除 V2 后无法恢复：如确认删除，请在 confirm 中填写其编号（V2）" in _shown(typo.text)
    _chinese(typo.text)
    busy = site.post("/visitor/erase", data={"id": "V1", "confirm": "V1"}, headers=ZH)
    assert busy.status_code == 409
    assert "帮扶人 V1 仍负责农户：当前有 3 个结对" in _shown(busy.text), busy.text
    english = site.post("/visitor/erase", data={"id": "V1", "confirm": "V1"})
    assert "visitor V1 still looks after households: 3 current pairing(s)" in _shown(english.text)


def test_the_engine_s_refusal_of_a_pairing_s_distance_is_said_in_chinese(
    sign_in: SignIn,
) -> None:
    site = sign_in("v1-coord")
    form = {"area": "R-C-V1", "max_km": "0"}
    chinese = site.post("/pairing", data=form, headers=ZH)
    assert chinese.status_code == 422, chinese.text
    assert "max_km 必须是正数，而不是 0.0" in _shown(chinese.text)
    english = site.post("/pairing", data={**form, "keep_km": "-1", "max_km": "30"})
    assert "keep_km must be between 0 and max_km, not -1.0" in _shown(english.text)


@pytest.fixture
def v1_left(programme: Engine) -> Engine:
    """V1's last day was 2027-02-20: their households' pairings stay open until re-paired."""
    with unit_of_work(programme) as s:
        visitor_days.end_visitor(
            s, "V1", dt.date(2027, 2, 20), actor="test", today=dt.date(2027, 2, 1)
        )
    return programme


def test_a_household_whose_visitor_left_says_so_in_chinese_on_the_list_and_its_file(
    v1_left: Engine, sign_in: SignIn, tokens: dict[str, str]
) -> None:
    site = sign_in("v1-coord")
    listed = site.get("/lists/due?days=366", headers=ZH)
    assert "帮扶人已于 2027-02-20 离开" in _shown(listed.text), listed.text
    assert "visitor left on" not in listed.text
    file = site.get("/files/household?id=H0", headers=ZH)
    assert "帮扶人已于 2027-02-20 离开" in _shown(file.text), file.text
    english = site.get("/files/household?id=H0")
    assert "visitor left on 2027-02-20" in _shown(english.text)
    bearer = {**ZH, "Authorization": f"Bearer {tokens['v1-coord']}"}
    api = site.get("/api/v1/households/H0", headers=bearer)
    assert [r["status"] for r in api.json()["cadence"]] == ["visitor left on 2027-02-20"]


def test_a_plan_says_in_chinese_why_it_left_pairings_unplanned(
    v1_left: Engine, sign_in: SignIn
) -> None:
    site = sign_in("v1-coord")
    page = site.post("/planning", data={"area": "R-C-V1", "months": "3"}, headers=ZH)
    assert page.status_code == 200, page.text
    assert "帮扶人已离开" in _shown(page.text), page.text
    assert "visitor gone" not in page.text
