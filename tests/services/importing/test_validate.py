"""Validation refuses every bad cell with one line naming its row, column, value and reason,
and never lets a bad value reach the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.domain.languages import known_codes, parse_languages
from doorstep.services.importing import SCHEMAS
from doorstep.services.importing.columns import Kind
from doorstep.services.importing.limits import limits
from doorstep.services.importing.validate import LOOSE_DATE, NUL_REASON, References, validate
from tests.factories.db import rejected, run_import
from tests.factories.files import household, visitor, write_csv

# One good row of each entity, against the tiny area tree of ``with_areas``.
GOOD: dict[str, dict[str, Any]] = {
    "areas": {"code": "X", "name": "New", "parent_code": "R", "level": "village"},
    "organisations": {"code": "O", "name": "Org", "kind": "ngo", "area_code": "R"},
    "teams": {"code": "T", "name": "Team", "area_code": "R-C-V1", "starts_on": "2025-01-01"},
    "visitors": visitor(),
    "households": household(),
    "indicators": {"household_id": "H1", "year": 2025, "members_in_work": 1},
}


def one_row(tmp_path: Path, entity: str, **overrides: Any) -> Path:
    row = {**GOOD[entity], **overrides}
    return write_csv(tmp_path / f"{entity}.csv", list(row), [row])


REQUIRED = [(entity, c.name) for entity, s in SCHEMAS.items() for c in s.columns if c.required]


@pytest.mark.parametrize(("entity", "column"), REQUIRED)
def test_a_file_without_a_required_column_names_the_column_and_crashes_nothing(
    with_areas: Engine, tmp_path: Path, entity: str, column: str
) -> None:
    run_import(with_areas, "households", one_row(tmp_path, "households"))
    row = {k: v for k, v in GOOD[entity].items() if k != column}
    path = write_csv(tmp_path / "missing.csv", list(row), [row])
    assert rejected(with_areas, entity, path) == [
        f"row 1, column {column}: required column is missing"
    ]


@pytest.mark.parametrize(("separator", "shown"), [(";", "';'"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_says_so_and_nothing_else(
    with_areas: Engine, tmp_path: Path, separator: str, shown: str
) -> None:
    # Excel in many locales saves "CSV" with semicolons: one line that says so, not every
    # column of the header reported missing.
    path = tmp_path / "areas.csv"
    rows = ["code", "name", "parent_code", "level"], ["X", "New", "R", "village"]
    path.write_text("".join(separator.join(r) + "\n" for r in rows), encoding="utf-8")
    [line] = rejected(with_areas, "areas", path)
    assert line.startswith(f"row 1: the file seems separated by {shown}, not commas; save it ")


def test_a_header_partly_separated_by_semicolons_names_the_slip(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "areas.csv"
    path.write_text("code,name;parent_code;level\nX,New;R;village\n", encoding="utf-8")
    lines = rejected(with_areas, "areas", path)
    assert (
        "row 1, column name;parent_code;level: unknown column: the file looks separated "
        "by ';'; save it with commas (CSV)"
    ) in lines


def test_column_names_in_capitals_are_named_with_the_lower_case_name(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "areas.csv"
    path.write_text("Code,Name,Parent_Code,Level\nX,New,R,village\n", encoding="utf-8")
    lines = rejected(with_areas, "areas", path)
    assert "row 1, column code: required column is missing" in lines
    assert (
        "row 1, column Parent_Code: unknown column; column names are lower case: parent_code"
        in (lines)
    )


def with_household(engine: Engine, tmp_path: Path, entity: str) -> None:
    """Indicators need their household in the database first."""
    if entity == "indicators":
        run_import(engine, "households", one_row(tmp_path, "households"))


@pytest.mark.parametrize(
    ("entity", "column", "value"),
    [
        ("visitors", "capacity", "1e30"),
        ("visitors", "capacity", "9223372036854775807"),
        ("visitors", "capacity", "3000000000"),
        ("households", "members", "9007199254740993"),
        ("indicators", "members_in_work", "1e30"),
    ],
)
def test_a_whole_number_the_database_column_cannot_hold_is_refused(
    with_areas: Engine, tmp_path: Path, entity: str, column: str, value: str
) -> None:
    with_household(with_areas, tmp_path, entity)
    path = one_row(tmp_path, entity, **{column: value})
    assert rejected(with_areas, entity, path) == [
        f"row 2, column {column} (value {value!r}): must be a whole number at most 2147483647"
    ]


def test_the_largest_whole_number_the_database_holds_is_stored(
    with_areas: Engine, tmp_path: Path
) -> None:
    run_import(with_areas, "visitors", one_row(tmp_path, "visitors", capacity="2147483647"))
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT capacity FROM visitors")).scalar_one() == 2147483647


@pytest.mark.parametrize("value", ["+12025-01-01", "-0001-01-01", "0000-01-01", "10000-01-01"])
def test_a_date_whose_year_is_not_0001_to_9999_is_not_a_date(
    with_areas: Engine, tmp_path: Path, value: str
) -> None:
    path = one_row(tmp_path, "teams", starts_on=value)
    assert rejected(with_areas, "teams", path) == [
        f"row 2, column starts_on (value {value!r}): not a date; use YYYY-MM-DD"
    ]


DATES = [(e, c.name) for e, s in SCHEMAS.items() for c in s.columns if c.kind is Kind.DATE]


@pytest.mark.parametrize(("entity", "column"), DATES)
def test_every_import_reads_a_date_only_as_yyyy_mm_dd_with_two_digit_month_and_day(
    entity: str, column: str
) -> None:
    # 2027-1-20 parses as a date, but the columns promise YYYY-MM-DD (a device or a
    # spreadsheet set to another format wrote it): refused by row, column and reason.
    cells = ["2027-1-20", "2027-01-2", "2027-01-20", "2027-01-20 00:00:00", "20270120"]
    raw = pl.DataFrame({c.name: ["x"] * len(cells) for c in SCHEMAS[entity].columns})
    raw = raw.with_columns(pl.Series(column, cells))
    found = validate(SCHEMAS[entity], raw, References())
    assert [str(e) for e in found.errors if e.column == column] == [
        f"row 2, column {column} (value '2027-1-20'): {LOOSE_DATE}",
        f"row 3, column {column} (value '2027-01-2'): {LOOSE_DATE}",
        f"row 6, column {column} (value '20270120'): not a date; use YYYY-MM-DD",
    ]
    assert found.frame[column].to_list()[2:4] == [dt.date(2027, 1, 20)] * 2


def test_a_team_dated_2027_1_20_is_refused_and_nothing_is_imported(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = one_row(tmp_path, "teams", starts_on="2027-1-20")
    assert rejected(with_areas, "teams", path) == [
        f"row 2, column starts_on (value '2027-1-20'): {LOOSE_DATE}"
    ]
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM teams")).scalar_one() == 0


LIMITED = [
    (entity, c.name, n)
    for entity, s in SCHEMAS.items()
    for c in s.columns
    if c.kind in (Kind.ID, Kind.TEXT) and (n := limits(entity, c.name).max_length)
]


@pytest.mark.parametrize(("entity", "column", "length"), LIMITED)
def test_text_longer_than_its_database_column_is_refused(
    with_areas: Engine, tmp_path: Path, entity: str, column: str, length: int
) -> None:
    with_household(with_areas, tmp_path, entity)
    value = "x" * (length + 1)
    (line,) = rejected(with_areas, entity, one_row(tmp_path, entity, **{column: value}))
    assert line.startswith(f"row 2, column {column} (value ")
    assert line.endswith(
        f"longer than {length} characters"
        if SCHEMAS[entity].column(column).kind is Kind.ID
        else f"too long: {length + 1} characters, at most {length}"
    )


def test_more_languages_than_the_column_holds_are_refused(
    with_areas: Engine, tmp_path: Path
) -> None:
    codes = ";".join(sorted(known_codes())[:80])
    (line,) = rejected(with_areas, "visitors", one_row(tmp_path, "visitors", languages=codes))
    assert line.startswith("row 2, column languages (value ")
    stored = ";".join(parse_languages(codes))  # "aar" is "aa": one language, once
    assert line.endswith(f"too many languages: {len(stored)} characters, at most 200")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("column", ["visitor_id", "name", "languages", "capacity"])
def test_a_nul_character_in_any_value_is_refused(
    with_areas: Engine, tmp_path: Path, suffix: str, column: str
) -> None:
    row = {**GOOD["visitors"], column: f"{GOOD['visitors'][column]}\x00x"}
    path = tmp_path / f"visitors{suffix}"
    if suffix == ".csv":
        write_csv(path, list(row), [row])
    else:
        pl.DataFrame([{k: str(v) for k, v in row.items()}]).write_parquet(path)
    lines = rejected(with_areas, "visitors", path)
    assert f"row 2, column {column} (value {row[column]!r}): {NUL_REASON}" in lines


def test_an_area_tree_too_deep_for_the_stored_path_names_the_rows_and_the_limit(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [[f"D{i}", f"Deep {i}", f"D{i - 1}" if i else "", "level"] for i in range(130)]
    path = write_csv(tmp_path / "areas.csv", ["code", "name", "parent_code", "level"], rows)
    lines = rejected(engine, "areas", path)
    # "/1/2/.../127/": ids 1-9 take 2 characters each, 10-99 three, 100-127 four, plus 1.
    assert lines[0] == (
        "row 128, column parent_code (value 'D125'): the area tree is too deep to store: "
        "area D126 is 126 levels down and the path of its ancestors' ids takes 401 "
        "characters, at most 400"
    )
    assert len(lines) == 130 - 126
