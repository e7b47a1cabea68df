"""File-mode pairing: what a cell may hold, as ``doorstep import`` reads it.

The pairs written here may become a database's (``plan --pairings``, an import), so a cell
no import would take is bad input here too, named by file, row and column, rather than
carried into ``pairs.csv`` or read as a language nobody speaks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.services.importing.validate import NUL_REASON
from doorstep.services.pairing.files import read_problem
from tests.factories.pair_files import pair_files, refused

HOUSEHOLDS = "household_id,lat,lon,languages,current_visitor_id\nh1,27.0,107.0,zh,\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,1\n"


def write(
    tmp_path: Path, households: str = HOUSEHOLDS, visitors: str = VISITORS
) -> tuple[Path, Path]:
    return pair_files(tmp_path, households, visitors)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("h\x002,27.0,107.0,zh,", "household_id"),
        ("h2,27.0,107.0,zh\x00,", "languages"),
        ("h2,27.0\x00,107.0,zh,", "lat"),
        ("h2,27.0,107.0,zh,v1\x00", "current_visitor_id"),
    ],
)
def test_a_nul_character_in_a_cell_is_refused_as_an_import_refuses_it(
    tmp_path: Path, row: str, column: str
) -> None:
    h, v = write(tmp_path, HOUSEHOLDS + row + "\n")
    message = refused(h, v)
    assert message.startswith(f"{h}: row 3, column {column} (value ")
    assert message.endswith(f"): {NUL_REASON}")  # one error: not also unknown or not a number


def test_a_nul_character_in_a_visitors_cell_is_refused_too(tmp_path: Path) -> None:
    h, v = write(tmp_path, visitors=VISITORS + "v\x002,27.0,107.0,zh,1\n")
    assert refused(h, v) == f"{v}: row 3, column visitor_id (value 'v\\x002'): {NUL_REASON}"


def test_invisible_marks_at_an_ids_edges_are_trimmed_as_an_import_trims_them(
    tmp_path: Path,
) -> None:
    # A zero-width space copied from a web page, a byte-order mark left by joining files:
    # unseen, they made a second household of the same id and a reference to no visitor.
    h, v = write(tmp_path, HOUSEHOLDS + "\u200bh1,27.0,107.0,zh,\n")
    assert refused(h, v) == (
        f"{h}: row 3, column household_id (value 'h1'): duplicate household_id in the file; "
        "first in row 2"
    )
    h, v = write(
        tmp_path,
        "household_id,lat,lon,languages,current_visitor_id\nh1\ufeff,27.0,107.0,zh,v1\u2060\n",
        VISITORS + "\u200dv2 ,27.0,107.0,zh,1\n",
    )
    problem = read_problem(h, v)
    assert problem.household_ids.tolist() == ["h1"]
    assert problem.visitor_ids.tolist() == ["v1", "v2"]
    assert problem.household_current.tolist() == [0]


def test_a_file_that_begins_with_two_byte_order_marks_is_told_so(tmp_path: Path) -> None:
    h, v = write(tmp_path, "\ufeff\ufeff" + HOUSEHOLDS)
    assert "the file begins with a byte-order mark twice; save it again as UTF-8" in refused(h, v)
