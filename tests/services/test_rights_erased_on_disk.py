"""An erased household is gone from the database's files at once, not at SQLite's next
checkpoint, which another open connection (a server, a running command) puts off."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.services import household_rights
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

NAME = "Qiu Xiaohong"


def test_an_erased_household_is_in_neither_the_database_file_nor_its_log(
    with_areas: Engine, tmp_path: Path
) -> None:
    if with_areas.dialect.name != "sqlite":
        pytest.skip("PostgreSQL frees erased rows at its next VACUUM (docs/cli.md)")
    rows = [household(household_id="H1", head_name=NAME), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    database = Path(str(with_areas.url.database))
    other = sqlite3.connect(database)  # another connection stays open, as a server's would
    try:
        assert other.execute("SELECT COUNT(*) FROM households").fetchall() == [(2,)]
        with unit_of_work(with_areas) as s:
            household_rights.erase_household(s, "H1", actor="test")
        for path in (database, database.with_name(database.name + "-wal")):
            held = path.read_bytes() if path.exists() else b""
            assert NAME.encode() not in held, path.name
        assert other.execute("SELECT COUNT(*) FROM households").fetchall() == [(1,)]
    finally:
        other.close()


def test_an_erased_household_leaves_no_value_in_the_planners_statistics(
    with_areas: Engine, tmp_path: Path
) -> None:
    # PostgreSQL samples column values into pg_statistic at ANALYZE (the bulk import runs
    # one) and keeps them until the next: VACUUM leaves them.
    if with_areas.dialect.name != "postgresql":
        pytest.skip("SQLite's statistics (sqlite_stat1) hold no column values")
    rows = [household(household_id=f"H{i}", head_name=f"Name {i:03d}") for i in range(40)]
    rows.append(household(household_id="HX", head_name=NAME))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))

    def sampled() -> bool:
        with with_areas.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT 1 FROM pg_stats WHERE tablename = 'households' AND attname = 'head_name' "
                "AND (most_common_vals::text LIKE %(n)s OR histogram_bounds::text LIKE %(n)s)",
                {"n": f"%{NAME}%"},
            ).first()
        return found is not None

    with with_areas.connect() as conn:
        conn.exec_driver_sql("ANALYZE households")
        conn.commit()
    assert sampled()  # the name is in the statistics before the erasure
    with unit_of_work(with_areas) as s:
        household_rights.erase_household(s, "HX", actor="test")
    assert not sampled()
