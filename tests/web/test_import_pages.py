"""The import page: a manager uploads a file and reads what was written, or each bad row
by row and column with nothing written; a coordinator imports its area's rows; a visitor's
account is told who imports."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, text

from doorstep.services.importing import IMPORTS
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.web.conftest import SignIn


def _households(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one())


def test_a_manager_imports_a_file_and_sees_a_bad_one_s_rows(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    page = boss.get("/imports")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert "<code>household_id</code>" in page.text  # each file's columns
    assert 'href="/imports"' in page.text
    before = _households(programme)
    bad = write_csv(
        tmp_path / "bad.csv",
        HOUSEHOLD_HEADER,
        [household(household_id="H100"), household(household_id="H101", lat=95)],
    )
    with bad.open("rb") as fh:
        refused = boss.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert refused.status_code == 422
    assert "bad.csv: 1 error; nothing was imported" in refused.text
    assert '<td class="num">3</td><td>lat</td><td>95</td>' in refused.text
    assert '<option value="households" selected>households</option>' in refused.text
    assert _households(programme) == before
    good = write_csv(tmp_path / "good.csv", HOUSEHOLD_HEADER, [household(household_id="H100")])
    with good.open("rb") as fh:
        done = boss.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert done.status_code == 200, done.text
    assert "Imported good.csv as households: 1 row, 1 added, 0 updated, 0 unchanged." in done.text
    assert _households(programme) == before + 1


def test_a_coordinator_imports_its_area_s_rows_and_is_shown_another_area_s(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    coord = sign_in("v1-coord")
    page = coord.get("/imports")
    assert page.status_code == 200
    assert "Account v1-coord imports the rows of area R-C-V1" in page.text
    assert 'href="/imports"' in coord.get("/referrals").text
    before = _households(programme)
    rows = [household(household_id="H100"), household(household_id="H101", area_code="R-C-V2")]
    sent = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    with sent.open("rb") as fh:
        posted = coord.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert posted.status_code == 422
    assert '<td class="num">3</td><td>area_code</td><td>R-C-V2</td>' in posted.text
    assert "outside area R-C-V1, the one account v1-coord imports for" in posted.text
    assert _households(programme) == before
    good = write_csv(tmp_path / "g.csv", HOUSEHOLD_HEADER, rows[:1])
    with good.open("rb") as fh:
        done = coord.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert done.status_code == 200, done.text
    assert _households(programme) == before + 1


def test_a_visitor_s_account_is_told_who_imports(sign_in: SignIn, tmp_path: Path) -> None:
    v1 = sign_in("v1")
    page = v1.get("/imports")
    assert page.status_code == 403
    assert "files are imported by an area&#39;s coordinator or manager" in page.text
    assert 'href="/imports"' not in v1.get("/referrals").text
    sent = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H100")])
    with sent.open("rb") as fh:
        posted = v1.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert posted.status_code == 403


def test_a_file_larger_than_the_server_takes_is_told_on_a_page(
    sign_in: SignIn, site: TestClient, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    site.app.state.max_upload_bytes = 100  # type: ignore[attr-defined]
    rows = [household(household_id=f"H{100 + i}") for i in range(5)]
    sent = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    with sent.open("rb") as fh:
        got = boss.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert got.status_code == 413
    assert got.headers["content-type"].startswith("text/html")
    assert "the upload is larger than this server takes" in got.text


def test_each_file_s_empty_spreadsheet_keeps_ids_as_typed_and_imports_once_filled(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    assert 'href="/imports/households.xlsx"' in boss.get("/imports").text
    got = boss.get("/imports/households.xlsx")
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"] == 'attachment; filename="households.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    sheet = book.worksheets[0]
    assert len(book.worksheets) == 1
    header = [c.value for c in sheet[1]]
    assert header == [c.name for c in IMPORTS["households"].columns]
    column = {name: get_column_letter(i) for i, name in enumerate(header, start=1)}
    # An id typed 00123 stays 00123: every column but the numbers and days is text.
    assert sheet.column_dimensions[column["household_id"]].number_format == "@"
    assert sheet.column_dimensions[column["lat"]].number_format != "@"
    note = sheet[f"{column['household_id']}1"].comment.text
    assert note.startswith("required: ")
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    consent = rules[f"{column['consent']}2"]
    assert consent.type == "list" and consent.formula1 == '"pending,given,withdrawn"'
    lat = rules[f"{column['lat']}2"]
    assert (lat.type, lat.formula1, lat.formula2) == ("decimal", "-90", "90")
    # Filled in as a coordinator would, it imports.
    for name, value in household(household_id="00123").items():
        sheet[f"{column[name]}2"] = value
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    before = _households(programme)
    with filled.open("rb") as fh:
        done = boss.post("/imports", data={"kind": "households"}, files={"file": fh})
    assert done.status_code == 200, done.text
    assert _households(programme) == before + 1
    with programme.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM households")).scalars().all()
    assert "00123" in ids
    # The notes in the page's language; a file no import reads, and a visitor's account, told.
    chinese = boss.get("/imports/households.xlsx", headers={"Accept-Language": "zh-Hans"})
    zh = openpyxl.load_workbook(io.BytesIO(chinese.content)).worksheets[0]
    assert zh[f"{column['household_id']}1"].comment.text.startswith("必填")
    assert boss.get("/imports/nothing.xlsx").status_code == 404
    assert sign_in("v1").get("/imports/households.xlsx").status_code == 403
