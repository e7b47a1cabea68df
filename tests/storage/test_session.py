"""The storage layer: SQLite in WAL mode with foreign keys, migrations at head on both."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import Engine, text

from doorstep.storage.migrate import current_revision, head_revision
from doorstep.storage.session import make_engine, normalise_url, refused_write, unit_of_work


def test_the_schema_is_at_the_latest_migration(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_proposed_pairs_are_found_by_household_through_an_index(engine: Engine) -> None:
    # Explaining a household and erasing one look proposed pairs up by household: a region's
    # proposal holds 1.69M rows, and every proposal stays.
    indexes = sqlalchemy.inspect(engine).get_indexes("proposed_pairs")
    assert ["household_id"] in [ix["column_names"] for ix in indexes]


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        # Erased rows are zeroed on disk whatever the build's default (on in Debian's, where
        # this holds without the pragma too; off in others, where it would fail without it).
        assert conn.execute(text("PRAGMA secure_delete")).scalar_one() == 1


def test_a_row_pointing_nowhere_is_refused_on_both_databases(engine: Engine) -> None:
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO households (external_id, head_name, address, area_id, lat, lon, "
                "members, languages, consent_state) "
                "VALUES ('H', 'N', '', 999, 0, 0, 1, 'zh', 'given')"
            )
        )


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.slow
@pytest.mark.parametrize(("ci", "outcome"), [("true", "error"), ("", "skipped")])
def test_an_unreachable_postgresql_fails_in_ci_and_skips_elsewhere(ci: str, outcome: str) -> None:
    env = {
        **os.environ,
        "CI": ci,
        "DOORSTEP_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/postgres",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-n",
            "0",
            "--no-cov",
            f"{__file__}::test_the_schema_is_at_the_latest_migration",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"1 passed, 1 {outcome}" in proc.stdout or f"1 {outcome}, 1 passed" in proc.stdout, (
        proc.stdout
    )
    assert "PostgreSQL is not reachable" in proc.stdout


def test_a_write_refused_for_what_it_read_says_so_not_that_a_writer_was_busy(
    tmp_path: Path,
) -> None:
    # SQLite refuses at once a read transaction's first write once another has written
    # since it began reading: no waiting cures it, so the busy message would mislead.
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    reader = engine.raw_connection()
    try:
        cur = reader.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT COUNT(*) FROM t").fetchall()
        with engine.begin() as other:
            other.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(sqlite3.OperationalError) as raised:
            cur.execute("INSERT INTO t VALUES (2)")
    finally:
        reader.close()
    said = refused_write(raised.value, by="request")
    assert said is not None
    assert said.message == (
        "another request wrote to the database while this request was reading; nothing "
        "was written, run it again"
    )


def test_a_writer_unit_of_work_waits_its_turn_where_it_would_be_refused(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    with unit_of_work(engine, writer=True) as session:
        session.execute(text("SELECT COUNT(*) FROM t")).scalar()
        # Another connection's write waits for this unit (it holds the writer's lock)
        # instead of slipping in between its read and its write.
        blocked = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
        with blocked.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=100")
            with pytest.raises(sqlalchemy.exc.OperationalError, match="locked"):
                other.execute(text("INSERT INTO t VALUES (1)"))
        session.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]
