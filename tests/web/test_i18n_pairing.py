"""The pairing pages in Chinese: why a proposal is stale (on its page and when its commit is
refused), a proposal that is no longer open, and settings refused, in Chinese on a Chinese
page; on an English page and at the API, in English; what to do in the page's words, or
the API's routes, never the command line's."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH, _chinese
from tests.web.test_i18n_refusals import _shown
from tests.web.test_pairing_pages import made

CHANGED = (
    "生成之后，R-C-V1 的农户（有农户新增或离开，或农户的知情同意、语言、位置、远程帮扶组、"
    "地区或当前帮扶人有变化）有变化；请在“结对”页面为 R-C-V1 重新生成结对方案"
)


def test_a_stale_proposal_says_why_in_chinese_on_its_page_and_when_its_commit_is_refused(
    sign_in: SignIn, tokens: dict[str, str], programme: Engine
) -> None:
    site = sign_in("v1-coord")
    pid = made(site.post("/pairing", data={"area": "R-C-V1"}).headers["location"])
    withdrawn = {"household": "H0", "state": "withdrawn", "evidence": "a letter"}
    assert site.post("/consent", data=withdrawn).status_code == 200
    page = site.get(f"/pairing/{pid}", headers=ZH)
    assert page.status_code == 200
    shown = _shown(page.text)
    assert f"已过时：结对方案 {pid} 已过时：方案于 " in shown, shown
    assert CHANGED in shown
    _chinese(page.text)
    refused = site.post(f"/pairing/{pid}/commit", headers=ZH)
    assert refused.status_code == 409
    assert CHANGED in _shown(refused.text)
    english = _shown(site.get(f"/pairing/{pid}").text)
    assert f"proposal {pid} is stale: the households of R-C-V1 (one added or gone" in english
    # What to do is said by the page that does it, not the command line's command.
    assert "; make a new proposal for R-C-V1 on the Pairing page" in english
    assert "doorstep pair" not in english
    # The API says it in English, whatever language the caller asks for, by its route.
    api = site.get(
        f"/api/v1/pairing/proposals/{pid}",
        headers={**ZH, "Authorization": f"Bearer {tokens['v1-coord']}"},
    )
    reason = api.json()["stale_reason"]
    assert reason.startswith(f"proposal {pid} is stale: the households of")
    assert reason.endswith("; make a new proposal for R-C-V1 (POST /api/v1/pairing/proposals)")


def test_a_proposal_no_longer_open_is_refused_in_chinese_its_status_by_its_label(
    sign_in: SignIn,
) -> None:
    site = sign_in("v1-coord")
    pid = made(site.post("/pairing", data={"area": "R-C-V1"}).headers["location"])
    assert site.post(f"/pairing/{pid}/discard").status_code == 200
    chinese = site.post(f"/pairing/{pid}/commit", headers=ZH)
    assert chinese.status_code == 409
    assert f"结对方案 {pid} 已放弃；只有待处理的方案才能确认" in _shown(chinese.text)
    english = site.post(f"/pairing/{pid}/commit")
    assert f"proposal {pid} is discarded; only an open one commits" in _shown(english.text)


def test_a_proposal_s_settings_are_refused_in_chinese(sign_in: SignIn) -> None:
    site = sign_in("v1-coord")
    above = {"area": "R-C-V1", "max_km": "30", "keep_km": "50"}
    chinese = site.post("/pairing", data=above, headers=ZH)
    assert chinese.status_code == 422
    assert (
        "keep_km 50 大于 max_km 30：保持原结对的价值不能超过允许的最长结对距离；"
        "请给出更小的 keep_km" in _shown(chinese.text)
    )
    typed = site.post("/pairing", data={**above, "keep_km": "five"}, headers=ZH)
    assert "keep_km 必须是公里数，而不是 'five'" in _shown(typed.text)
    english = site.post("/pairing", data=above)
    assert "keep_km 50 is above max_km 30: continuity cannot be worth more" in _shown(english.text)
