"""The other pages a coordinator or a manager works on, in Chinese: signing in with an
unknown token, a visitor's account told who imports, a plan from a day past, the cadence
refused, an activity's area and a project's sponsor unknown: each refusal in Chinese on a
Chinese page, and in the English it always had on an English one and at the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown


def test_an_unknown_token_is_refused_in_chinese_at_sign_in(site: TestClient) -> None:
    chinese = site.post("/login", data={"token": "dst_nope"}, headers=ZH)
    assert chinese.status_code == 401
    assert "未知的令牌" in _shown(chinese.text)
    assert "unknown token" in _shown(site.post("/login", data={"token": "dst_nope"}).text)
    api = site.get("/api/v1/households", headers={**ZH, "Authorization": "Bearer dst_nope"})
    assert (api.status_code, api.json()["detail"]) == (401, "unknown token")


def test_a_visitor_s_account_is_told_in_chinese_who_imports(sign_in: SignIn) -> None:
    v1 = sign_in("v1")
    page = v1.get("/imports", headers=ZH)
    assert page.status_code == 403
    assert "账户 v1 是帮扶人账户：文件由地区的协调员或管理员导入" in _shown(page.text)
    english = v1.get("/imports")
    said = "account v1 is a visitor's: files are imported by an area's coordinator or manager"
    assert said in _shown(english.text)


def test_a_plan_from_a_day_past_is_refused_in_chinese(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    form = {"area": "R-C-V1", "start": "2027-02-01", "months": "3"}
    chinese = coord.post("/planning", data=form, headers=ZH)
    assert chinese.status_code == 422
    assert "start 2027-02-01 早于今天（2027-03-01）：请从今天或以后开始计划" in _shown(chinese.text)
    english = coord.post("/planning", data=form)
    said = "start 2027-02-01 is before today (2027-03-01): plan from today or later"
    assert said in _shown(english.text)


def test_the_cadence_refused_is_said_in_chinese(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    form = {"max_gap_days": "5", "stay_days": "10"}
    chinese = boss.post("/cadence", data=form, headers=ZH)
    assert chinese.status_code == 422
    assert "驻户 10 天长于两次走访之间的 5 天：同一农户的驻户走访会重叠" in _shown(chinese.text)
    coord = sign_in("v1-coord").post("/cadence", data=form, headers=ZH)
    assert coord.status_code == 403
    assert "账户 v1-coord 不是全项目管理员：走访周期适用于所有地区，须由全项目管理员设置" in _shown(
        coord.text
    )
    english = sign_in("boss").post("/cadence", data=form)
    assert (
        "a stay of 10 days is longer than the 5 days between visits: a household's stays would "
        "overlap" in _shown(english.text)
    )


def test_an_activity_s_and_a_project_s_refusals_are_said_in_chinese(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    trip = {"code": "TRIP", "kind": "trip", "title": "Zoo", "area": "R-C-V1"}
    days = {"starts_on": "2027-03-10", "ends_on": "2027-03-09"}
    chinese = coord.post("/activities", data={**trip, **days}, headers=ZH)
    assert "最后一天 2027-03-09 早于第一天 2027-03-10" in _shown(chinese.text), chinese.text
    well = {"code": "WELL", "title": "Well", "sponsor": "NOPE", "area": "R-C-V1"}
    project = coord.post("/projects", data={**well, "starts_on": "2027-03-10"}, headers=ZH)
    assert "没有编码为 'NOPE' 的机构" in _shown(project.text), project.text
