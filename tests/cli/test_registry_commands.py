"""The registry commands at the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, text

from doorstep.cli.registry import Imported
from doorstep.services.importing import IMPORTS
from doorstep.storage.migrate import head_revision
from tests.cli.conftest import Invoke
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    area_rows,
    hidden_first_workbook,
    household,
    visitor,
    write_csv,
)


def test_import_takes_every_kind_of_file_the_importer_takes() -> None:
    # `doorstep import referrals` was in the docs and the importer took it; the command
    # refused the word.
    assert [kind.value for kind in Imported] == list(IMPORTS)


def test_a_file_refused_whole_is_named_as_every_refused_file_is(
    cli: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "header.csv").write_text(",".join(AREA_HEADER) + "\n", encoding="utf-8")
    for name, said in (
        ("empty.csv", "empty.csv: the file is empty; nothing was imported"),
        ("header.csv", "header.csv: the file has a header but no data rows; nothing was"),
        ("none.csv", "no such file: "),
    ):
        result = cli("import", "areas", str(tmp_path / name))
        assert result.exit_code == 2, result.output
        assert said in " ".join(result.output.split())
    assert "none.csv: no such file" not in " ".join(result.output.split())  # named once


def test_a_bad_import_exits_2_and_names_row_column_and_reason(cli: Invoke, tmp_path: Path) -> None:
    assert (
        cli(
            "import", "areas", str(write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
        ).exit_code
        == 0
    )
    bad = write_csv(
        tmp_path / "h.csv",
        HOUSEHOLD_HEADER,
        [household(), household(household_id="H2", members=-3)],
    )
    result = cli("import", "households", str(bad))
    assert result.exit_code == 2
    assert "h.csv: 1 error; nothing was imported" in result.output
    assert "row 3, column members (value '-3'): must be at least 1" in result.output
    assert (tmp_path / "h.csv.errors.csv").exists()


@pytest.mark.parametrize("entity", ["households", "visitors"])
def test_an_import_naming_areas_into_a_database_without_areas_names_the_database(
    cli: Invoke, db_url: str, tmp_path: Path, entity: str
) -> None:
    # A relative SQLite path run from another folder opens a new, empty database: "unknown
    # area code" alone was taken for a typing mistake in the file.
    header, row = {
        "households": (HOUSEHOLD_HEADER, household()),
        "visitors": (VISITOR_HEADER, visitor(home_area_code="R-C-V1")),
    }[entity]
    path = write_csv(tmp_path / "f.csv", header, [row])
    result = cli("import", entity, str(path))
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    where = (
        str(Path(db_url.removeprefix("sqlite:///")).resolve())
        if db_url.startswith("sqlite")
        else "@127.0.0.1:5432/" + db_url.rsplit("/", 1)[1]  # the URL, without a password
    )
    column = "area_code" if entity == "households" else "home_area_code"
    assert f"row 2, column {column} (value 'R-C-V1'): unknown area code: the database " in said
    assert where in said
    assert (
        "holds no areas at all; import them first (doorstep import areas FILE), or set "
        "DOORSTEP_DATABASE_URL to the database that holds them" in said
    )
    # With areas stored, an unknown code is only that.
    areas = write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows())
    assert cli("import", "areas", str(areas)).exit_code == 0
    path = write_csv(tmp_path / "f.csv", header, [{**row, column: "NOWHERE"}])
    result = cli("import", entity, str(path))
    assert result.exit_code == 2
    assert "unknown area code; import the areas first" in result.output
    assert "holds no areas" not in result.output


def test_an_import_that_succeeds_after_a_bad_one_removes_its_errors_file_and_says_so(
    cli: Invoke, tmp_path: Path
) -> None:
    assert (
        cli(
            "import", "areas", str(write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
        ).exit_code
        == 0
    )
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(members=-3)])
    assert cli("import", "households", str(path)).exit_code == 2
    stale = tmp_path / "h.csv.errors.csv"
    assert stale.exists()
    write_csv(path, HOUSEHOLD_HEADER, [household()])
    result = cli("import", "households", str(path))
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert result.output.splitlines() == [
        "Imported 1 household from h.csv: 1 new, 0 updated, 0 unchanged.",
        f"Removed {stale}: it listed the errors of an earlier import.",
    ]


def test_demo_village_builds_one_village_with_a_stationed_team(cli: Invoke, engine: Engine) -> None:
    result = cli("demo", "--preset", "village", "--quiet")
    assert result.exit_code == 0, result.output
    assert "34 households" in result.output
    with engine.connect() as conn:
        villages = conn.execute(
            text("SELECT COUNT(*) FROM areas WHERE level = 'village'")
        ).scalar_one()
        households = conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one()
        teams = conn.execute(text("SELECT COUNT(*) FROM teams")).scalar_one()
        leads = conn.execute(text("SELECT COUNT(*) FROM team_members WHERE is_lead")).scalar_one()
        incomes = conn.execute(text("SELECT COUNT(*) FROM household_indicators")).scalar_one()
    assert (villages, households, teams, leads, incomes) == (1, 34, 1, 1, 34)
    stats = cli("stats")
    assert stats.exit_code == 0
    assert "Households" in stats.output and "34" in stats.output
    assert "village" in stats.output


def test_demo_files_round_trip_through_import_and_export(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert cli("demo", "--preset", "village", "--out", str(out), "--quiet").exit_code == 0
    for entity in ("areas", "organisations", "teams", "visitors", "households", "indicators"):
        result = cli("import", entity, str(out / f"{entity}.csv"), "--quiet")
        assert result.exit_code == 0, result.output
    assert (out / "pair_households.csv").exists()
    assert cli("export", "households", str(tmp_path / "h.xlsx")).exit_code == 0
    again = cli("import", "households", str(tmp_path / "h.xlsx"), "--quiet")
    assert again.exit_code == 0, again.output
    # An export imported back holds nothing new: coordinates, dates and consent compare equal.
    assert "0 new, 0 updated, 34 unchanged." in again.output


def test_db_upgrade_reports_the_revision(cli: Invoke, engine: Engine) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0
    assert f"revision {head_revision(engine)}" in result.output


def test_an_error_naming_a_value_like_markup_prints_it_as_typed(
    cli: Invoke, tmp_path: Path
) -> None:
    bad = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(area_code="[/x]")])
    result = cli("import", "households", str(bad))
    assert result.exit_code == 2
    assert "row 2, column area_code (value '[/x]'): unknown area code" in result.output


def test_export_makes_missing_folders_and_refuses_a_path_it_cannot_write(
    cli: Invoke, tmp_path: Path
) -> None:
    assert cli("import", "areas", str(write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows())))
    for suffix in (".csv", ".xlsx", ".parquet"):
        out = tmp_path / "new" / "folder" / f"areas{suffix}"
        result = cli("export", "areas", str(out))
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    folder = cli("export", "areas", str(tmp_path))
    assert folder.exit_code == 2
    assert f"error: output {tmp_path} is a folder; give a file name, e.g. " in folder.output
    under_a_file = cli("export", "areas", str(tmp_path / "a.csv" / "x.csv"))
    assert under_a_file.exit_code == 2
    assert f"{tmp_path / 'a.csv'} is a file, not a folder" in under_a_file.output


def test_demo_goes_only_into_an_empty_database_or_one_holding_the_same_demo(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    assert cli("demo", "--preset", "village", "--quiet").exit_code == 0
    assert cli("demo", "--preset", "village", "--quiet").exit_code == 0  # the same again
    other = cli("demo", "--preset", "village", "--seed", "2", "--quiet")
    assert other.exit_code == 1
    assert "the database already holds a programme (34 households" in other.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one() == 34
    (tmp_path / "a-file").write_text("hello")
    refused = cli("demo", "--preset", "village", "--out", str(tmp_path / "a-file"))
    assert refused.exit_code == 2
    assert "is a file; give a folder" in refused.output
    assert cli("demo", "--households", "999999999999").exit_code == 2


def test_an_import_from_a_workbook_of_several_sheets_says_which_it_read(
    cli: Invoke, tmp_path: Path
) -> None:
    rows = [AREA_HEADER, *(list(r.values()) for r in area_rows())]
    path = hidden_first_workbook(tmp_path / "a.xlsx", rows, title="Areas")
    result = cli("import", "areas", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "Imported 4 areas from a.xlsx (sheet 'Areas', the first visible of 2, after 1 hidden "
        "sheet(s)): 4 new, 0 updated, 0 unchanged." in " ".join(result.output.split())
    )


@pytest.mark.parametrize("bad", ["row", "cell"])
def test_a_refused_import_from_a_workbook_of_several_sheets_says_which_it_read(
    cli: Invoke, tmp_path: Path, bad: str
) -> None:
    rows = [list(r.values()) for r in area_rows()]
    if bad == "row":  # refused by the validation: an unknown parent
        rows[1][2] = "NOWHERE"
    else:  # refused by the reader: a spreadsheet error in a cell
        rows[1][1] = "#DIV/0!"
    path = hidden_first_workbook(
        tmp_path / "a.xlsx",
        [AREA_HEADER, *rows],
        title="Areas",
        error_cells=["B3"] if bad == "cell" else [],
    )
    result = cli("import", "areas", str(path))
    assert result.exit_code == 2, result.output
    assert (
        "a.xlsx (sheet 'Areas', the first visible of 2, after 1 hidden sheet(s)): 1 error; "
        "nothing was imported" in " ".join(result.output.split())
    )


def test_demo_out_names_the_files_it_replaced_in_a_folder_that_had_them(
    cli: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / "households.csv").write_text("edited by hand\n")
    (out / "notes.txt").write_text("mine\n")
    result = cli("demo", "--preset", "village", "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    assert f"Replaced 1 file already in {out}: households.csv." in result.stderr
    assert (out / "notes.txt").read_text() == "mine\n"
    again = cli("demo", "--preset", "village", "--out", str(out), "--quiet")
    names = sorted(p.name for p in out.iterdir() if p.name != "notes.txt")
    assert f"Replaced {len(names)} files already in {out}: {', '.join(names)}." in again.stderr


def test_export_takes_an_area_and_refuses_an_unknown_one_in_one_line(
    cli: Invoke, tmp_path: Path
) -> None:
    areas = write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows())
    assert cli("import", "areas", str(areas)).exit_code == 0
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    assert cli("import", "households", str(path)).exit_code == 0
    for area, rows in (("R-C-V1", 1), ("R-C-V2", 0)):
        out = tmp_path / f"{area}.csv"
        result = cli("export", "households", str(out), "--area", area, "--quiet")
        assert result.exit_code == 0, result.output
        assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + rows
    result = cli("export", "visits", str(tmp_path / "v.csv"), "--area", "NOWHERE")
    assert result.exit_code == 1
    assert result.output.strip() == "error: no area with code 'NOWHERE'"
    result = cli("export", "visitors", str(tmp_path / "v.csv"), "--area", "R")
    assert result.exit_code == 2
    assert "--area is for the files of households' rows" in result.output


def test_stats_of_an_empty_database_names_the_database_it_opened(
    cli: Invoke, engine: Engine, db_url: str
) -> None:
    # A relative SQLite path run from another folder opens a new, empty file there: the
    # line names it, so the manager sees it is not the programme's.
    shown = cli("stats")
    assert shown.exit_code == 0
    said = " ".join(shown.output.split())
    assert "The database is empty (" in said
    where = engine.url.database if engine.url.get_backend_name() == "sqlite" else "127.0.0.1"
    assert str(where) in said.replace(" ", "")  # a long path may wrap
    assert "0 (-)" in said and "0.0%" not in said  # no households, no share


def test_import_template_writes_a_new_spreadsheet_of_the_columns_that_imports_once_filled(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    made = cli("import", "areas", "areas.xlsx", "--template")
    assert made.exit_code == 0, made.output
    assert "doorstep import areas areas.xlsx" in made.output
    book = openpyxl.load_workbook(tmp_path / "areas.xlsx")
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == AREA_HEADER
    assert sheet["A1"].comment.text == "required: unique area code"
    # Written again, it would empty a file filled in: refused, the file kept.
    for number, row in enumerate(area_rows(), start=2):
        for column, name in enumerate(AREA_HEADER, start=1):
            sheet.cell(row=number, column=column, value=row[name] or None)
    book.save(tmp_path / "areas.xlsx")
    again = cli("import", "areas", "areas.xlsx", "--template")
    assert again.exit_code == 2 and "areas.xlsx exists" in again.output
    assert cli("import", "areas", "areas.csv", "--template").exit_code == 2
    assert not (tmp_path / "areas.csv").exists()
    done = cli("import", "areas", "areas.xlsx")
    assert done.exit_code == 0, done.output
    assert f"Imported {len(area_rows())} areas from areas.xlsx" in done.output
