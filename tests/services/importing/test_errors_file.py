"""An import's errors file lies outside the database, beyond a household's export and
erasure: for a file about people it names row, column and reason, and copies no value."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from doorstep.services.importing import ImportRejected
from doorstep.services.importing.errors import StaleErrors
from tests.factories.db import run_import
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.limits import file_size_limit


def errors_file(engine: Engine, entity: str, path: Path) -> tuple[str, list[list[str]]]:
    """The errors file's text and its rows, after an import that must be refused."""
    with pytest.raises(ImportRejected) as info:
        run_import(engine, entity, path)
    assert info.value.errors_csv is not None
    written = info.value.errors_csv.read_text(encoding="utf-8")
    return written, list(csv.reader(written.splitlines()))


def test_a_households_errors_file_names_row_column_and_reason_and_copies_none_of_their_data(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "households.csv",
        HOUSEHOLD_HEADER,
        [
            household(household_id="HA", head_name="Zhuang Meiling " * 20),
            household(household_id="HB", lat=91.25, members=0),
            household(household_id="HC", languages="zh;qzx", consent_date="7 May 2026"),
        ],
    )
    written, rows = errors_file(with_areas, "households", path)
    for personal in ("Zhuang", "91.25", "qzx", "7 May", "HA", "HB", "HC"):
        assert personal not in written
    assert rows == [
        ["row", "column", "value", "reason"],
        ["2", "head_name", "", "too long: 299 characters, at most 200"],  # its last space off
        ["3", "lat", "", "latitude must be between -90 and 90"],
        ["3", "members", "", "must be at least 1"],
        ["4", "consent_date", "", "not a date; use YYYY-MM-DD"],
        ["4", "languages", "", "unknown language code(s); use ISO 639 codes such as zh or hmn"],
    ]


def test_a_swapped_households_coordinates_are_named_in_the_errors_file_without_them_or_its_area(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id=f"H{i}", lat=1.0 + i / 1000, lon=36.8) for i in range(5)]
    rows.append(household(household_id="HX", lat=36.8, lon=1.002, members=0))
    path = write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, rows)
    written, lines = errors_file(with_areas, "households", path)
    assert "36.8" not in written and "R-C-V1" not in written and " km" not in written
    assert lines[1:] == [
        [
            "7",
            "lat",
            "",
            "latitude and longitude look swapped: the point is far from the other rows "
            "of its area, swapped it would be near them",
        ],
        ["7", "members", "", "must be at least 1"],
    ]


def test_a_households_file_without_its_header_row_leaves_the_first_rows_data_out_of_the_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    # The first row read as the header: each of its values is an "unknown column".
    first = household(household_id="HZ", head_name="Zhuang Meiling", address="No. 9 Qu Lane")
    second = household(household_id="HY")
    path = write_csv(
        tmp_path / "households.csv", [str(v) for v in first.values()], [list(second.values())]
    )
    written, rows = errors_file(with_areas, "households", path)
    for personal in ("HZ", "Zhuang", "Qu Lane", "26.58"):
        assert personal not in written
    # What is named are the required columns found missing; the unknown ones are unnamed.
    named = {column for _, column, _, _ in rows[1:]}
    assert "" in named and "household_id" in named and named <= {"", *HOUSEHOLD_HEADER}


def test_a_visitors_errors_file_does_not_copy_their_dates_into_a_reason(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "visitors.csv",
        VISITOR_HEADER,
        [visitor(active_from="2026-03-09", active_to="2026-02-17")],
    )
    written, rows = errors_file(with_areas, "visitors", path)
    assert "2026" not in written and "Li Wei" not in written
    assert rows[1:] == [["2", "active_to", "", "ends before it starts (before active_from)"]]


def test_an_indicators_errors_file_does_not_copy_an_unknown_household_id(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "indicators.csv",
        ["household_id", "year", "annual_income"],
        [["H0077", "2026", "-5"]],
    )
    written, rows = errors_file(with_areas, "indicators", path)
    assert "H0077" not in written and "-5" not in written
    assert rows[1:] == [
        ["2", "annual_income", "", "must be at least 0"],
        ["2", "household_id", "", "unknown household; import it first"],
    ]


def test_the_screen_still_shows_the_values_the_errors_file_leaves_out(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, [household(languages="zh;qzx")])
    with pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    assert (
        "row 2, column languages (value 'zh;qzx'): unknown language code(s): qzx; "
        "use ISO 639 codes such as zh or hmn"
    ) in info.value.message


def test_an_areas_errors_file_copies_the_bad_value_shown_inert(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "areas.csv",
        AREA_HEADER,
        [{"code": "R-X", "name": "X", "parent_code": "=HYPERLINK(1)", "level": "village"}],
    )
    _, rows = errors_file(with_areas, "areas", path)
    assert rows[1] == [
        "2",
        "parent_code",
        "'=HYPERLINK(1)",
        "unknown area code; import the areas first",
    ]


def test_a_later_import_that_succeeds_removes_the_errors_file_an_earlier_one_left(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(members=0)])
    errors_file(with_areas, "households", path)
    stale = tmp_path / "households.csv.errors.csv"
    assert stale.exists()
    write_csv(path, HOUSEHOLD_HEADER, [household(members=3)])  # corrected
    summary = run_import(with_areas, "households", path)
    assert not stale.exists()
    assert summary.stale_errors == StaleErrors(stale)
    assert str(summary.stale_errors) == (
        f"Removed {stale}: it listed the errors of an earlier import."
    )
    assert run_import(with_areas, "households", path).stale_errors is None  # none left


def test_a_later_import_that_fails_writes_its_own_errors_over_an_earlier_ones(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(members=0), household(household_id="H2")])
    _, first = errors_file(with_areas, "households", path)
    assert [r[:2] for r in first[1:]] == [["2", "members"]]
    write_csv(path, HOUSEHOLD_HEADER, [household(), household(household_id="H2", lat=91)])
    _, second = errors_file(with_areas, "households", path)
    assert second[1:] == [["3", "lat", "", "latitude must be between -90 and 90"]]


def test_a_later_import_refused_before_reading_a_row_removes_an_earlier_errors_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Refused as a whole file (here: a column twice), it writes no errors file of its own;
    # the earlier one would list errors that are not the ones just shown.
    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(members=0)])
    errors_file(with_areas, "households", path)
    stale = tmp_path / "households.csv.errors.csv"
    write_csv(path, [*HOUSEHOLD_HEADER, "lat"], [[*household().values(), "26.5"]])
    with pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    assert info.value.errors_csv is None
    assert info.value.stale_errors == StaleErrors(stale)
    assert not stale.exists()
    assert info.value.message.splitlines() == [
        "households.csv: 1 error; nothing was imported",
        "  row 1, column lat: the column appears twice",
        f"Removed {stale}: it listed the errors of an earlier import.",
    ]


def test_an_earlier_errors_file_that_cannot_be_removed_is_named_with_the_reason(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, [household()])
    blocked = tmp_path / "households.csv.errors.csv"
    blocked.mkdir()  # a folder where the file would be: unlink refuses it, as it would a file
    summary = run_import(with_areas, "households", path)
    assert summary.created == 1 and blocked.is_dir()
    assert summary.stale_errors is not None and summary.stale_errors.problem
    assert str(summary.stale_errors).startswith(
        f"{blocked} lists the errors of an earlier import but could not be removed ("
    )


def _households_csv(path: Path, row_3: bytes) -> Path:
    """A households file whose row 3 (the header being row 1) is ``row_3``, as bytes."""
    good = ",".join(str(v) for v in household(household_id="H1").values()).encode()
    path.write_bytes(b"\n".join([",".join(HOUSEHOLD_HEADER).encode(), good, row_3]) + b"\n")
    return path


@pytest.mark.parametrize(
    ("row_3", "column", "reason"),
    [
        (
            b'H2,Zhuang Meiling,"No. 9 Qu Lane,R-C-V1,26.58,107.98,4,zh,given,2026-01-02',
            "address",
            "unclosed quote: this value opens with a quote that never closes; add the closing "
            "quote or remove this one",
        ),
        (
            b'H2,Zhuang Meiling,No. 9 Qu Lane,R-C-V1,26.58,107.98,4,z"h,given,2026-01-02',
            "languages",
            "a quote inside a value that is not quoted; quote the whole value and double each "
            'quote inside it, e.g. "a ""b"" c"',
        ),
        (
            b'H2,"Zhuang" Meiling,No. 9 Qu Lane,R-C-V1,26.58,107.98,4,zh,given,2026-01-02',
            "head_name",
            "text after the closing quote; remove it, or quote the whole value and double "
            'each quote inside it, e.g. "a ""b"" c"',
        ),
        (
            b"H2,Zhuang Meiling,No. 9,Qu Lane,R-C-V1,26.58,107.98,4,zh,given,2026-01-02",
            "",
            "11 fields but the header has 10; quote values that contain commas",
        ),
        (
            b"H2,Zhuang M\xe9iling,No. 9 Qu Lane,R-C-V1,26.58,107.98,4,zh,given,2026-01-02",
            "head_name",
            "the byte at byte 160 of the file is not UTF-8 — the file is in a legacy encoding "
            "such as GBK or Latin-1; save it as UTF-8 (CSV UTF-8) and try again",
        ),
    ],
    ids=["unclosed", "stray", "after-closing", "too-many", "not-utf8"],
)
def test_a_csv_row_that_cannot_be_read_is_listed_in_the_errors_file_without_its_data(
    with_areas: Engine, tmp_path: Path, row_3: bytes, column: str, reason: str
) -> None:
    path = _households_csv(tmp_path / "households.csv", row_3)
    written, rows = errors_file(with_areas, "households", path)
    for personal in ("H2", "Zhuang", "Qu Lane", "26.58", "0xe9"):
        assert personal not in written
    assert rows[1:] == [["3", column, "", reason]]


def test_a_csv_refused_for_a_bad_row_writes_its_errors_over_an_earlier_errors_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(members=0)])
    errors_file(with_areas, "households", path)
    _households_csv(path, b'H2,"Zhuang Meiling,No. 9,R-C-V1,26.58,107.98,4,zh,given,2026-01-02')
    with pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    assert info.value.stale_errors is None
    assert info.value.errors_csv == tmp_path / "households.csv.errors.csv"
    assert info.value.message.endswith(f"All errors: {info.value.errors_csv}")
    rows = list(csv.reader(info.value.errors_csv.read_text(encoding="utf-8").splitlines()))
    assert [r[:2] for r in rows[1:]] == [["3", "head_name"]]


def test_a_parquet_row_that_is_not_utf8_is_listed_in_the_errors_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.parquet"
    names = [b"Wang Fang", b"Zhuang Meiling \xff"]
    pl.DataFrame(
        {
            h: pl.Series(h, names, dtype=pl.Binary)
            if h == "head_name"
            else [str(household(household_id=f"H{i}")[h]) for i in range(2)]
            for h in HOUSEHOLD_HEADER
        }
    ).write_parquet(path)
    written, rows = errors_file(with_areas, "households", path)
    assert "Zhuang" not in written
    assert rows[1:] == [
        ["3", "head_name", "", "bytes that are not UTF-8 text; store the column as UTF-8 text"]
    ]


def test_an_errors_file_cut_short_is_removed_and_the_lost_errors_are_said(
    with_areas: Engine, tmp_path: Path
) -> None:
    if with_areas.dialect.name == "sqlite":
        pytest.skip("the limit would stop SQLite's own writes to its database file")
    rows = [household(household_id=f"H{i}", members=0) for i in range(60)]
    path = write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, rows)
    with file_size_limit(256), pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    target = tmp_path / "households.csv.errors.csv"
    assert not target.exists()  # a list cut short would pass for all the errors
    assert info.value.errors_csv is None
    assert info.value.stale_errors is None
    assert info.value.message.splitlines()[-1] == (
        f"The errors file {target} could not be written (File too large); "
        "only the first 50 of the 60 errors are listed above."
    )


def test_an_errors_file_that_cannot_be_opened_is_not_taken_for_an_earlier_one(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "households.csv", HOUSEHOLD_HEADER, [household(members=0)])
    target = tmp_path / "households.csv.errors.csv"
    target.mkdir()  # a folder where the file would be
    with pytest.raises(ImportRejected) as info:
        run_import(with_areas, "households", path)
    assert info.value.stale_errors is None
    last = info.value.message.splitlines()[-1]
    assert last.startswith(f"The errors file {target} could not be written (")
    assert last.endswith(f"; {target} there is not this import's list: delete it.")
