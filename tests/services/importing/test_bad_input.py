"""Every bad input gets a precise error, and the database is left exactly as it was."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.services.importing import ImportRejected
from tests.factories.db import import_teams, rejected, run_import, snapshot
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def households_file(tmp_path: Path, *rows: dict[str, object]) -> Path:
    return write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, list(rows))


def test_an_empty_file_is_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_bytes(b"")
    assert rejected(with_areas, "households", path) == ["file: the file is empty"]


def test_a_header_without_rows_is_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(tmp_path)
    assert rejected(with_areas, "households", path) == [
        "file: the file has a header but no data rows"
    ]


def test_a_utf8_byte_order_mark_is_read_as_part_of_nothing(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = households_file(tmp_path, household())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_import(with_areas, "households", path).created == 1
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT external_id FROM households")).scalar_one() == "H1"


def test_latin1_bytes_are_named_with_their_row_column_and_encoding(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    good = households_file(tmp_path, household(), household(household_id="H2", head_name="José"))
    path.write_bytes(good.read_text(encoding="utf-8").encode("latin-1"))
    (line,) = rejected(with_areas, "households", path)
    assert line.startswith("row 3, column head_name: byte 0xe9 at byte ")
    assert "of the file is not UTF-8" in line
    assert "Latin-1" in line and "save it as UTF-8 (CSV UTF-8)" in line


def test_gbk_bytes_are_named_as_a_legacy_encoding_such_as_gbk(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    good = households_file(tmp_path, household(), household(household_id="H2", head_name="王芳"))
    path.write_bytes(good.read_text(encoding="utf-8").encode("gbk"))
    (line,) = rejected(with_areas, "households", path)
    assert "is not UTF-8" in line
    assert "legacy encoding such as GBK or Latin-1; save it as UTF-8" in line


def test_latin1_bytes_after_a_line_break_in_a_quoted_value_are_named_by_their_row(
    with_areas: Engine, tmp_path: Path
) -> None:
    # The address's line break makes the second household's row 3 the file's line 4.
    good = households_file(
        tmp_path,
        household(address="Group 3\nHouse 12"),
        household(household_id="H2", head_name="José"),
    )
    path = tmp_path / "latin1.csv"
    path.write_bytes(good.read_text(encoding="utf-8").encode("latin-1"))
    (line,) = rejected(with_areas, "households", path)
    assert line.startswith("row 3, column head_name: byte 0xe9 at byte ")


def test_quoted_newlines_inside_a_field_are_kept(with_areas: Engine, tmp_path: Path) -> None:
    address = 'Group 3\nHouse 12, "east" side'
    path = households_file(tmp_path, household(address=address))
    run_import(with_areas, "households", path)
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT address FROM households")).scalar_one() == address


def test_a_ten_megabyte_field_is_rejected_as_too_long(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(
        tmp_path, household(), household(household_id="H2", head_name="x" * 10_485_760)
    )
    line = rejected(with_areas, "households", path)
    assert len(line) == 1
    assert line[0].startswith("row 3, column head_name (value 'xxxxxxxx")
    assert line[0].endswith("…' [10485760 characters]): too long: 10485760 characters, at most 200")


def test_coordinates_out_of_range_are_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(
        tmp_path,
        household(household_id="H1", lat=91, lon=107.98),
        household(household_id="H2", lat=-90.5, lon=107.98),
        household(household_id="H3", lat=26.5, lon=180.01),
        household(household_id="H4", lat=26.5, lon=-181),
    )
    assert rejected(with_areas, "households", path) == [
        "row 2, column lat (value '91'): latitude must be between -90 and 90",
        "row 3, column lat (value '-90.5'): latitude must be between -90 and 90",
        "row 4, column lon (value '180.01'): longitude must be between -180 and 180",
        "row 5, column lon (value '-181'): longitude must be between -180 and 180",
    ]


def test_swapped_coordinates_out_of_range_are_named_as_swapped(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = households_file(tmp_path, household(lat=107.98, lon=26.58))
    assert rejected(with_areas, "households", path) == [
        "row 2, column lat (value '107.98'): latitude must be between -90 and 90; "
        "latitude and longitude look swapped"
    ]


def test_swapped_coordinates_in_range_are_found_from_the_rest_of_the_area(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id=f"H{i}", lat=1.0 + i / 1000, lon=36.8) for i in range(5)]
    rows.append(household(household_id="HX", lat=36.8, lon=1.002))
    (line,) = rejected(with_areas, "households", households_file(tmp_path, *rows))
    assert line.startswith(
        "row 7, column lat (value '36.8, 1.002'): latitude and longitude look swapped"
    )
    assert "of area R-C-V1" in line


def test_nan_and_empty_coordinates_are_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(
        tmp_path,
        household(household_id="H1", lat="NaN"),
        household(household_id="H2", lon=""),
        household(household_id="H3", lat="nan", lon="inf"),
    )
    assert rejected(with_areas, "households", path) == [
        "row 2, column lat (value 'NaN'): not a finite number",
        "row 3, column lon: required value is missing",
        "row 4, column lat (value 'nan'): not a finite number",
        "row 4, column lon (value 'inf'): not a finite number",
    ]


def test_duplicate_ids_in_a_file_are_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(
        tmp_path,
        household(household_id="H1"),
        household(household_id="H2"),
        household(household_id="H1"),
    )
    assert rejected(with_areas, "households", path) == [
        "row 4, column household_id (value 'H1'): "
        "duplicate household_id in the file; first in row 2"
    ]


def test_an_unknown_area_code_is_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(tmp_path, household(area_code="NOWHERE"))
    assert rejected(with_areas, "households", path) == [
        "row 2, column area_code (value 'NOWHERE'): unknown area code; import the areas first"
    ]


def test_negative_or_fractional_capacity_is_rejected(with_areas: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "visitors.csv",
        VISITOR_HEADER,
        [
            visitor(visitor_id="V1", capacity=-1),
            visitor(visitor_id="V2", capacity=1.5),
            visitor(visitor_id="V3", capacity="two"),
        ],
    )
    assert rejected(with_areas, "visitors", path) == [
        "row 2, column capacity (value '-1'): must be at least 0",
        "row 3, column capacity (value '1.5'): must be a whole number",
        "row 4, column capacity (value 'two'): not a number",
    ]


def test_an_unknown_column_is_rejected(with_areas: Engine, tmp_path: Path) -> None:
    rows = [[*household().values(), "Han"]]
    path = write_csv(tmp_path / "households.csv", [*HOUSEHOLD_HEADER, "ethnicity"], rows)
    (line,) = rejected(with_areas, "households", path)
    assert line.startswith(
        "row 1, column ethnicity: unknown column; the columns are: household_id, "
    )


NAMES = [
    "محمد بن عبد الله",  # Arabic script
    "王秀英",  # Chinese
    "Ольга Петровна",  # Cyrillic
    "Ana 👩🏽‍🌾 Lima",  # emoji with a skin tone and a zero-width joiner
    "Zoe\u0308 Nguye\u0302\u0303n",  # combining marks, not normalised
]


def test_names_in_any_script_are_stored_and_exported_byte_for_byte(
    with_areas: Engine, tmp_path: Path
) -> None:
    from doorstep.services.exporting import export_entity
    from doorstep.storage.session import unit_of_work

    rows = [household(household_id=f"H{i}", head_name=n) for i, n in enumerate(NAMES)]
    run_import(with_areas, "households", households_file(tmp_path, *rows))
    with with_areas.connect() as conn:
        stored = conn.execute(text("SELECT head_name FROM households ORDER BY id")).scalars().all()
    assert [s.encode() for s in stored] == [n.encode() for n in NAMES]
    for suffix in (".csv", ".xlsx", ".parquet"):
        out = tmp_path / f"export{suffix}"
        with unit_of_work(with_areas) as s:
            pending = export_entity(s, "households", out, actor="test")
        pending.write()
        from doorstep.services.importing.reader import read_table

        assert [n.encode() for n in read_table(out)["head_name"].to_list()] == [
            n.encode() for n in NAMES
        ]


def test_a_missing_file_is_named(with_areas: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert rejected(with_areas, "households", path) == [f"file: no such file: {path}"]


def test_a_folder_instead_of_a_file_is_named(with_areas: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert rejected(with_areas, "households", folder) == [f"file: {folder} is a folder, not a file"]


def test_one_bad_row_among_good_ones_writes_nothing_and_lists_all_errors_in_a_csv(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id=f"H{i}") for i in range(120)]
    rows += [household(household_id=f"B{i}", members=0) for i in range(60)]
    path = households_file(tmp_path, *rows)
    before = snapshot(with_areas)
    with pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    assert snapshot(with_areas) == before
    assert len(info.value.errors) == 60
    assert "... and 10 more" in info.value.message
    assert info.value.errors_csv is not None
    lines = info.value.errors_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1] == "122,members,,must be at least 1"
    assert len(lines) == 61


def test_unknown_language_codes_are_named_and_known_ones_are_normalised(
    with_areas: Engine, tmp_path: Path
) -> None:
    bad = households_file(
        tmp_path, household(languages="zh;xx;qqq"), household(household_id="H2", languages=";")
    )
    assert rejected(with_areas, "households", bad) == [  # ";" is no language: not an error
        "row 2, column languages (value 'zh;xx;qqq'): unknown language code(s): xx, qqq; "
        "use ISO 639 codes such as zh or hmn",
    ]
    good = households_file(tmp_path, household(languages=" ZH ; hmn;zh "))
    run_import(with_areas, "households", good)
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT languages FROM households")).scalar_one() == "zh;hmn"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_column_named_twice_is_rejected_naming_it(
    with_areas: Engine, tmp_path: Path, suffix: str
) -> None:
    header = [*HOUSEHOLD_HEADER, " lat" if suffix == ".parquet" else "lat"]
    row = [*household().values(), "10"]
    path = tmp_path / f"households{suffix}"
    if suffix == ".csv":
        write_csv(path, header, [row])
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        sheet.append([str(v) for v in row])
        book.save(path)
    else:  # a Parquet file cannot hold one name twice, but it can hold "lat" and " lat"
        pl.DataFrame(
            [pl.Series(h, [str(v)]) for h, v in zip(header, row, strict=True)]
        ).write_parquet(path)
    assert rejected(with_areas, "households", path) == [
        "row 1, column lat: the column appears twice"
    ]


def _rows_with(row_51: str) -> str:
    """A households file of 100 rows whose row 51 (the header being row 1) is ``row_51``."""
    rows = [",".join(str(v) for v in household(household_id=f"H{i}").values()) for i in range(100)]
    rows[49] = row_51
    return "\n".join([",".join(HOUSEHOLD_HEADER), *rows]) + "\n"


@pytest.mark.parametrize(
    ("row_51", "expected"),
    [
        (
            'H49,Wang Fang,"No. 1,R-C-V1,26.58,107.98,4,zh,given,2026-01-02',
            "row 51, column address (value '\"No. 1,R-C-V1,26.58,107.98,4,zh,given,2026-01-02'): "
            "unclosed quote: this value opens with a quote that never closes; add the closing "
            "quote or remove this one",
        ),
        (
            'H49,Wang Fang,No. 1,R-C-V1,26.58,107.98,4,z"h,given,2026-01-02',
            "row 51, column languages (value 'z\"h'): a quote inside a value that is not quoted; "
            'quote the whole value and double each quote inside it, e.g. "a ""b"" c"',
        ),
    ],
    ids=["unclosed", "stray"],
)
def test_a_malformed_quote_is_named_by_row_and_column_without_the_rest_of_the_file(
    with_areas: Engine, tmp_path: Path, row_51: str, expected: str
) -> None:
    path = tmp_path / "households.csv"
    path.write_text(_rows_with(row_51), encoding="utf-8")
    assert rejected(with_areas, "households", path) == [expected]


def test_spaces_around_ids_and_codes_are_ignored(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(
        tmp_path, household(household_id="H1"), household(household_id=" H1 ", lat=26.59)
    )
    assert rejected(with_areas, "households", path) == [
        "row 3, column household_id (value 'H1'): duplicate household_id in the file; "
        "first in row 2"
    ]
    path = households_file(tmp_path, household(household_id=" H1 ", area_code=" R-C-V1 "))
    assert run_import(with_areas, "households", path).created == 1
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT external_id FROM households")).scalar_one() == "H1"


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.replace("\n", "\r").encode(),
        lambda s: s.encode("utf-16"),  # with its byte-order mark
        lambda s: s.replace("\n", "\r").encode("utf-16"),
    ],
    ids=["cr-only", "utf-16", "utf-16-cr-only"],
)
def test_old_mac_line_ends_and_utf16_with_a_byte_order_mark_are_read(
    with_areas: Engine, tmp_path: Path, encode: Callable[[str], bytes]
) -> None:
    path = households_file(
        tmp_path, household(head_name="José"), household(household_id="H2", head_name="王秀英")
    )
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    assert run_import(with_areas, "households", path).created == 2
    with with_areas.connect() as conn:
        names = conn.execute(text("SELECT head_name FROM households ORDER BY id")).scalars()
        assert names.all() == ["José", "王秀英"]


def test_utf16_without_a_byte_order_mark_is_named(with_areas: Engine, tmp_path: Path) -> None:
    path = households_file(tmp_path, household())
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    assert rejected(with_areas, "households", path) == [
        "file: the header holds NUL bytes: the file looks like UTF-16 without a byte-order "
        "mark; save it as UTF-8 (CSV UTF-8)"
    ]


def test_a_stray_quote_in_a_header_name_is_named_not_read_as_a_file_without_rows(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = households_file(tmp_path, household())
    path.write_text(path.read_text().replace("address", 'addr"ess', 1))
    assert rejected(with_areas, "households", path) == [
        'row 1, column addr"ess: a quote inside a column name that is not quoted; quote the '
        'whole name and double each quote inside it, e.g. "a ""b"" c"'
    ]


def test_a_long_unknown_column_is_named_short_on_screen_and_in_the_errors_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    long = "n" * 140_000
    path = write_csv(
        tmp_path / "households.csv", [*HOUSEHOLD_HEADER, long], [[*household().values(), "x"]]
    )
    (line,) = rejected(with_areas, "households", path)
    assert line.startswith(f"row 1, column '{'n' * 60}…' [140000 characters]: unknown column")
    assert len(line) < 500
    # The errors file of a file about people names no column it does not know (the name
    # may be data: docs/cli.md); the areas' file names it, shortened.
    written = pl.read_csv(tmp_path / "households.csv.errors.csv", infer_schema=False)
    assert written["column"].fill_null("").to_list() == [""]
    areas = write_csv(
        tmp_path / "areas.csv", ["code", "name", "level", long], [["A", "A", "x", ""]]
    )
    rejected(with_areas, "areas", areas)
    written = pl.read_csv(tmp_path / "areas.csv.errors.csv", infer_schema=False)
    assert written["column"].to_list() == [f"{'n' * 200}… [140000 characters]"]


def test_a_column_with_values_but_no_name_is_named_by_its_position(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    row = ",".join(str(v) for v in household().values())
    path.write_text(f"{','.join(HOUSEHOLD_HEADER)},,\n{row},note,\n")
    assert rejected(with_areas, "households", path) == [
        "row 1: column 11 has no name but holds values; name it or delete it",
    ]


def test_empty_columns_without_a_name_are_ignored_as_spreadsheets_save_them(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    row = ",".join(str(v) for v in household().values())
    path.write_text(f"{','.join(HOUSEHOLD_HEADER)},,\n{row},, \n")
    assert run_import(with_areas, "households", path).created == 1


def test_a_row_that_ends_early_is_refused_and_keeps_the_stored_values(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Polars reads the fields a short row lacks as empty: re-imported, the county would lose
    # its parent and become a root.
    path = tmp_path / "areas.csv"
    path.write_text("code,name,level,parent_code\nR-C,County,county\n", encoding="utf-8")
    assert rejected(with_areas, "areas", path) == [
        "row 2, column parent_code: the row ends early: 3 field(s) where the header has 4 "
        "(an empty value still needs its comma)"
    ]
    # Two fields short, a quoted comma and a line break inside quotes, CRLF line ends.
    path.write_bytes(
        b'code,name,level,parent_code\r\nR-C,"County, ""east""\r\nside",county,R\r\nR-C-V1,V\r\n'
    )
    assert rejected(with_areas, "areas", path) == [
        "row 3, column level: the row ends early: 2 field(s) where the header has 4 "
        "(an empty value still needs its comma)"
    ]


def test_a_value_given_as_empty_keeps_its_comma_and_is_read(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "areas.csv"
    path.write_text("code,name,level,parent_code\nX,Elsewhere,region,\n", encoding="utf-8")
    assert run_import(with_areas, "areas", path).created == 1
    with with_areas.connect() as conn:
        parent = conn.execute(text("SELECT parent_id FROM areas WHERE code = 'X'"))
        assert parent.scalar_one() is None


def test_a_consent_date_without_its_consent_is_refused_for_a_stored_or_a_new_household(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(household_id="H1", consent="given")])
    run_import(with_areas, "households", path)
    rows = [
        household(household_id="H1", consent="", consent_date="2026-05-01"),
        household(household_id="H2", consent="", consent_date="2026-05-01"),
        household(household_id="H3", consent="", consent_date=""),  # both empty: fine
    ]
    reason = (
        "a consent date needs its consent (given, pending or withdrawn) in the same row; "
        "to keep the stored consent, leave both empty"
    )
    assert rejected(with_areas, "households", write_csv(path, HOUSEHOLD_HEADER, rows)) == [
        f"row {n}, column consent_date (value '2026-05-01'): {reason}" for n in (2, 3)
    ]


def test_a_consent_date_after_today_is_refused(with_areas: Engine, tmp_path: Path) -> None:
    # An act counts from the day it is made: dated ahead, it would count at once for pairing
    # and planning but not yet for the work lists.
    rows = [
        household(household_id="H1", consent="given", consent_date="2026-12-02"),  # today
        household(household_id="H2", consent="withdrawn", consent_date="2026-12-03"),
    ]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    assert rejected(with_areas, "households", path, today=dt.date(2026, 12, 2)) == [
        "row 3, column consent_date (value '2026-12-03'): is after today (2026-12-02): record "
        "a consent act on or after the day it is made"
    ]
    assert run_import(with_areas, "households", path, today=dt.date(2026, 12, 3)).created == 2


def test_a_team_lead_without_a_team_is_refused_naming_row_and_column_and_no_value_is_kept(
    with_areas: Engine, tmp_path: Path
) -> None:
    import_teams(with_areas, tmp_path, "T1")
    path = tmp_path / "v.csv"
    write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1", team_code="T1", is_team_lead="true")])
    run_import(with_areas, "visitors", path)
    rows = [
        visitor(visitor_id="V1", team_code="", is_team_lead="yes"),  # stored, and a lead
        visitor(visitor_id="V2", team_code="", is_team_lead="true"),  # new
        visitor(visitor_id="V3", team_code="", is_team_lead=""),  # no team, not stated: fine
        visitor(visitor_id="V4", team_code="", is_team_lead="false"),
        visitor(visitor_id="V5", team_code="T1", is_team_lead="true"),
    ]
    reason = (
        "a team lead needs the team it leads (team_code) in the same row; give it, or set "
        "is_team_lead to false"
    )
    # Each names its cell by what it holds, as every other error does, not by what it was
    # read as.
    assert rejected(with_areas, "visitors", write_csv(path, VISITOR_HEADER, rows)) == [
        f"row 2, column is_team_lead (value 'yes'): {reason}",
        f"row 3, column is_team_lead (value 'true'): {reason}",
    ]
    # The errors file of a file about people names the cell and copies none of its data.
    with (tmp_path / "v.csv.errors.csv").open(encoding="utf-8", newline="") as fh:
        written = list(csv.reader(fh))
    assert written[1:] == [[str(n), "is_team_lead", "", reason] for n in (2, 3)]
    # A file without a team_code column says no team either.
    header = [h for h in VISITOR_HEADER if h != "team_code"]
    alone = write_csv(tmp_path / "v2.csv", header, [visitor(visitor_id="V1", is_team_lead="1")])
    assert rejected(with_areas, "visitors", alone) == [
        f"row 2, column is_team_lead (value '1'): {reason}"
    ]


def test_a_rule_across_columns_shows_its_cells_as_the_file_holds_them(
    with_areas: Engine, tmp_path: Path
) -> None:
    visitors = write_csv(
        tmp_path / "v.csv",
        VISITOR_HEADER,
        [visitor(active_from=" 2026-03-09", active_to="2026-02-17 ")],
    )
    assert rejected(with_areas, "visitors", visitors) == [
        "row 2, column active_to (value '2026-02-17 '): ends before it starts "
        "(active_from is 2026-03-09)"
    ]
    households = write_csv(
        tmp_path / "h.csv",
        HOUSEHOLD_HEADER,
        [
            household(household_id="H1", consent="", consent_date="2026-05-01"),
            household(household_id="H2", consent="given", consent_date="2026-12-03"),
        ],
    )
    assert rejected(with_areas, "households", households, today=dt.date(2026, 12, 2)) == [
        "row 2, column consent_date (value '2026-05-01'): a consent date needs its consent "
        "(given, pending or withdrawn) in the same row; to keep the stored consent, leave "
        "both empty",
        "row 3, column consent_date (value '2026-12-03'): is after today (2026-12-02): record "
        "a consent act on or after the day it is made",
    ]


@pytest.mark.parametrize("spelt", ["H\t1", "H\n1", "H\u202e1", "H\x851"])
def test_an_id_with_a_control_character_or_a_direction_mark_inside_is_refused(
    with_areas: Engine, tmp_path: Path, spelt: str
) -> None:
    # Shown as another id, or one no one can type to find it; at its edges such a mark is
    # trimmed as spaces are.
    path = households_file(tmp_path, household(household_id="H0"), household(household_id=spelt))
    before = snapshot(with_areas)
    (line,) = rejected(with_areas, "households", path)
    assert line.startswith("row 3, column household_id (value ")
    assert line.endswith(
        "holds a control character (a tab, a line break) or a text-direction mark; an id or "
        "code is plain text on one line"
    )
    assert snapshot(with_areas) == before


def test_a_file_that_begins_with_two_byte_order_marks_is_told_so(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Saved with a mark, then again by a program that added one: the second is read as
    # part of the first column's name, which was then only "unknown".
    path = tmp_path / "areas.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfcode,name,parent_code,level\nX1,Ex,R,county\n")
    assert (
        "row 1, column '\\ufeffcode': unknown column: the file begins with a byte-order mark "
        "twice; save it again as UTF-8 (CSV UTF-8)"
    ) in rejected(with_areas, "areas", path)


def test_a_number_written_with_a_comma_is_refused_saying_how_to_write_it(
    with_areas: Engine, tmp_path: Path
) -> None:
    """Neither guess is made (a decimal comma, a thousands separator): either could store a
    wrong figure. The reason says how to write the number instead."""
    path = write_csv(
        tmp_path / "households.csv",
        HOUSEHOLD_HEADER,
        [
            household(household_id="H1", lat="26,58"),
            household(household_id="H2", members="1,000"),
            household(household_id="H3", lon="107,980,1"),
            household(household_id="H4", members="4,"),
        ],
    )
    assert rejected(with_areas, "households", path) == [
        "row 2, column lat (value '26,58'): not a number; write it without a thousands "
        "separator, with a point for decimals (1234.5)",
        "row 3, column members (value '1,000'): not a number; write a whole number without "
        "a thousands separator",
        "row 4, column lon (value '107,980,1'): not a number; write it without a thousands "
        "separator, with a point for decimals (1234.5)",
        "row 5, column members (value '4,'): not a number",
    ]
