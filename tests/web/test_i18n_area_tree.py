"""The import page in Chinese says why an areas file was refused for its tree: a loop of
parent links (through stored areas or in the file alone, long or short) and a tree too
deep to store; an English page says it as the command line does
(tests/services/importing/test_area_cycles.py has the English of each)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.factories.files import AREA_HEADER, write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown


def _area(code: str, parent: str, level: str = "village") -> list[str]:
    return [code, f"Area {code}", parent, level]


def _post(site: TestClient, path: Path, zh: bool = True) -> str:
    with path.open("rb") as fh:
        page = site.post(
            "/imports", data={"kind": "areas"}, files={"file": fh}, headers=ZH if zh else None
        )
    assert page.status_code == 422, page.text
    return _shown(page.text)


def test_a_loop_through_stored_areas_is_said_in_chinese_and_in_english_as_ever(
    sign_in: SignIn, tmp_path: Path
) -> None:
    # Stored: R > R-C > R-C-V1, R-C-V2. The region put under one of its villages.
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, [_area("R", "R-C-V1", "region")])
    boss = sign_in("boss")
    assert (
        "上级地区关系形成了循环：R > R-C-V1 > R-C > R，途经已存地区 R-C-V1和R-C（均不在本文件中）；"
        "请修改本行的 parent_code"
    ) in _post(boss, path)
    assert (
        "the parent links form a cycle: R > R-C-V1 > R-C > R, through R-C-V1 and R-C, stored "
        "areas not in this file; change this row's parent_code"
    ) in _post(boss, path, zh=False)


def test_a_loop_in_the_file_alone_and_one_through_a_stored_area_are_said_in_chinese(
    sign_in: SignIn, tmp_path: Path
) -> None:
    rows = [_area("A", "B"), _area("B", "A"), _area("R-C", "R", "county"), _area("R", "R-C-V2")]
    chinese = _post(sign_in("boss"), write_csv(tmp_path / "a.csv", AREA_HEADER, rows))
    assert "上级地区关系形成了循环：A > B > A；请修改其中任一行的 parent_code" in chinese
    assert (
        "上级地区关系形成了循环：R > R-C-V2 > R-C > R，途经已存地区 R-C-V2（不在本文件中）；"
        "请修改本行的 parent_code"
    ) in chinese


def test_a_long_loop_and_a_tree_too_deep_are_said_in_chinese(
    sign_in: SignIn, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    chain = [_area("A0", "", "l0")] + [_area(f"A{i}", f"A{i - 1}") for i in range(1, 30)]
    with write_csv(tmp_path / "chain.csv", AREA_HEADER, chain).open("rb") as fh:
        assert boss.post("/imports", data={"kind": "areas"}, files={"file": fh}).status_code == 200
    loop = _post(boss, write_csv(tmp_path / "c.csv", AREA_HEADER, [_area("A0", "A29", "l0")]))
    assert (
        "上级地区关系形成了循环：A0 > A29 > A28 > A27 > A26 > A25 > ... > A5 > A4 > A3 > A2 > "
        "A1 > A0（共 30 个地区），途经 29 个已存地区（均不在本文件中：A29, A28, A27, ..., A1）；"
        "请修改本行的 parent_code"
    ) in loop
    deep = [_area(f"D{i}", f"D{i - 1}" if i else "", "level") for i in range(130)]
    too_deep = _post(boss, write_csv(tmp_path / "deep.csv", AREA_HEADER, deep))
    assert "地区树层级过深，无法存储：地区 D126 位于第 126 层，其上级地区 ID 的路径长" in too_deep
