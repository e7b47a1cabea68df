"""A bulk insert into a table pairing reads moves the count of input writes once, and leaves
every other writer counted as before: the row trigger it sets aside on SQLite is back after
it, whether it committed, failed or was rolled back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from doorstep.domain.enums import PairingEndReason
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker


def _areas(start: int, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(start, start + n)),
            "code": [f"A{i}" for i in range(start, start + n)],
            "name": [f"Village {i}" for i in range(start, start + n)],
            "level": ["village"] * n,
            "path": [f"/{i}/" for i in range(start, start + n)],
            "depth": [0] * n,
        }
    )


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return repo.input_writes(s.connection())


def _trigger(conn: Connection) -> str | None:
    """The SQL of SQLite's row trigger counting inserted areas (None: not there)."""
    found = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
        {"n": "areas_insert_written"},
    ).scalar()
    return None if found is None else str(found)


def test_a_bulk_insert_moves_the_count_once_whatever_its_rows(engine: Engine) -> None:
    # PostgreSQL counts the COPY as one statement; SQLite, which counted each row by
    # trigger, now counts the whole write once too. Either way the count moved.
    before = _count(engine)
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(1, 500))
    assert _count(engine) == before + 1
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(501, 2))
    assert _count(engine) == before + 2


def test_a_single_row_written_after_a_bulk_insert_still_counts(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(1, 3))
    before = _count(engine)
    with unit_of_work(engine) as s:
        s.execute(
            text(
                "INSERT INTO areas (id, code, name, level, path, depth) "
                "VALUES (9, 'A9', 'Nine', 'village', '/9/', 0)"
            )
        )
    assert _count(engine) == before + 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_row_trigger_is_back_as_it_was_after_a_bulk_insert(engine: Engine) -> None:
    with engine.connect() as conn:
        made = _trigger(conn)
    assert made is not None
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(1, 10))
        assert _trigger(s.connection()) == made  # also within the transaction, after it
    with engine.connect() as conn:
        assert _trigger(conn) == made


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failed_bulk_insert_leaves_the_trigger_and_the_count(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(1, 3))
    with engine.connect() as conn:
        made = _trigger(conn)
    before = _count(engine)
    with pytest.raises(sqlite3.IntegrityError), unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(3, 5))  # id 3 is taken
    assert _count(engine) == before
    with engine.connect() as conn:
        assert _trigger(conn) == made


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_caller_that_goes_on_after_a_failed_bulk_insert_still_has_rows_counted(
    engine: Engine,
) -> None:
    # The failed statement is undone but the transaction goes on: the trigger must be back
    # for what the caller writes next, and the commit must keep it.
    with unit_of_work(engine) as s:
        bulk.insert_rows(s.connection(), "areas", _areas(1, 3))
    before = _count(engine)
    with unit_of_work(engine) as s:
        conn = s.connection()
        with pytest.raises(sqlite3.IntegrityError):
            bulk.insert_rows(conn, "areas", _areas(3, 5))
        conn.execute(
            text(
                "INSERT INTO areas (id, code, name, level, path, depth) "
                "VALUES (20, 'A20', 'Twenty', 'village', '/20/', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO areas (id, code, name, level, path, depth) "
                "VALUES (21, 'A21', 'Twenty-one', 'village', '/21/', 0)"
            )
        )
    # One for the failed write's own count (kept: the count only has to move), two rows.
    assert _count(engine) == before + 3
    with engine.connect() as conn:
        assert _trigger(conn) is not None


def test_ending_pairings_moves_the_count_once_and_ends_each(engine: Engine, tmp_path: Path) -> None:
    # A commit ends the pairings it moves in one write on PostgreSQL and one statement per
    # household on SQLite: counted once on both, and every one ended.
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V1", capacity=5)])
    add(engine, tmp_path, "households", [home(household_id=f"H{i}") for i in range(1, 4)])
    proposal = propose(engine, "A").id
    commit(engine, proposal)
    with unit_of_work(engine) as s:
        ids = [int(i) for i in s.execute(text("SELECT id FROM households")).scalars()]
    before = _count(engine)
    with unit_of_work(engine) as s:
        repo.end_pairings(s.connection(), ids, TODAY, PairingEndReason.REPAIRED, proposal)
    assert _count(engine) == before + 1
    with unit_of_work(engine) as s:
        open_ = s.execute(text("SELECT COUNT(*) FROM pairings WHERE ended_on IS NULL"))
        assert open_.scalar_one() == 0


def test_a_bulk_update_is_counted_once_where_it_sets_what_pairing_reads(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "households", [home(household_id=f"H{i}") for i in range(1, 4)])
    with unit_of_work(engine) as s:
        ids = [int(i) for i in s.execute(text("SELECT id FROM households")).scalars()]
    moved = pl.DataFrame({"id": ids, "lat": [51.6] * 3})
    addressed = pl.DataFrame({"id": ids, "address": ["1 New Road"] * 3})
    before = _count(engine)
    with unit_of_work(engine) as s:
        bulk.update_rows(s.connection(), "households", moved)
    assert _count(engine) == before + 1  # three households moved: one write counted
    with unit_of_work(engine) as s:
        bulk.update_rows(s.connection(), "households", addressed)
    assert _count(engine) == before + 1  # an address is no input of pairing
    with unit_of_work(engine) as s:
        got = s.execute(text("SELECT lat, address FROM households ORDER BY id")).all()
    assert [tuple(r) for r in got] == [(51.6, "1 New Road")] * 3
    with unit_of_work(engine) as s:
        s.execute(text("UPDATE households SET lon = -0.2"))  # a plain update still counts
    assert _count(engine) == before + 2 if engine.dialect.name == "postgresql" else before + 4
