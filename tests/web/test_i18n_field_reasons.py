"""Pydantic's reasons for refusing a form's field, posted from a Chinese page, are said in
Chinese with the constraint's values (a number's bounds, a text's length, a list's size);
an English page says pydantic's own words, as the API does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError, field_validator
from starlette.requests import Request

from doorstep.say import Said, Say
from doorstep.web import field_reasons
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown

ACTIVITY = {"code": "CAMP9", "kind": "trip", "title": "Trip", "area": "R-C-V1"}


def _said(site: TestClient, path: str, form: dict[str, str], zh: bool = True) -> str:
    page = site.post(path, data=form, headers=ZH if zh else None)
    assert page.status_code == 422, page.text
    return _shown(page.text)


@pytest.mark.parametrize(
    ("path", "form", "chinese", "english"),
    [
        (  # the model's bound (ge), its value filled in
            "/accounts/token",
            {"name": "v1-coord", "days": "0"},
            "请检查 days：应大于或等于 1",
            "check days: Input should be greater than or equal to 1",
        ),
        (  # a text too long for the model (max_length)
            "/activities",
            {**ACTIVITY, "title": "x" * 201, "starts_on": "2027-05-01"},
            "请检查 title：最多只能有 200 个字符",
            "check title: String should have at most 200 characters",
        ),
        (  # not a day
            "/activities",
            {**ACTIVITY, "starts_on": "2027-13-01"},
            "请检查 starts_on：应为 YYYY-MM-DD 格式的有效日期",
            "check starts_on: Input should be a valid date or datetime, month value is outside",
        ),
        (  # not a number
            "/cadence",
            {"max_gap_days": "often"},
            "请检查 max_gap_days：应为整数，无法将所填内容识别为整数",
            "check max_gap_days: Input should be a valid integer, unable to parse string",
        ),
        (  # one of a list of codes (an enum)
            "/referrals/status",
            {"number": "1", "status": "lost"},
            # The statuses a referral moves on to: never back to open.
            "请检查 status：应为以下之一：accepted，completed，declined，withdrawn",
            "check status: Input should be 'accepted', 'completed', 'declined' or 'withdrawn'",
        ),
        (  # the route's own form field: a page's address or form its types refuse
            "/accounts/token",
            {"name": "v1-coord", "days": "soon"},
            "请检查 days：应为整数，无法将所填内容识别为整数",
            "check days: Input should be a valid integer, unable to parse string as an integer",
        ),
        (  # a field the route requires, not sent
            "/activities",
            ACTIVITY,
            "请检查 starts_on：必填",
            "check starts_on: Field required",
        ),
        (  # a project's status none of its three (the page's own sentence)
            "/projects/status",
            {"code": "P1", "status": "lost"},
            "状态必须是 planned、running 或 done：'lost'",
            "status must be planned, running or done: 'lost'",
        ),
        (  # more ids than one request takes (a list's max_length)
            "/activities/attendance",
            {"code": "CAMP9", "households": ",".join(f"H{i}" for i in range(5001))},
            "最多只能有 5,000 项，而不是 5,001 项",
            "List should have at most 5000 items after validation, not 5001",
        ),
        (  # a NUL character, which no database stores (doorstep.api.nul_refused)
            "/exclusions",
            {"household": "H1\x00", "visitor": "V2"},
            "请检查 household：输入不应含有 NUL 字符（\\x00）",
            "check household: Input should not contain a NUL character (\\x00)",
        ),
    ],
)
def test_a_form_s_field_refused_is_said_in_chinese_with_its_values(
    sign_in: SignIn, path: str, form: dict[str, str], chinese: str, english: str
) -> None:
    boss = sign_in("boss")
    assert chinese in _said(boss, path, form)
    assert english in _said(boss, path, form, zh=False)


def test_the_planning_page_says_each_field_refused_in_chinese(sign_in: SignIn) -> None:
    form = {"area": "R-C-V1", "months": "500", "staff_cap": "some"}
    said = _said(sign_in("v1-coord"), "/planning", form)
    assert "months：应小于或等于 120" in said, said
    assert "；staff_cap：应为数字，无法将所填内容识别为数字" in said


class _Known(BaseModel):
    household: str

    @field_validator("household")
    @classmethod
    def _known(cls, text: str) -> str:
        raise ValueError(Said(Say("no household with id %(household)s", household=text)))


def _asking(language: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept-language", language.encode())]})


def test_a_validator_s_said_reason_is_said_in_the_page_s_language_and_another_in_english() -> None:
    with pytest.raises(ValidationError) as info:
        _Known(household="H9")
    [error] = info.value.errors()
    zh, en = _asking("zh-CN"), _asking("en")
    assert field_reasons.why(zh, error) == "没有编号为 H9 的农户"
    assert field_reasons.why(en, error) == "Value error, no household with id H9"
    error["ctx"] = {"error": ValueError("plain English")}  # no Said: pydantic's words
    assert field_reasons.why(zh, error) == error["msg"]
    assert field_reasons.why(zh, {**error, "type": "no_such_type"}) == error["msg"]
