"""The import page in Chinese says why the database refused a file's rows (visits,
referrals, exclusions, leave and blackouts, two leads for one team) and what an import's
notes say of visitors who cannot keep their households, of excluded pairs and of visits
made during leave; an English page says them as they always were
(tests/services/importing/test_reasons_said_rows.py has every English line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.factories.bad_rows import NOTED, REFUSED, Scenario
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown

#: What the Chinese page says of each file: some of its rows' reasons, or its notes.
CHINESE: dict[str, list[str]] = {
    "visits": [
        "2 household_id H9 未知的农户",
        "3 visitor_id V9 未知的帮扶人",
        "与同一帮扶人第 4 行的走访有同一天：帮扶人一次只能进行一次走访",
    ],
    "referrals": [
        "晚于今天（2027-03-01）：请在转介作出当天登记",
        "为空：请填写转介变为“已受理”的日期",
        "待处理转介的日期就是转介日期（made_on）",
        "早于转介日期（2027-02-01）",
        "不是该农户当天转介到该机构该服务的转介编号；新转介请留空",
    ],
    "exclusions": ["未知的农户；请先导入农户", "未知的帮扶人；请先导入帮扶人"],
    "leave": ["与第 2 行（同一帮扶人的休假，2027-04-01 至 2027-04-10）重叠；请将两行合并为一行"],
    "leave stored": [
        "与该帮扶人已存的 2027-05-01 至 2027-05-10 休假重叠；如要更改该期间，请填写其 starts_on"
    ],
    "blackouts": ["与第 2 行（同一农户的禁访期，2027-04-01 至 2027-04-10）重叠"],
    "a past blackout": [
        "与该农户已存的 2027-02-01 至 2027-02-10 禁访期重叠"
        "（该期间在今天之前已结束：勾选“文件即为其中人员自今日起的全部时段”会保留它）"
    ],
    "team leads": ["工作队 T1 将有 2 名队长（第 2, 3 行）；一个工作队只有一名队长"],
    "unkept households": [
        "1 名帮扶人现有无法继续帮扶的农户：V1 帮扶 3 户农户，但可帮扶户数为 1；在“结对”页面勾选"
    ],
    "an excluded pair": [
        "1 个回避结对目前仍在结对中（H0 与 V1）：该结对保留到其地区（R-C-V1）下次确认",
        "已取消回避结对的 1 次计划走访（V1 于 2027-04-03 走访 H0）",
    ],
    "a visit during leave": [
        "1 次走访发生在帮扶人已登记的休假期间（第 2 行）；第 2 行：据记录，V1 在"
    ],
}
#: A part of what the English page says of some, as it always did.
ENGLISH = {
    "visits": "shares a day with the visit on row 4 of the same visitor",
    "team leads": "team T1 would have 2 leads (rows 2, 3); a team has one lead",
    "an excluded pair": "1 excluded pair is paired now (H0 with V1): each pairing stays",
    "a visit during leave": "1 visit made during the visitor's recorded leave (row 2); for row 2:",
}


def _post(sign_in: SignIn, engine: Engine, folder: Path, scenario: Scenario, zh: bool) -> str:
    sent = scenario(engine, folder)
    form = {"kind": sent.entity, **({"replace": "true"} if sent.replace else {})}
    with sent.path.open("rb") as fh:
        page = sign_in("boss").post(
            "/imports", data=form, files={"file": fh}, headers=ZH if zh else None
        )
    return _shown(page.text)


@pytest.mark.parametrize("name", [*REFUSED, *NOTED])
def test_an_import_s_rows_and_notes_are_said_in_chinese_on_a_chinese_page(
    sign_in: SignIn, programme: Engine, tmp_path: Path, name: str
) -> None:
    scenario = {**REFUSED, **NOTED}[name]
    chinese = _post(sign_in, programme, tmp_path, scenario, zh=True)
    for said in CHINESE[name]:
        assert said in chinese, chinese
    if name in ENGLISH and name in REFUSED:  # refused: nothing written, so sent again
        (again := tmp_path / "again").mkdir()
        english = _post(sign_in, programme, again, scenario, zh=False)
        assert ENGLISH[name] in english
