"""An area import whose parent links close a cycle is refused on the file rows that close
it, never on areas that are only stored (they have no row to point to)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services.importing import ImportRejected
from doorstep.services.importing.areatree import AreaNode, tree_paths
from tests.factories.db import rejected, run_import
from tests.factories.files import AREA_HEADER, write_csv


def area(code: str, parent: str, level: str = "village") -> dict[str, str]:
    return {"code": code, "name": f"Area {code}", "parent_code": parent, "level": level}


def test_a_cycle_through_stored_areas_is_named_on_the_row_that_closes_it_with_their_codes(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Stored: R > R-C > R-C-V1, R-C-V2. The region put under one of its villages.
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, [area("R", "R-C-V1", "region")])
    assert rejected(with_areas, "areas", path) == [
        "row 2, column parent_code (value 'R-C-V1'): the parent links form a cycle: "
        "R > R-C-V1 > R-C > R, through R-C-V1 and R-C, stored areas not in this file; "
        "change this row's parent_code"
    ]
    # The errors file names the same row only: no row 0 for the stored areas.
    with (tmp_path / "a.csv.errors.csv").open(encoding="utf-8", newline="") as fh:
        assert [r[:2] for r in csv.reader(fh)][1:] == [["2", "parent_code"]]


def test_a_row_that_keeps_its_stored_parent_is_not_named_for_a_cycle_another_row_closes(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [area("R-C", "R", "county"), area("R", "R-C-V2", "region")]
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, rows)
    assert rejected(with_areas, "areas", path) == [
        "row 3, column parent_code (value 'R-C-V2'): the parent links form a cycle: "
        "R > R-C-V2 > R-C > R, through R-C-V2, a stored area not in this file; "
        "change this row's parent_code"
    ]


def test_a_cycle_in_the_file_alone_is_named_on_each_of_its_rows_and_not_below_it(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [area("A", "B"), area("B", "A"), area("C", "A"), area("D", "")]
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, rows)
    assert rejected(engine, "areas", path) == [
        "row 2, column parent_code (value 'B'): the parent links form a cycle: A > B > A; "
        "change one of these rows' parent_code",
        "row 3, column parent_code (value 'A'): the parent links form a cycle: B > A > B; "
        "change one of these rows' parent_code",
    ]


def test_an_area_its_own_parent_is_a_cycle_of_one(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, [area("A", "A")])
    assert rejected(engine, "areas", path) == [
        "row 2, column parent_code (value 'A'): the parent links form a cycle: A > A; "
        "change this row's parent_code"
    ]


def test_a_long_cycle_is_named_without_every_area_on_it(engine: Engine, tmp_path: Path) -> None:
    chain = [area("A0", "", "l0")] + [area(f"A{i}", f"A{i - 1}") for i in range(1, 30)]
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, chain))
    path = write_csv(tmp_path / "c.csv", AREA_HEADER, [area("A0", "A29", "l0")])
    with pytest.raises(ImportRejected) as info:
        run_import(engine, "areas", path)
    [error] = info.value.errors
    assert error.row == 2
    assert error.reason == (
        "the parent links form a cycle: A0 > A29 > A28 > A27 > A26 > A25 > ... > A5 > A4 > "
        "A3 > A2 > A1 > A0 (30 areas), through 29 stored areas not in this file (A29, A28, "
        "A27, ..., A1); change this row's parent_code"
    )


def test_stored_areas_alone_in_a_cycle_are_named_for_the_whole_file(
    with_areas: Engine, tmp_path: Path
) -> None:
    # No import makes one; a database edited by hand can hold one, and no row is to blame.
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "UPDATE areas SET parent_id = (SELECT id FROM areas WHERE code = 'R-C-V1') "
                "WHERE code = 'R'"
            )
        )
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, [area("X", "", "region")])
    [error] = rejected(with_areas, "areas", path)
    assert error.startswith("file: the stored areas' parent links form a cycle: ")
    links = error.split(": ")[-1].split(" > ")  # from whichever area the walk met first
    assert links[0] == links[-1] and sorted(links[1:]) == ["R", "R-C", "R-C-V1"]


def test_paths_run_from_the_root_and_areas_below_a_cycle_have_none() -> None:
    nodes = {
        "R": AreaNode(1, None, "", "", 2),
        "C": AreaNode(2, "R", "", "", 3),
        "V": AreaNode(3, "C", "", "", 4),
        "A": AreaNode(4, "B", "", "", 5),
        "B": AreaNode(5, "A", "", "", 6),
        "U": AreaNode(6, "A", "", "", 7),
    }
    paths, cycles = tree_paths(nodes)
    assert paths == {"R": ("/1/", 0), "C": ("/1/2/", 1), "V": ("/1/2/3/", 2)}
    assert cycles == [["A", "B"]]


def test_a_cycle_is_named_in_the_same_run_as_a_cell_error_of_another_column(
    engine: Engine, tmp_path: Path
) -> None:
    # A too-long name hid the cycle until it was fixed: one run now names both.
    rows = [area("A", "B"), area("B", "A"), area("C", "") | {"name": "n" * 500}]
    path = write_csv(tmp_path / "a.csv", AREA_HEADER, rows)
    errors = rejected(engine, "areas", path)
    assert [e.split(":")[0] for e in errors] == [
        "row 2, column parent_code (value 'B')",
        "row 3, column parent_code (value 'A')",
        f"row 4, column name (value '{'n' * 60}…' [500 characters])",
    ]
