"""Registry files imported over the API, as `doorstep import` imports them: all rows or
none, each bad row named; by a manager of the whole programme, or by an area's account for
the rows of its area."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, text

from tests.api.conftest import Headers
from tests.factories.audit import last_event_id, trail
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

NEW = [
    household(household_id="H100", lat=26.581),
    household(household_id="H101", head_name="Li Lei", lat=26.582),
]


def _households(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT external_id FROM households")).scalars())


def _upload(
    client: TestClient, headers: dict[str, str], path: Path, entity: str = "households"
) -> Any:
    with path.open("rb") as fh:
        return client.post(
            f"/api/v1/imports/{entity}", files={"file": (path.name, fh)}, headers=headers
        )


def test_a_manager_imports_a_file_and_the_trail_says_who(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    before = _households(programme)
    mark = last_event_id(programme)
    got = _upload(client, auth("boss"), write_csv(tmp_path / "new.csv", HOUSEHOLD_HEADER, NEW))
    assert got.status_code == 200, got.text
    assert got.json() | {"notes": []} == {
        "entity": "households",
        "file": "new.csv",
        "sheet": None,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "notes": [],
    }
    assert _households(programme) == before | {"H100", "H101"}
    imported = [e for e in trail(programme, mark) if e[0] == "import"]
    assert [(a, ent, d["file"], d["created"]) for a, ent, _, d in imported] == [
        ("import", "households", "new.csv", 2)
    ]
    again = _upload(client, auth("boss"), tmp_path / "new.csv")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)


def test_one_bad_row_writes_nothing_and_is_named_by_row_and_column(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    rows = [*NEW, household(household_id="H102", area_code="NOWHERE")]
    before = _households(programme)
    mark = last_event_id(programme)
    got = _upload(client, auth("boss"), write_csv(tmp_path / "bad.csv", HOUSEHOLD_HEADER, rows))
    assert got.status_code == 422, got.text
    body = got.json()
    assert body["detail"] == "bad.csv: 1 error; nothing was imported"
    assert body["errors_total"] == 1
    [error] = body["errors"]
    assert (error["row"], error["column"], error["value"]) == (4, "area_code", "NOWHERE")
    assert "tmp" not in got.text and "doorstep-upload" not in got.text
    assert _households(programme) == before
    [attempt] = trail(programme, mark)
    assert attempt[:2] == ("import", "households")
    assert attempt[3] | {"outcome": None} == {
        "file": "bad.csv",
        "outcome": None,
        "error": "ImportRejected",
        "errors": 1,
    }
    assert attempt[3]["outcome"] == "refused"


def test_a_workbook_is_read_and_a_file_of_another_type_refused(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HOUSEHOLD_HEADER)
    for row in NEW:
        sheet.append([row[h] for h in HOUSEHOLD_HEADER])
    book.save(tmp_path / "new.xlsx")
    got = _upload(client, auth("boss"), tmp_path / "new.xlsx")
    assert got.status_code == 200, got.text
    assert got.json()["created"] == 2
    odd = client.post(
        "/api/v1/imports/households",
        files={"file": ("households.docx", io.BytesIO(b"household_id\nH9\n"))},
        headers=auth("boss"),
    )
    assert odd.status_code == 422
    assert odd.json()["detail"] == (
        "households.docx: unknown file type '.docx'; use .csv, .xlsx or .parquet; "
        "nothing was imported"
    )


def test_a_file_sent_with_its_folder_is_named_by_its_own_name(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    data = write_csv(tmp_path / "x.csv", HOUSEHOLD_HEADER, NEW).read_bytes()
    got = client.post(
        "/api/v1/imports/households",
        files={"file": ("C:\\Users\\li\\Desktop\\households.csv", io.BytesIO(data))},
        headers=auth("boss"),
    )
    assert got.status_code == 200, got.text
    assert got.json()["file"] == "households.csv"


def test_a_visitor_s_account_does_not_import(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    before = _households(programme)
    mark = last_event_id(programme)
    got = _upload(client, auth("v1"), write_csv(tmp_path / "n.csv", HOUSEHOLD_HEADER, NEW))
    assert got.status_code == 403, got.text
    assert "files are imported by an area's coordinator or manager" in got.json()["detail"]
    assert _households(programme) == before
    assert [(e[0], e[3]["outcome"]) for e in trail(programme, mark)] == [("import", "refused")]


def test_a_coordinator_imports_its_area_s_rows_and_no_other_area_s(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    before = _households(programme)
    mark = last_event_id(programme)
    rows = [
        *NEW,
        household(household_id="H102", area_code="R-C-V2"),
        household(household_id="H0", area_code="R-C-V2"),
    ]
    got = _upload(client, auth("v2-coord"), write_csv(tmp_path / "n.csv", HOUSEHOLD_HEADER, rows))
    assert got.status_code == 422, got.text
    assert [(e["row"], e["column"], e["value"]) for e in got.json()["errors"]] == [
        (2, "area_code", "R-C-V1"),
        (3, "area_code", "R-C-V1"),
        (5, "household_id", "H0"),  # V1's household, which the file would move to V2
    ]
    assert _households(programme) == before
    # Each import's event names the account's area, whose manager reads it in the trail.
    refusal = [(e[0], e[3]["outcome"], e[3]["area"]) for e in trail(programme, mark)]
    assert refusal == [("import", "refused", "R-C-V2")]
    got = _upload(client, auth("v1-coord"), write_csv(tmp_path / "v1.csv", HOUSEHOLD_HEADER, NEW))
    assert got.status_code == 200, got.text
    assert _households(programme) == before | {"H100", "H101"}
    imported = [
        (e[1], e[3]["file"], e[3].get("created"), e[3].get("area")) for e in trail(programme, mark)
    ]
    assert ("households", "v1.csv", 2, "R-C-V1") in imported


def test_organisations_are_imported_by_a_manager_of_the_whole_programme(
    client: TestClient, programme: Engine, tmp_path: Path
) -> None:
    from tests.api.conftest import add_account

    token = add_account(programme, "county-boss", "manager", area="R-C")
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["O9", "Org", "ngo"]])
    got = _upload(client, {"Authorization": f"Bearer {token}"}, orgs, "organisations")
    assert got.status_code == 403
    assert got.json()["detail"].startswith("account county-boss is area R-C's")
    got = _upload(
        client,
        {"Authorization": f"Bearer {token}"},
        write_csv(
            tmp_path / "n.csv",
            HOUSEHOLD_HEADER,
            [*NEW, household(household_id="H9", area_code="R-C-V2")],
        ),
    )
    assert got.status_code == 200, got.text  # the county holds both villages


def test_an_unknown_kind_of_file_is_not_found_and_lists_the_kinds(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    got = _upload(
        client, auth("boss"), write_csv(tmp_path / "n.csv", HOUSEHOLD_HEADER, NEW), "people"
    )
    assert got.status_code == 404
    assert "import one of areas, organisations, teams, visitors, households" in got.text


def test_no_token_no_import(client: TestClient, tmp_path: Path) -> None:
    got = _upload(client, {}, write_csv(tmp_path / "n.csv", HOUSEHOLD_HEADER, NEW))
    assert got.status_code == 401


def test_a_file_name_no_file_can_have_is_refused_in_words(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    data = write_csv(tmp_path / "x.csv", HOUSEHOLD_HEADER, NEW).read_bytes()
    got = client.post(
        "/api/v1/imports/households",
        files={"file": ("h" * 300 + ".csv", io.BytesIO(data))},
        headers=auth("boss"),
    )
    assert got.status_code == 422
    assert "rename it" in got.json()["detail"]


def test_an_upload_larger_than_the_server_takes_is_refused_before_it_is_read(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path
) -> None:
    before = _households(programme)
    rows = [household(household_id=f"H{200 + i}") for i in range(40)]
    path = write_csv(tmp_path / "big.csv", HOUSEHOLD_HEADER, rows)
    client.app.state.max_upload_bytes = 500  # type: ignore[attr-defined]
    got = _upload(client, auth("boss"), path)
    assert got.status_code == 413, got.text
    assert got.json()["detail"].startswith("the upload is larger than this server takes")
    # Sent in pieces with no length said beforehand: counted as it arrives.
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    pieces = (body[i : i + 100] for i in range(0, len(body), 100))
    got = client.post(
        "/api/v1/imports/households",
        content=pieces,
        headers={**auth("boss"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert got.status_code == 413, got.text
    assert _households(programme) == before
    client.app.state.max_upload_bytes = len(body) + 10  # type: ignore[attr-defined]
    got = client.post(
        "/api/v1/imports/households",
        content=(body[i : i + 100] for i in range(0, len(body), 100)),
        headers={**auth("boss"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert got.status_code == 200, got.text
    assert got.json()["created"] == 40


def test_a_file_s_empty_spreadsheet_fills_in_and_imports(
    client: TestClient, auth: Headers, programme: Engine
) -> None:
    import openpyxl

    got = client.get("/api/v1/imports/households/template.xlsx", headers=auth("boss"))
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"] == 'attachment; filename="households.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[: len(HOUSEHOLD_HEADER)] == HOUSEHOLD_HEADER  # then the optional ones
    assert sheet["A1"].comment.text.startswith("required: ")
    for column, name in enumerate(HOUSEHOLD_HEADER, start=1):
        sheet.cell(row=2, column=column, value=household(household_id="0042")[name])
    filled = io.BytesIO()
    book.save(filled)
    sent = client.post(
        "/api/v1/imports/households",
        files={"file": ("filled.xlsx", filled.getvalue())},
        headers=auth("boss"),
    )
    assert sent.status_code == 200, sent.text
    assert "0042" in _households(programme)
    nothing = client.get("/api/v1/imports/nothing/template.xlsx", headers=auth("boss"))
    assert nothing.status_code == 404 and "no import file is called 'nothing'" in nothing.text
    visitor = client.get("/api/v1/imports/households/template.xlsx", headers=auth("v1"))
    assert visitor.status_code == 403


def test_a_code_of_rows_none_stored_names_the_programme_s_database_not_its_path(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    """The command line names the database it opened (it may be the wrong one); an API
    client and a page's reader are served the programme's, whose path or URL is the
    server's business."""
    teams = write_csv(
        tmp_path / "teams.csv",
        ["code", "name", "area_code", "organisation_code", "starts_on"],
        [["T9", "Team nine", "R-C-V1", "NOWHERE", "2027-01-01"]],
    )
    got = _upload(client, auth("boss"), teams, entity="teams")
    assert got.status_code == 422, got.text
    reason = got.json()["errors"][0]["reason"]
    assert reason.startswith(
        "unknown organisation code: the programme's database holds no organisations at all"
    ), reason
    assert "doorstep" not in reason and ".db" not in reason and "postgresql" not in reason
