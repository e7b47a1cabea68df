"""File-mode pairing: a row that ends before the header's last column is bad input.

Polars reads the columns such a row lacks as empty, so without counting its fields a
household written ``h1,27,107`` would be read as speaking no language and left unpaired.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.services.pairing.files import read_problem
from tests.factories.pair_files import pair_files, refused

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,27.0,107.0,zh\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,1\n"


def write(
    tmp_path: Path, households: str = HOUSEHOLDS, visitors: str = VISITORS
) -> tuple[Path, Path]:
    return pair_files(tmp_path, households, visitors)


def test_a_household_row_without_its_languages_field_is_refused(tmp_path: Path) -> None:
    h, v = write(tmp_path, HOUSEHOLDS + "h2,27.001,107.0\n")
    assert refused(h, v) == (
        f"{h}: row 3, column languages: the row ends early: 3 field(s) where the header has 4 "
        "(an empty value still needs its comma)"
    )


def test_no_language_written_as_an_empty_value_is_still_read_as_none(tmp_path: Path) -> None:
    problem = read_problem(*write(tmp_path, HOUSEHOLDS + "h2,27.001,107.0,\n"))
    assert problem.household_languages.tolist()[1] == 0


@pytest.mark.parametrize(
    ("households", "visitors", "which", "expected"),
    [
        (
            HOUSEHOLDS,
            VISITORS + "v2,27.0,107.0,zh\n",
            "v.csv",
            "row 3, column capacity: the row ends early: 4 field(s) where the header has 5",
        ),
        (
            HOUSEHOLDS + "h2,27.001\n",
            VISITORS,
            "h.csv",
            "row 3, column lon: the row ends early: 2 field(s) where the header has 4",
        ),
        (  # a value quoted over two lines is one row, and its commas inside are no fields
            'household_id,lat,lon,languages\r\n"h,\r\n1",27,107,zh\r\nh2,27,107\r\n',
            VISITORS,
            "h.csv",
            "row 3, column languages: the row ends early: 3 field(s) where the header has 4",
        ),
    ],
    ids=["visitor-capacity", "household-lon", "quoted-line-break-crlf"],
)
def test_a_short_row_is_named_by_row_and_first_missing_column(
    tmp_path: Path, households: str, visitors: str, which: str, expected: str
) -> None:
    h, v = write(tmp_path, households, visitors)
    message = refused(h, v)
    assert message.startswith(f"{tmp_path / which}: {expected}")


def test_short_rows_are_counted_in_a_utf16_file_and_among_blank_lines(tmp_path: Path) -> None:
    h, v = write(tmp_path)
    text = "household_id,lat,lon,languages\r\nh1,27,107,zh\r\n\r\n,,,\r\nh2,27,107\r\n"
    h.write_bytes(text.encode("utf-16"))
    assert refused(h, v).startswith(f"{h}: row 5, column languages: the row ends early")


def test_every_short_row_is_listed_once_not_also_as_a_missing_value(tmp_path: Path) -> None:
    h, v = write(tmp_path, HOUSEHOLDS + "h2,27\nh3,27,107\n")
    assert refused(h, v) == (
        f"{h}: 2 errors\n"
        "  row 3, column lon: the row ends early: 2 field(s) where the header has 4 (an empty "
        "value still needs its comma)\n"
        "  row 4, column languages: the row ends early: 3 field(s) where the header has 4 (an "
        "empty value still needs its comma)"
    )


def test_a_row_may_end_before_optional_columns_and_columns_not_read(tmp_path: Path) -> None:
    households = (
        "household_id,lat,lon,languages,current_visitor_id,remote_pool,note\n"
        "h1,27,107,zh,v1,,first\nh2,27,107,zh,v1\nh3,27,107,zh\n"
    )
    problem = read_problem(*write(tmp_path, households))
    assert problem.household_ids.tolist() == ["h1", "h2", "h3"]
    assert problem.household_current.tolist() == [0, 0, -1]


def test_a_column_in_capitals_is_named_as_the_import_names_it(tmp_path: Path) -> None:
    h, v = write(
        tmp_path,
        "household_id,lat,lon,Languages\nh1,27,107,zh\n",
        "visitor_id,lat,lon,languages,capacity,Remote_Pool\nv1,27,107,zh,2,\n",
    )
    reason = "unknown column; column names are lower case"
    assert refused(h, v).splitlines() == [
        f"{h}: row 1, column Languages: {reason}: languages",
        f"{v}: row 1, column Remote_Pool: {reason}: remote_pool",
    ]


def test_rows_that_end_in_a_lone_cr_below_a_header_that_ends_otherwise_are_rows(
    tmp_path: Path,
) -> None:
    # A header typed or written by another program above rows saved as old-Mac CSV.
    households = "household_id,lat,lon,languages\r\nh1,27.0,107.0,zh\rh2,27.001,107.0,zh\r"
    problem = read_problem(*write(tmp_path, households))
    assert problem.household_ids.tolist() == ["h1", "h2"]
    h, v = write(tmp_path, "household_id,lat,lon,languages\nh1,27.0,107.0,zh\rh2,27.001,107.0\r")
    assert refused(h, v) == (
        f"{h}: row 3, column languages: the row ends early: 3 field(s) where the header has 4 "
        "(an empty value still needs its comma)"
    )
