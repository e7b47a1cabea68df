"""`doorstep check sizes` finds the years stored before the imports refused more members in
work than members, which nothing else finds, by area, and records whom it showed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.outcomes import sizes_stored_before_the_rule


def _reads(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT entity, entity_id FROM audit_events WHERE action = 'read' ORDER BY id")
        ).all()
    return [(str(e), str(i)) for e, i in rows]


def test_check_sizes_lists_each_year_with_more_in_work_than_members(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    sizes_stored_before_the_rule(with_areas, tmp_path)
    done = cli("check", "sizes", "--format", "csv")
    assert done.exit_code == 0, done.output
    assert list(csv.reader(io.StringIO(done.output))) == [
        ["household", "area", "year", "members", "members_in_work"],
        ["H1", "R-C-V1", "2025", "2", "3"],
        ["H2", "R-C-V2", "2024", "3", "5"],
    ]
    assert _reads(with_areas) == [
        ("household_sizes", "None"),
        ("household", "H1"),
        ("household", "H2"),
    ]


def test_check_sizes_of_an_area_shows_and_records_its_households_alone(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    sizes_stored_before_the_rule(with_areas, tmp_path)
    done = cli("check", "sizes", "--area", "R-C-V1")
    assert done.exit_code == 0, done.output
    assert "H1" in done.output and "H2" not in done.output
    assert _reads(with_areas) == [("household_sizes", "None"), ("household", "H1")]
    none = cli("check", "sizes", "--area", "R-C-V2", "--format", "table")
    assert "H2" in none.output
    with with_areas.connect() as conn:
        area = (
            conn.execute(
                text(
                    "SELECT area_path FROM audit_events WHERE entity = 'household_sizes' "
                    "ORDER BY id"
                )
            )
            .scalars()
            .all()
        )
    assert area[0] is not None and area[1] is not None and area[0] != area[1]


def test_check_sizes_says_so_when_every_year_fits(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    hh = [household(household_id="H1", members=2)]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    done = cli("check", "sizes")
    assert done.exit_code == 0, done.output
    assert "No household has more members in work than members." in done.output
