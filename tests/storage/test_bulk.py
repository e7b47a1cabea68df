"""Bulk writes: every row lands, and on PostgreSQL a large write leaves fresh statistics."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from doorstep.storage.repositories import bulk
from doorstep.storage.session import unit_of_work


def _rows(start: int, n: int) -> pl.DataFrame:
    return pl.DataFrame({"n": list(range(start, start + n)), "s": [f"row {i}" for i in range(n)]})


def _probe(conn: Connection) -> None:
    conn.execute(text("CREATE TEMP TABLE bulk_probe (n INTEGER NOT NULL, s TEXT NOT NULL)"))


def test_every_row_is_written_with_its_values(engine: Engine) -> None:
    with engine.begin() as conn:
        _probe(conn)
        assert bulk.insert_rows(conn, "bulk_probe", _rows(0, 5)) == 5
        got = conn.execute(text("SELECT n, s FROM bulk_probe ORDER BY n")).all()
    assert [tuple(r) for r in got] == list(_rows(0, 5).iter_rows())


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_large_copy_leaves_statistics_the_planner_can_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The planner's row count for a table comes from its last ANALYZE (autovacuum may not
    # have run, or be off): without one it plans as if the rows just written were not there.
    monkeypatch.setattr(bulk, "ANALYZE_FROM_ROWS", 2_000)
    with engine.begin() as conn:
        _probe(conn)
        bulk.insert_rows(conn, "bulk_probe", _rows(0, 50))
        assert _estimated_rows(conn) < 50  # a small write leaves them as they were
        bulk.insert_rows(conn, "bulk_probe", _rows(50, 60))
        assert _estimated_rows(conn) == 110  # seen by the same transaction's next query
        bulk.insert_rows(conn, "bulk_probe", _rows(110, 61))
        assert _estimated_rows(conn) == 110  # not more than 50 rows and a tenth
        bulk.insert_rows(conn, "bulk_probe", _rows(171, 10_000))
        assert _estimated_rows(conn) == 10_171
        bulk.insert_rows(conn, "bulk_probe", _rows(10_171, 1_000))
        assert _estimated_rows(conn) == 10_171  # 1,000 is less than 50 and a tenth
        bulk.insert_rows(conn, "bulk_probe", _rows(11_171, 2_000))
        assert _estimated_rows(conn) == 13_171  # but a large write on its own is enough


def _estimated_rows(conn: Connection) -> float:
    return float(
        conn.execute(
            text(
                "SELECT reltuples FROM pg_class "
                "WHERE relname = 'bulk_probe' AND relnamespace = pg_my_temp_schema()"
            )
        ).scalar_one()
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_large_write_on_sqlite_leaves_statistics_too(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite takes none by itself: a county's work list, planned without them, looked its
    # visits up through the status index (9 minutes where 4 s do).
    monkeypatch.setattr(bulk, "ANALYZE_FROM_ROWS", 2_000)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bulk_probe (n INTEGER NOT NULL, s TEXT NOT NULL)"))
        conn.execute(text("CREATE INDEX ix_bulk_probe_n ON bulk_probe (n)"))
        bulk.insert_rows(conn, "bulk_probe", _rows(0, 50))
        assert _sqlite_rows(conn) is None  # a small write leaves them as they were
        bulk.insert_rows(conn, "bulk_probe", _rows(50, 60))
        assert _sqlite_rows(conn) == 110
        bulk.insert_rows(conn, "bulk_probe", _rows(110, 61))
        assert _sqlite_rows(conn) == 110  # not more than 50 rows and a tenth
        bulk.insert_rows(conn, "bulk_probe", _rows(171, 3_000))
        # Taken again; with analysis_limit the count is estimated from a sample of the index.
        assert 2_000 < (_sqlite_rows(conn) or 0) <= 3_171
        conn.execute(text("DROP TABLE bulk_probe"))


def _sqlite_rows(conn: Connection) -> int | None:
    if not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        return None
    stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'bulk_probe'")).scalar()
    return int(str(stat).split()[0]) if stat else None


def _statuses(start: int, n: int, status: str) -> pl.DataFrame:
    return pl.DataFrame({"n": list(range(start, start + n)), "s": [status] * n})


def test_a_large_update_leaves_statistics_of_the_new_values(engine: Engine) -> None:
    # A visits import records planned visits as made by updating them: with statistics
    # from before it, PostgreSQL took 'done' for one row and looked each household's last
    # visit up through the status index, every visit made read once per household (a
    # county's report: 154 s where 4 s do).
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bulk_probe (n INTEGER NOT NULL, s TEXT NOT NULL)"))
        conn.execute(text("CREATE INDEX ix_bulk_probe_s ON bulk_probe (s)"))
        bulk.insert_rows(conn, "bulk_probe", _statuses(0, 40, "planned"))
        bulk.insert_rows(conn, "bulk_probe", _statuses(40, 160, "planned"))
        before = _distinct_statuses(conn)
        bulk.update_rows(conn, "bulk_probe", _statuses(0, 50, "done"), key="n")
        assert _distinct_statuses(conn) == before  # a small update leaves them as they were
        bulk.update_rows(conn, "bulk_probe", _statuses(50, 80, "done"), key="n")
        assert _distinct_statuses(conn) == 2  # more than 50 rows and a tenth
        conn.execute(text("DROP TABLE bulk_probe"))


def _distinct_statuses(conn: Connection) -> float:
    """How many distinct values of ``s`` the planner's statistics hold (0: none taken)."""
    if conn.dialect.name == "postgresql":
        got = conn.execute(
            text("SELECT n_distinct FROM pg_stats WHERE tablename = 'bulk_probe' AND attname = 's'")
        ).scalar()
        return float(got or 0)
    # SQLite keeps rows per distinct value of each index: the table's rows over that.
    stat = conn.execute(
        text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_bulk_probe_s'")
    ).scalar()
    if not stat:
        return 0.0
    rows, per_value = (int(x) for x in str(stat).split()[:2])
    return round(rows / per_value)


def test_a_temporary_table_a_rolled_back_unit_of_work_left_does_not_stop_the_next(
    engine: Engine,
) -> None:
    # On SQLite the driver begins a transaction at the first write: the table is created
    # before it, its drop inside it, and a rollback undoes the drop only. The pooled
    # connection kept the table, and the next unit of work on it (a server's next request)
    # stopped at "table _ids already exists".
    with pytest.raises(RuntimeError):
        _use_then_refuse(engine)
    for _ in range(2):
        with unit_of_work(engine) as session:
            conn = session.connection()
            with bulk.id_table(conn, "_ids", pl.Series([3])) as ids:
                assert conn.execute(text(f"SELECT id FROM {ids}")).scalars().all() == [3]


def _use_then_refuse(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        with bulk.id_table(session.connection(), "_ids", pl.Series([1, 2])):
            pass
        raise RuntimeError("a refusal after the table was used")
