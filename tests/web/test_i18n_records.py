"""The audit trail's and the import page's names of records and actions (``household``,
``read``, a file of ``visitors``) are shown by their labels in the page's language; the
forms and the filters keep the codes, and an English page shows the words it always did."""

from __future__ import annotations

from pathlib import Path

from doorstep.services.audit_trail import ACTIONS
from doorstep.services.importing import IMPORTS
from doorstep.web import labels
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown


def test_the_audit_trail_names_its_actions_and_records_in_chinese(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    boss.get("/households/H0", headers=ZH)  # a read of H0, at least
    page = boss.get("/audit", params={"household": "H0"}, headers=ZH)
    assert page.status_code == 200, page.text
    assert "<td>查看</td><td>农户</td><td>H0</td>" in page.text
    assert "<td>household</td>" not in page.text and "<td>read</td>" not in page.text
    # The filters: each action's code is what the form sends, its name what it shows.
    assert '<option value="read">查看</option>' in page.text
    assert '<option value="subject_export">本人数据导出</option>' in page.text
    assert '<option value="visit_plan">走访计划</option>' in page.text  # the records' list
    kept = boss.get("/audit", params={"action": "create", "entity": "account"}, headers=ZH)
    assert "<td>新建</td><td>账户</td><td>v1-coord</td>" in kept.text
    assert '<option value="create" selected>新建</option>' in kept.text


def test_the_audit_trail_in_english_shows_its_words_as_ever(sign_in: SignIn) -> None:
    page = sign_in("boss").get("/audit", params={"action": "create", "entity": "account"})
    assert "<td>create</td><td>account</td><td>v1-coord</td>" in page.text
    assert '<option value="subject_export">own export</option>' in page.text


def test_the_import_page_names_its_files_in_chinese(sign_in: SignIn, tmp_path: Path) -> None:
    boss = sign_in("boss")
    page = boss.get("/imports", headers=ZH)
    assert '<option value="visitors">帮扶人</option>' in page.text
    assert '<option value="project_households">项目受益农户</option>' in page.text
    # Each file's columns, under its name and its code (what the command line takes).
    assert "<strong>禁访期</strong>（<code>blackouts</code>）：" in page.text
    assert "仅限休假和禁访期：文件即为" in _shown(page.text)  # the periods' replace box
    good = write_csv(tmp_path / "good.csv", HOUSEHOLD_HEADER, [household(household_id="H200")])
    with good.open("rb") as fh:
        done = boss.post("/imports", data={"kind": "households"}, files={"file": fh}, headers=ZH)
    assert "已将 good.csv 作为 农户 导入：1 行" in _shown(done.text)
    assert '<option value="households" selected>农户</option>' in done.text


def test_every_file_an_import_reads_and_every_action_of_the_trail_has_a_name() -> None:
    """A new import or action gets its words, or the page shows its code."""
    assert set(IMPORTS) <= set(labels.RECORDS)
    assert set(ACTIONS) == set(labels.ACTIONS)
