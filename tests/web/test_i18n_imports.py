"""The import page in Chinese: why a file was refused (its headline and each row's reason),
an area's account told of another area's rows, and an import's notes, in Chinese on a
Chinese page; on an English page and at the API, the English they always said."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.outcomes import INDICATOR_HEADER
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown


def _post(site: TestClient, path: Path, headers: dict[str, str] | None = None) -> str:
    with path.open("rb") as fh:
        page = site.post(
            "/imports", data={"kind": "households"}, files={"file": fh}, headers=headers
        )
    return _shown(page.text)


def test_a_refused_file_s_rows_are_said_in_chinese_on_a_chinese_page(
    sign_in: SignIn, tmp_path: Path
) -> None:
    rows = [
        household(household_id="H100", lat=95),
        household(household_id="H101", members="x"),
        household(household_id="H102", consent_date="2027-1-20"),
        household(household_id="H103", area_code="NOPE"),
    ]
    bad = write_csv(tmp_path / "bad.csv", HOUSEHOLD_HEADER, rows)
    boss = sign_in("boss")
    chinese = _post(boss, bad, ZH)
    assert "bad.csv：4 处错误；未导入任何数据" in chinese, chinese
    for said in (
        "2 lat 95 纬度必须在 -90 到 90 之间",
        "3 members x 不是数字",
        "4 consent_date 2027-1-20 不是 YYYY-MM-DD 格式的日期：月和日各写两位数字",
        "5 area_code NOPE 未知的地区编码；请先导入地区",
    ):
        assert said in chinese
    english = _post(boss, bad)
    assert "bad.csv: 4 errors; nothing was imported" in english
    assert "2 lat 95 latitude must be between -90 and 90" in english
    assert "5 area_code NOPE unknown area code; import the areas first" in english


def test_an_area_s_account_is_told_in_chinese_of_another_area_s_rows(
    sign_in: SignIn, tmp_path: Path
) -> None:
    rows = [household(household_id="H100", area_code="R-C-V2")]
    sent = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    coord = sign_in("v1-coord")
    chinese = _post(coord, sent, ZH)
    assert "h.csv：1 处错误；未导入任何数据" in chinese
    assert "是账户 v1-coord 负责导入的地区 R-C-V1以外的地区" in chinese, chinese
    english = _post(coord, sent)
    said = "is an area outside area R-C-V1, the one account v1-coord imports for"
    assert said in english


def test_an_import_s_note_is_said_in_chinese_and_the_api_s_in_english(
    sign_in: SignIn, tokens: dict[str, str], tmp_path: Path
) -> None:
    boss = sign_in("boss")
    _post(boss, write_csv(tmp_path / "a.csv", HOUSEHOLD_HEADER, [household(household_id="H100")]))

    def redated(day: str) -> Path:
        row = household(household_id="H100", consent_date=day)
        return write_csv(tmp_path / "b.csv", HOUSEHOLD_HEADER, [row])

    chinese = _post(boss, redated("2026-01-05"), ZH)
    assert (
        "1 户农户的知情同意状态相同而 consent_date 不同：已将其当前知情同意记录的日期作为更正改过。"
        in chinese
    ), chinese
    english = _post(boss, redated("2026-01-09"))
    assert (
        "1 household with the same consent and another consent_date: its current consent act "
        "was re-dated, as a correction." in english
    )
    # The API answers in English, whatever language the caller asks for.
    api = write_csv(tmp_path / "c.csv", HOUSEHOLD_HEADER, [household(household_id="H100", lat=95)])
    with api.open("rb") as fh:
        refused = boss.post(
            "/api/v1/imports/households",
            files={"file": ("c.csv", fh)},
            headers={**ZH, "Authorization": f"Bearer {tokens['boss']}"},
        )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "c.csv: 1 error; nothing was imported"
    assert refused.json()["errors"][0]["reason"] == "latitude must be between -90 and 90"


def test_more_members_in_work_than_members_is_said_in_chinese_and_the_api_s_in_english(
    sign_in: SignIn, tokens: dict[str, str], tmp_path: Path
) -> None:
    # H1 has four members (plan_three's households).
    rows = [["H1", 2025, 12_000, 5, ""]]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    boss = sign_in("boss")
    with path.open("rb") as fh:
        page = boss.post("/imports", data={"kind": "indicators"}, files={"file": fh}, headers=ZH)
    chinese = _shown(page.text)
    assert "i.csv：1 处错误；未导入任何数据" in chinese, chinese
    assert (
        "2 members_in_work 5 多于该农户的家庭成员人数（4 人）：从事有酬工作的人数不能多于家庭成员"
        in chinese
    ), chinese
    with path.open("rb") as fh:
        got = boss.post(
            "/api/v1/imports/indicators",
            files={"file": (path.name, fh)},
            headers={"Authorization": f"Bearer {tokens['boss']}", **ZH},
        )
    assert got.status_code == 422, got.text
    [error] = got.json()["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "members_in_work", "5")
    assert error["reason"].startswith("is more than the household's 4 members: no more members")


def test_the_columns_of_each_file_are_described_in_chinese_on_a_chinese_page(
    sign_in: SignIn,
) -> None:
    boss = sign_in("boss")
    chinese = _shown(boss.get("/imports", headers=ZH).text)
    for said in (
        "农户 （ households ）：参与项目的农户及其知情同意。",
        "household_id 必填 农户的编号，由您自定；不能是“erased household”",
        "休假 （ leave ）：帮扶人的休假：帮扶人不走访的日子。",
        "activities 选填 帮扶人所做的事，以“;”分隔的编码（大小写均可），可用：",
    ):
        assert said in chinese, chinese
    english = _shown(boss.get("/imports").text)
    assert "households : Households taking part, with their consent." in english
    assert "activities optional what the visitor did, codes separated by ';' (any case)" in english
