"""Files that are not what their name says, Parquet types that are not text, and XLSX sheets
as people save them are refused with one line each, naming the sheet's own row."""

from __future__ import annotations

import datetime as dt
import gzip
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, text

from tests.factories.db import rejected, run_import
from tests.factories.files import (
    AREA_HEADER,
    VISITOR_HEADER,
    hidden_first_workbook,
    visitor,
    write_csv,
    write_xlsx,
)


def visitors_parquet(tmp_path: Path, **columns: pl.Series) -> Path:
    """Two visitors, V1 and V2, with ``columns`` replaced."""
    frame = pl.DataFrame([visitor(), visitor(visitor_id="V2")]).with_columns(
        pl.all().cast(pl.String)
    )
    path = tmp_path / "visitors.parquet"
    frame.with_columns(**columns).write_parquet(path)
    return path


def test_a_parquet_list_column_is_refused_naming_the_column(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = visitors_parquet(tmp_path, languages=pl.Series([["zh", "hmn"], ["zh"]]))
    assert rejected(with_areas, "visitors", path) == [
        "row 1, column languages: a column of type List(String) cannot be imported; "
        "store it as text, the values separated by ';'"
    ]


def test_a_parquet_struct_column_is_refused_not_turned_into_text(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = visitors_parquet(tmp_path, name=pl.Series([{"a": "x"}, {"a": "y"}]))
    assert rejected(with_areas, "visitors", path) == [
        "row 1, column name: a column of type Struct({'a': String}) cannot be imported; "
        "store it as text"
    ]


def test_parquet_bytes_are_read_as_utf8_text_and_refused_naming_the_row_when_they_are_not(
    with_areas: Engine, tmp_path: Path
) -> None:
    bad = visitors_parquet(tmp_path, name=pl.Series([b"Li Wei", b"\xff\xfe"]))
    assert rejected(with_areas, "visitors", bad) == [
        "row 3, column name: bytes that are not UTF-8 text; store the column as UTF-8 text"
    ]
    good = visitors_parquet(tmp_path, name=pl.Series(["李伟".encode(), b"Li Wei"]))
    assert run_import(with_areas, "visitors", good).created == 2


def test_a_parquet_timestamp_in_a_date_column_must_be_midnight_as_in_csv(
    with_areas: Engine, tmp_path: Path
) -> None:
    at_one = visitors_parquet(
        tmp_path, active_from=pl.Series([dt.datetime(2025, 1, 2), dt.datetime(2025, 1, 2, 13)])
    )
    assert rejected(with_areas, "visitors", at_one) == [
        "row 3, column active_from (value '2025-01-02 13:00:00'): a day with a time of day; "
        "a date column takes the day alone, YYYY-MM-DD"
    ]
    midnight = visitors_parquet(
        tmp_path, active_from=pl.Series([dt.datetime(2025, 1, 2), dt.datetime(2025, 1, 3)])
    )
    assert run_import(with_areas, "visitors", midnight).created == 2
    with with_areas.connect() as conn:
        days = conn.execute(text("SELECT active_from FROM visitors ORDER BY id")).scalars()
        assert [str(d) for d in days] == ["2025-01-02", "2025-01-03"]


def test_a_parquet_column_without_a_name_is_named_by_its_position(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = visitors_parquet(tmp_path, **{"": pl.Series(["x", None])})
    position = len(visitor()) + 1
    assert rejected(with_areas, "visitors", path) == [
        f"row 1: column {position} has no name but holds values; name it or delete it"
    ]


def visitor_row(**overrides: Any) -> list[Any]:
    row = visitor(**overrides)
    return [row.get(h) for h in VISITOR_HEADER]


def test_xlsx_errors_name_the_sheet_row_across_blank_rows(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [VISITOR_HEADER, visitor_row(), [], [], [], [], [], visitor_row(visitor_id="V2")]
    rows[-1][VISITOR_HEADER.index("capacity")] = -1
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    assert rejected(with_areas, "visitors", path) == [
        "row 8, column capacity (value '-1'): must be at least 0"
    ]


def test_xlsx_errors_name_the_sheet_row_when_the_header_is_not_on_row_1(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [VISITOR_HEADER, visitor_row(capacity=-1)]
    path = write_xlsx(tmp_path / "v.xlsx", rows, first_row=2)
    assert rejected(with_areas, "visitors", path) == [
        "row 3, column capacity (value '-1'): must be at least 0"
    ]


def test_xlsx_cells_holding_a_spreadsheet_error_are_refused_not_read_as_empty(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [VISITOR_HEADER, visitor_row(name="#N/A"), [], visitor_row(visitor_id="V2", lat="#REF!")],
    )
    assert rejected(with_areas, "visitors", path) == [
        "row 2, column name: holds a spreadsheet error #N/A; correct the cell or clear it",
        "row 4, column lat: holds a spreadsheet error #REF!; correct the cell or clear it",
    ]


def test_an_xlsx_column_with_values_but_no_name_is_named_by_its_position(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", [["code", "name", None, "parent_code", "level"], ["X", "n", "v"]]
    )
    lines = rejected(with_areas, "areas", path)
    assert "row 1: column 3 has no name but holds values; name it or delete it" in lines


def test_a_corrupt_or_empty_workbook_is_named_in_one_line(
    with_areas: Engine, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (line,) = rejected(with_areas, "areas", corrupt)
    assert line.startswith("file: cannot read the workbook: ")
    assert "\n" not in line
    empty = write_xlsx(tmp_path / "empty.xlsx", [])
    assert rejected(with_areas, "areas", empty) == ["file: the file has no header row"]


def test_a_text_file_named_xlsx_is_called_not_a_workbook_in_plain_words(
    with_areas: Engine, tmp_path: Path
) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("code,name,parent_code,level\nR,Region,,region\n", encoding="utf-8")
    (line,) = rejected(with_areas, "areas", fake)
    assert line.startswith("file: not an Excel workbook (.xlsx): ")
    assert "Zip" not in line and "EOCD" not in line


def test_a_compressed_or_binary_file_named_csv_says_what_it_is(
    with_areas: Engine, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "a.csv", AREA_HEADER, [["X", "n", "R", "village"]])
    packed = tmp_path / "packed.csv"
    packed.write_bytes(gzip.compress(good.read_bytes()))
    assert rejected(with_areas, "areas", packed) == [
        "file: the file is gzip-compressed, not CSV text; unpack it first"
    ]
    sheet = write_xlsx(tmp_path / "sheet.xlsx", [AREA_HEADER])
    named_csv = tmp_path / "sheet.csv"
    named_csv.write_bytes(sheet.read_bytes())
    assert rejected(with_areas, "areas", named_csv) == [
        "file: the file is a ZIP archive, not CSV text; unpack it, or if it is a workbook "
        "name it .xlsx"
    ]
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"code,\x00\x01\x02name,parent_code,level\nX,n,R,village\n")
    assert rejected(with_areas, "areas", binary) == [
        "file: the header holds NUL bytes: the file is not text; save it as UTF-8 (CSV UTF-8)"
    ]


def test_a_parquet_duration_column_is_refused_naming_it(with_areas: Engine, tmp_path: Path) -> None:
    path = visitors_parquet(tmp_path, name=pl.Series([dt.timedelta(days=1), dt.timedelta(hours=2)]))
    assert rejected(with_areas, "visitors", path) == [
        "row 1, column name: a column of type Duration(time_unit='us') cannot be imported; "
        "store it as text"
    ]


def test_xlsx_numbers_are_read_in_full_and_whole_ones_as_written(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Read as text, a number cell kept 9 decimals: coordinates moved by up to a few
    # centimetres at each export and import, and 2.0000000001 passed as a whole number.
    row = visitor_row(lat=28.67692412345678, lon=108.342807123456, capacity=3)
    path = write_xlsx(tmp_path / "v.xlsx", [VISITOR_HEADER, row])
    run_import(with_areas, "visitors", path)
    with with_areas.connect() as conn:
        got = conn.execute(text("SELECT lat, lon, capacity FROM visitors")).one()
    assert tuple(got) == (28.67692412345678, 108.342807123456, 3)
    almost = write_xlsx(tmp_path / "w.xlsx", [VISITOR_HEADER, visitor_row(capacity=2.0000000001)])
    assert rejected(with_areas, "visitors", almost)[0].startswith(
        "row 2, column capacity (value '2.0000000001')"
    )


def test_xlsx_numbers_among_text_cells_of_their_column_are_read_in_full(
    with_areas: Engine, tmp_path: Path
) -> None:
    # One coordinate typed as text made the whole column text to the typed read, and the
    # number cells kept 9 decimals: the same file as CSV stored other values.
    rows = [
        visitor_row(visitor_id="V1", lat=28.67692412345678),
        visitor_row(visitor_id="V2", lat=" 28.67058 "),
    ]
    run_import(with_areas, "visitors", write_xlsx(tmp_path / "v.xlsx", [VISITOR_HEADER, *rows]))
    with with_areas.connect() as conn:
        got = conn.execute(text("SELECT lat FROM visitors ORDER BY external_id")).scalars().all()
    assert got == [28.67692412345678, 28.67058]


def test_xlsx_formulas_without_values_and_cells_merged_over_rows_are_refused(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Both were read as empty: a consent typed once over merged rows, or given by a formula
    # that openpyxl saved without calculating it, became the default for those households.
    # The column is named as the header names it (it was its letter), and the cells the
    # error covers are not said to be missing as well.
    name = VISITOR_HEADER.index("name")
    formula = visitor_row()
    formula[name] = '="Li "&"Wei"'  # openpyxl saves the formula only
    path = write_xlsx(tmp_path / "f.xlsx", [VISITOR_HEADER, formula])
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[name]
    assert rejected(with_areas, "visitors", path) == [
        f"row 2, column name: cell {letter}2 holds a formula saved without its value (by a "
        "program that does not calculate); open and save the workbook in a spreadsheet, or "
        "paste the values"
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [VISITOR_HEADER, visitor_row(), visitor_row(visitor_id="V2")]:
        sheet.append(row)
    sheet.merge_cells(f"{letter}2:{letter}3")
    book.save(merged := tmp_path / "m.xlsx")
    assert rejected(with_areas, "visitors", merged) == [
        f"row 2, column name: cells {letter}2:{letter}3 are merged over several rows, so "
        "only the first row holds the value; unmerge them and give each row its value"
    ]


def test_cells_that_cannot_be_read_are_listed_with_the_files_other_errors(
    with_areas: Engine, tmp_path: Path
) -> None:
    # One run names every error: a spreadsheet error or a formula without its value no
    # longer hides a wrong value in another row until it is mended.
    rows = [
        VISITOR_HEADER,
        visitor_row(name="#N/A"),
        visitor_row(visitor_id="V2", capacity=-1),
        visitor_row(visitor_id="V3"),
    ]
    rows[3][VISITOR_HEADER.index("lat")] = "=1+2"
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[VISITOR_HEADER.index("lat")]
    assert rejected(with_areas, "visitors", path) == [
        "row 2, column name: holds a spreadsheet error #N/A; correct the cell or clear it",
        "row 3, column capacity (value '-1'): must be at least 0",
        f"row 4, column lat: cell {letter}4 holds a formula saved without its value (by a "
        "program that does not calculate); open and save the workbook in a spreadsheet, or "
        "paste the values",
    ]


def test_rows_and_columns_hidden_in_the_sheet_are_imported_and_said_so(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Someone who filtered the sheet to one township, or hid rows, may expect them left out.
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [VISITOR_HEADER, visitor_row(), visitor_row(visitor_id="V2"), visitor_row(visitor_id="V3")],
    )
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["B"].hidden = True
    book.save(path)
    summary = run_import(with_areas, "visitors", path)
    assert summary.created == 3
    assert summary.notes == (
        "1 row(s) hidden in the sheet were imported like the others (row 3): a hidden or "
        "filtered-out row is still data; delete the rows that are not meant to be imported",
        "column(s) hidden in the sheet were imported like the others: name",
    )
    shown = write_xlsx(tmp_path / "w.xlsx", [VISITOR_HEADER, visitor_row(visitor_id="V4")])
    assert run_import(with_areas, "visitors", shown).notes == ()


def test_an_xlsx_date_cell_in_a_text_column_is_read_as_the_day_it_shows(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Read as text, a date cell was "2025-01-02 00:00:00", stored so in a name or an id.
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [VISITOR_HEADER, visitor_row(name=dt.date(2025, 1, 2), active_from=dt.date(2025, 1, 3))],
    )
    run_import(with_areas, "visitors", path)
    with with_areas.connect() as conn:
        row = conn.execute(text("SELECT name, active_from FROM visitors")).one()
    assert [str(v) for v in row] == ["2025-01-02", "2025-01-03"]


def test_a_parquet_decimal_column_is_read_as_a_csv_file_writes_the_number(
    with_areas: Engine, tmp_path: Path
) -> None:
    # A decimal(10, 2) id 7.00 is the visitor 7, as 7.0 in a float column is.
    path = tmp_path / "v.parquet"
    pl.DataFrame([visitor(), visitor(visitor_id="V2")]).with_columns(
        pl.all().cast(pl.String)
    ).with_columns(
        visitor_id=pl.Series([Decimal("7.00"), Decimal("8.50")], dtype=pl.Decimal(10, 2))
    ).write_parquet(path)
    run_import(with_areas, "visitors", path)
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM visitors ORDER BY id")).scalars()
        assert list(ids) == ["7", "8.5"]


def test_xlsx_rows_are_counted_from_the_sheet_when_row_1_holds_an_empty_value(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Some programs write a blank cell as <v></v>; it holds no value, and the header on
    # row 2 is where reading starts.
    path = write_xlsx(tmp_path / "v.xlsx", [VISITOR_HEADER, visitor_row(capacity=-1)], first_row=2)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b"<sheetData>", b'<sheetData><row r="1"><c r="A1"><v></v></c></row>', 1
    )
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert rejected(with_areas, "visitors", path) == [
        "row 3, column capacity (value '-1'): must be at least 0"
    ]


def test_a_numeric_id_reads_the_same_from_csv_xlsx_and_parquet(
    with_areas: Engine, tmp_path: Path
) -> None:
    # One household, 7, whatever the format: a Parquet float column holds it as 7.0.
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    row = visitor_row(visitor_id=7)
    csv_path = write_csv(tmp_path / "v7.csv", VISITOR_HEADER, [row])
    xlsx_path = write_xlsx(tmp_path / "v7.xlsx", [VISITOR_HEADER, row])
    parquet_path = visitors_parquet(tmp_path, visitor_id=pl.Series([7.0, 8.0]))
    counts = [
        (s.created, s.updated, s.unchanged)
        for s in (
            run_import(with_areas, "visitors", csv_path),
            run_import(with_areas, "visitors", xlsx_path),
            run_import(with_areas, "visitors", parquet_path),
        )
    ]
    # The same visitor each time: stored already, so left as it is.
    assert counts == [(1, 0, 0), (0, 0, 1), (1, 0, 1)]
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM visitors ORDER BY id")).scalars()
        assert list(ids) == ["V1", "7", "8"]


def test_a_whole_number_past_2_to_the_53_is_refused_in_xlsx_and_parquet(
    with_areas: Engine, tmp_path: Path
) -> None:
    # 2**53 + 1 is held as 2**53: the id read may not be the one typed.
    big = write_xlsx(
        tmp_path / "v.xlsx",
        [VISITOR_HEADER, visitor_row(visitor_id=2**53 + 1), visitor_row(visitor_id="2")],
    )
    assert rejected(with_areas, "visitors", big) == [
        "row 2, column visitor_id (value '9007199254740992'): a floating-point number beyond "
        "9,007,199,254,740,991 (2^53 - 1) is held rounded, so this may not be the number "
        "typed; format the column as text and type the value again"
    ]
    floats = visitors_parquet(tmp_path, visitor_id=pl.Series([1.0, 1e20]))
    assert rejected(with_areas, "visitors", floats) == [
        "row 3, column visitor_id (value '1e+20'): a floating-point number beyond "
        "9,007,199,254,740,991 (2^53 - 1) is held rounded, so this may not be the number "
        "typed; store the column as text or as whole numbers (int64)"
    ]
    # As text, or as a Parquet int64, such an id is read exactly.
    exact = visitors_parquet(tmp_path, visitor_id=pl.Series([2**53 + 1, 2**60], dtype=pl.Int64))
    assert run_import(with_areas, "visitors", exact).created == 2
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM visitors ORDER BY id")).scalars()
        assert list(ids) == [str(2**53 + 1), str(2**60)]


def test_an_xlsx_id_formatted_with_leading_zeros_is_read_as_shown(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Typed 00042 into a cell formatted "00000", the id is held as the number 42.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(VISITOR_HEADER)
    sheet.append(visitor_row(visitor_id=42))
    sheet.append(visitor_row(visitor_id="00043"))
    sheet["A2"].number_format = "00000"
    book.save(path := tmp_path / "v.xlsx")
    run_import(with_areas, "visitors", path)
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT external_id FROM visitors ORDER BY id")).scalars()
        assert list(ids) == ["00042", "00043"]


def test_a_hidden_first_sheet_is_skipped_and_the_sheet_read_is_named(
    with_areas: Engine, tmp_path: Path
) -> None:
    # A hidden sheet is someone's lookup or old data, not the rows to import.
    path = hidden_first_workbook(
        tmp_path / "v.xlsx",
        [VISITOR_HEADER, visitor_row(visitor_id="V2")],
        title="Data",
        hidden=[VISITOR_HEADER, visitor_row(visitor_id="OLD")],
    )
    summary = run_import(with_areas, "visitors", path)
    assert summary.sheet == "sheet 'Data', the first visible of 2, after 1 hidden sheet(s)"
    with with_areas.connect() as conn:
        assert list(conn.execute(text("SELECT external_id FROM visitors")).scalars()) == ["V2"]
    single = write_xlsx(tmp_path / "one.xlsx", [VISITOR_HEADER, visitor_row(visitor_id="V3")])
    assert run_import(with_areas, "visitors", single).sheet is None


def test_a_header_under_a_title_row_is_named_where_it_is_in_xlsx_and_csv(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Row 1 a title, row 2 blank, the header on row 3: "unknown column 'Visitors 2026'"
    # and a list of missing columns sent people to fix the header, which was fine.
    title = write_xlsx(tmp_path / "v.xlsx", [["Visitors 2026"], [], VISITOR_HEADER, visitor_row()])
    expected = [
        "row 1: the expected header was not found in row 1 (it holds 'Visitors 2026'); "
        "it is in row 3: delete the rows above it"
    ]
    assert rejected(with_areas, "visitors", title) == expected
    csv_title = write_csv(
        tmp_path / "v.csv", ["Visitors 2026"], [[], VISITOR_HEADER, visitor_row()]
    )
    assert rejected(with_areas, "visitors", csv_title) == expected


def test_an_empty_first_sheet_is_refused_naming_the_sheet_that_holds_the_data(
    with_areas: Engine, tmp_path: Path
) -> None:
    book = Workbook()
    blank = book.active
    assert blank is not None
    blank.title = "Sheet1"
    data = book.create_sheet("Visitors")
    for row in (VISITOR_HEADER, visitor_row()):
        data.append(row)
    book.save(path := tmp_path / "v.xlsx")
    assert rejected(with_areas, "visitors", path) == [
        "file: the sheet read, 'Sheet1' (the first visible one), is empty; the data seems to "
        "be on sheet 'Visitors': move that sheet to the front or delete the empty one"
    ]


def test_a_legacy_xls_workbook_is_one_line_asking_for_xlsx(
    with_areas: Engine, tmp_path: Path
) -> None:
    ole2 = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    (xls := tmp_path / "v.xls").write_bytes(ole2)
    assert rejected(with_areas, "visitors", xls) == [
        "file: the file is a legacy Excel (.xls) workbook, which cannot be read; open it in a "
        "spreadsheet and save it as .xlsx (Excel Workbook)"
    ]
    # The same bytes renamed .xlsx (or a workbook saved with a password, wrapped alike).
    (renamed := tmp_path / "v.xlsx").write_bytes(ole2)
    (line,) = rejected(with_areas, "visitors", renamed)
    assert line.startswith("file: the file is a legacy Excel (.xls) workbook named .xlsx")


def _in_format(fmt: str, path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """``rows`` of text under ``header``, written as ``fmt`` (csv, xlsx or parquet)."""
    path = path.with_suffix(f".{fmt}")
    if fmt == "csv":
        return write_csv(path, header, rows)
    if fmt == "xlsx":
        return write_xlsx(path, [header, *rows])
    pl.DataFrame(rows, schema=header, orient="row").write_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_text_cells_lose_surrounding_spaces_and_one_of_spaces_only_is_empty(
    with_areas: Engine, tmp_path: Path, fmt: str
) -> None:
    header = ["household_id", "head_name", "address", "area_code", "lat", "lon", "members"]
    header.append("languages")
    place = ["R-C-V1", "26.58", "107.98", "4", "zh"]
    households = _in_format(
        fmt,
        tmp_path / "h",
        header,
        [["H1", "  Wang Fang\t", " No. 1 ", *place], ["H2", "\u3000Li Na ", "   ", *place]],
    )
    assert run_import(with_areas, "households", households).created == 2
    # The file again: its spaces are not an edit of what was stored without them.
    again = run_import(with_areas, "households", households)
    assert (again.updated, again.unchanged) == (0, 2)
    indicators = _in_format(
        fmt,
        tmp_path / "i",
        ["household_id", "year", "services_enrolled"],
        [["H1", "2025", "   "], ["H2", "2025", " A;B "]],
    )
    run_import(with_areas, "indicators", indicators)
    with with_areas.connect() as conn:
        heads = conn.execute(
            text("SELECT external_id, head_name, address FROM households ORDER BY external_id")
        ).all()
        services = conn.execute(
            text("SELECT services_enrolled FROM household_indicators ORDER BY household_id")
        ).scalars()
        assert [tuple(r) for r in heads] == [("H1", "Wang Fang", "No. 1"), ("H2", "Li Na", "")]
        assert list(services) == [None, "a;b"]  # spaces only: empty, stored as none
    areas = _in_format(fmt, tmp_path / "a", AREA_HEADER, [["X", "   ", "R", " village "]])
    errors = rejected(with_areas, "areas", areas)
    assert [e.replace(" (value '   ')", "") for e in errors] == [
        "row 2, column name: required value is missing"
    ]


def test_csv_rows_of_empty_cells_are_skipped_as_in_xlsx_and_errors_keep_the_files_row(
    with_areas: Engine, tmp_path: Path
) -> None:
    def line(**overrides: Any) -> str:
        row = visitor(**overrides)
        return ",".join(str(row.get(h, "")) for h in VISITOR_HEADER)

    empty = "," * (len(VISITOR_HEADER) - 1)
    path = tmp_path / "v.csv"
    lines = [",".join(VISITOR_HEADER), line(), "", empty, line(visitor_id="V2", capacity=-1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert rejected(with_areas, "visitors", path) == [
        "row 5, column capacity (value '-1'): must be at least 0"
    ]
    lines[-1] = line(visitor_id="V2")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_import(with_areas, "visitors", path).created == 2


def test_a_parquet_nan_is_a_missing_value_and_an_infinity_is_refused(
    with_areas: Engine, tmp_path: Path
) -> None:
    # pandas writes a missing value of a float column as NaN: not the id "NaN".
    nan = visitors_parquet(tmp_path, visitor_id=pl.Series([7.0, float("nan")]))
    assert rejected(with_areas, "visitors", nan) == [
        "row 3, column visitor_id: required value is missing"
    ]
    inf = visitors_parquet(tmp_path, visitor_id=pl.Series([float("inf"), float("-inf")]))
    assert rejected(with_areas, "visitors", inf) == [
        "row 2, column visitor_id (value 'inf'): an infinite number is no value; give the "
        "value, or leave the cell empty; 1 more such row(s) in this column"
    ]
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visitors")).scalar_one() == 0


@pytest.mark.parametrize("front", ["notes", "lookup"])
def test_a_workbook_whose_first_sheet_is_not_the_data_names_the_sheet_that_is(
    with_areas: Engine, tmp_path: Path, front: str
) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    if front == "notes":
        first.title = "Readme"
        first["A1"] = "Areas of the county, 2026"  # a title only: "no data rows" before
    else:
        first.title = "Lookup"
        first.append(["level", "meaning"])  # one expected name: "missing columns" before
        first.append(["village", "a village"])
    data = book.create_sheet("Areas")
    data.append(["code", "name", "level", "parent_code"])
    data.append(["ZZ", "Zed", "village", "R-C"])
    path = tmp_path / "a.xlsx"
    book.save(path)
    [line] = rejected(with_areas, "areas", path)
    assert line == (
        f"file: the sheet read (sheet '{first.title}', the first visible of 2) lacks expected "
        "columns; they are all on sheet 'Areas': move that sheet to the front, or save it as "
        "a workbook of its own"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_row_of_cells_of_spaces_only_is_a_blank_row_and_is_skipped(
    with_areas: Engine, tmp_path: Path, fmt: str
) -> None:
    # A cell of spaces only is an empty cell, and a row of empty cells is skipped: a space
    # typed to "clear" a cell leaves a row that looks blank, not one missing its code.
    spaces = [" ", "\t", "  ", "\u3000"]
    rows = [["X1", "Ex", "R", "county"], spaces, ["X2", "", "R", "county"]]
    if fmt == "parquet":  # and a row of nulls, as pandas writes an empty line of a sheet
        rows.insert(1, [None, None, None, None])
    last = len(rows) + 1
    path = _in_format(fmt, tmp_path / "a", AREA_HEADER, rows)
    assert rejected(with_areas, "areas", path) == [
        f"row {last}, column name: required value is missing"
    ]
    rows[-1] = ["X2", "Ex two", "R", "county"]
    path = _in_format(fmt, tmp_path / "a", AREA_HEADER, rows)
    assert run_import(with_areas, "areas", path).created == 2


def test_a_csv_line_of_spaces_only_is_a_blank_line(with_areas: Engine, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("code,name,parent_code,level\nX1,Ex,R,county\n   \nX2,Ex,R,county\n")
    assert run_import(with_areas, "areas", path).created == 2


def test_a_sheet_with_a_cell_past_the_last_column_is_refused_before_it_is_read(
    with_areas: Engine, tmp_path: Path
) -> None:
    # No spreadsheet program writes a cell past XFD; one at ZZZZ2 held the reader for
    # minutes and gigabytes, a column made for every one up to it.
    made = write_xlsx(tmp_path / "made.xlsx", [AREA_HEADER, ["X", "n", "R", "village"]])
    crafted = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(crafted, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'r="D2"', b'r="XFE2"')
            out.writestr(item, data)
    assert rejected(with_areas, "areas", crafted) == [
        "file: the sheet 'Sheet' has a cell in column XFE, past a spreadsheet's last column "
        "(XFD): the file was not saved by a spreadsheet program; open it in one and save it "
        "again, or save it as CSV"
    ]
    # A stray cell far to the right within the last column is a spreadsheet's own: read as
    # before (blank, so the row is skipped; XFD itself takes the reader seconds).
    far = Workbook()
    sheet = far.active
    assert sheet is not None
    sheet.append(AREA_HEADER)
    sheet.append(["X", "n", "R", "village"])
    sheet["AAA5"] = " "
    far.save(tmp_path / "far.xlsx")
    assert run_import(with_areas, "areas", tmp_path / "far.xlsx").created == 1
