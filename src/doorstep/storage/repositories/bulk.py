"""Fast bulk writes through the database driver, inside the caller's transaction.

SQLite gets ``executemany`` of plain tuples; PostgreSQL gets ``COPY`` of CSV written by
polars. Both are what the benchmark's bare baselines use, so the import pays only for
validation on top.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Connection, Date, Float, Integer, text
from sqlalchemy.types import TypeEngine

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.storage.base import Base
from doorstep.storage.repositories import counted_writes, folded
from doorstep.storage.repositories.reads import frame
from doorstep.storage.session import take_turn, temporary_writes

_COPY_CHUNK_ROWS = 200_000
#: After copying this many rows into a PostgreSQL table, its statistics are taken again
#: (``ANALYZE``, a sample, well under a second): planned on statistics from before a bulk
#: write, a query of the same transaction or the next, before autovacuum runs (or where it
#: is off), can scan the whole table once per row. Ending 235k pairings right after
#: 1.47M were written took over four minutes that way.
ANALYZE_FROM_ROWS = 50_000
#: Fewer rows are enough when they change the table as much as autovacuum waits for
#: (its defaults: 50 rows and a tenth of the table). A region's 393 areas, never analysed,
#: were estimated as one row matching a subtree, and reading the region's households
#: looked up each one's pairing by index: 4.6-5 s, 2.4-2.6 s once analysed.
ANALYZE_BASE_ROWS, ANALYZE_SHARE = 50, 0.1
#: SQLite has no autovacuum to take statistics at all: without them a county's work list
#: looked visits up through the status index, 9 minutes instead of 4 s. Its ANALYZE then
#: reads about this many rows of each index (``analysis_limit``), milliseconds at any size.
SQLITE_ANALYSIS_LIMIT = 1000


def _for_driver(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1, the forms both drivers take for these columns."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _chunks(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def insert_rows(
    conn: Connection,
    table: str,
    frame: pl.DataFrame,
    *,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``.

    ``on_rows`` hears the number of rows written so far, after each chunk. A household's or
    visitor's searched columns are written with their folded copies (:mod:`.folded`).
    """
    if frame.height == 0:
        return 0
    frame = folded.with_folded(table, frame)
    searched = folded.texts(table) if conn.dialect.name == "sqlite" else []
    if searched:
        before = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
        # Rows numbered after every row there are the rows after ``before`` once written:
        # indexed by that range, without a table of their ids (0.5 s per 400k rows).
        new_ids = frame["id"] if "id" in frame.columns else None
        after: pl.Series | int = before if new_ids is None or new_ids.min() > before else new_ids
    cols = list(frame.columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        pg = frame.select(
            [
                pl.col(c).cast(pl.Int8).cast(pl.Boolean)
                if frame.schema[c] == pl.Boolean
                else pl.col(c)
                for c in cols
            ]
        )
        sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur, cur.copy(sql) as copy:
            done = 0
            for part in _chunks(pg, _COPY_CHUNK_ROWS):
                buf = io.BytesIO()
                part.write_csv(buf, include_header=False)
                copy.write(buf.getvalue())
                done += part.height
                if on_rows:
                    on_rows(done)
    else:
        marks = ", ".join("?" for _ in cols)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
        with counted_writes.counted_once(conn, table):
            cur = raw.cursor()
            done = 0
            for part in _chunks(_for_driver(frame), _COPY_CHUNK_ROWS):
                cur.executemany(sql, part.iter_rows())
                done += part.height
                if on_rows:
                    on_rows(done)
            cur.close()
    if searched:
        _index_for_search(conn, table, searched, after)
    _analyse_if_worth(conn, table, frame.height)
    return frame.height


def _index_for_search(conn: Connection, table: str, texts: list[str], ids: pl.Series | int) -> None:
    """Add the rows just inserted into ``table`` (those of ``ids``, or every one after the
    id ``ids``) to its SQLite FTS index, in one statement (see :mod:`.folded`)."""
    fts, cols = f"{table}_fts", ", ".join(texts)
    insert = f"INSERT INTO {fts} (rowid, {cols}) SELECT id, {cols} FROM {folded.search_text(table)}"
    if isinstance(ids, int):
        conn.execute(text(f"{insert} WHERE id > :before"), {"before": ids})
        return
    with id_table(conn, f"_fts_{table}", ids) as new:
        conn.execute(text(f"{insert} WHERE id IN (SELECT id FROM {new})"))


def _analyse_if_worth(conn: Connection, table: str, written: int) -> None:
    """Take ``table``'s statistics again when ``written`` rows (inserted or updated) changed
    it as much as autovacuum waits for: an update changes the values the planner counts
    on as much as an insert does (a visits import that records 20k planned visits as made
    left PostgreSQL estimating one visit made, and a county's report took 154 s, not 4)."""
    if not _worth_analysing(conn, table, written):
        return
    if conn.dialect.name != "postgresql":
        conn.execute(text(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}"))
    conn.execute(text(f"ANALYZE {table}"))


def _worth_analysing(conn: Connection, table: str, written: int) -> bool:
    """Whether ``written`` rows, new or updated, call for fresh statistics of ``table``."""
    if written >= ANALYZE_FROM_ROWS:
        return True
    if written <= ANALYZE_BASE_ROWS:
        return False
    return bool(written > ANALYZE_BASE_ROWS + ANALYZE_SHARE * max(_analysed_rows(conn, table), 0))


def _analysed_rows(conn: Connection, table: str) -> float:
    """The table's row count at its last ANALYZE, as the query planner sees it (-1: never)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
        ).scalar_one()
        return float(rows)
    if not conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    ).first():
        return -1.0
    stat = conn.execute(
        text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1"), {"t": table}
    ).scalar()
    return float(str(stat).split()[0]) if stat else -1.0


def update_rows(conn: Connection, table: str, frame: pl.DataFrame, key: str = "id") -> int:
    """Update the rows of ``table`` whose ``key`` matches, setting the frame's other columns
    (and the folded copies of a household's or visitor's searched ones: :mod:`.folded`)."""
    if frame.height == 0:
        return 0
    frame = folded.with_folded(table, frame)
    cols = [c for c in frame.columns if c != key]
    if conn.dialect.name == "postgresql":
        tmp = f"_upd_{table}"
        conn.execute(
            text(
                f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS "
                f"SELECT {key}, {', '.join(cols)} FROM {table} WITH NO DATA"
            )
        )
        insert_rows(conn, tmp, frame.select([key, *cols]))
        sets = ", ".join(f"{c} = s.{c}" for c in cols)
        conn.execute(
            text(
                f"UPDATE {table} AS t SET {sets}, updated_at = now() "
                f"FROM {tmp} AS s WHERE t.{key} = s.{key}"
                if _has_updated_at(conn, table)
                else f"UPDATE {table} AS t SET {sets} FROM {tmp} AS s WHERE t.{key} = s.{key}"
            )
        )
        conn.execute(text(f"DROP TABLE {tmp}"))
    else:
        sets = ", ".join(f"{c} = ?" for c in cols)
        if _has_updated_at(conn, table):
            sets += ", updated_at = CURRENT_TIMESTAMP"
        raw = conn.connection.driver_connection
        assert raw is not None
        with counted_writes.counted_once(conn, table, "update", setting=cols):
            cur = raw.cursor()
            cur.executemany(
                f"UPDATE {table} SET {sets} WHERE {key} = ?",
                _for_driver(frame.select([*cols, key])).iter_rows(),
            )
            cur.close()
    _analyse_if_worth(conn, table, frame.height)
    return frame.height


@contextmanager
def temp_table(conn: Connection, name: str, columns: str) -> Iterator[str]:
    """A temporary table ``name`` of ``columns`` (SQL) for the block, dropped after it.

    One left over is dropped first: on SQLite the driver once began a transaction only at
    the first write, so a temporary table created before it outlived a rollback (its drop
    undone), and a pooled connection kept it for the next unit of work, which stopped at
    "table already exists" (a server's concurrent requests, bench/api_throughput.py); kept
    for a table a :func:`~doorstep.storage.session.take_turn` commits with the reads. After
    an error it is left for the rollback (PostgreSQL) or the next use: a statement in a
    failed PostgreSQL transaction is refused, and would hide the error."""
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TEMP TABLE {name} ({columns})"))
    yield name
    conn.execute(text(f"DROP TABLE {name}"))


def fill_temp(conn: Connection, name: str, frame: pl.DataFrame) -> None:
    """Insert ``frame`` into the temporary table ``name`` (:func:`temp_table`): a table to
    read by, not a write of the unit's (:func:`~doorstep.storage.session.temporary_writes`:
    on SQLite a unit that only read still takes its turn to write its audit events)."""
    with temporary_writes(conn):
        insert_rows(conn, name, frame)


@contextmanager
def id_table(conn: Connection, name: str, values: pl.Series) -> Iterator[str]:
    """A temporary table ``name`` of the integers ``values`` (column ``id``), for one
    statement to join on however many there are (an ``IN`` list of a million would not);
    dropped on leaving."""
    with temp_table(conn, name, "id INTEGER PRIMARY KEY"):
        fill_temp(conn, name, pl.DataFrame({"id": values.unique()}))
        yield name


def delete_rows(conn: Connection, table: str, key: str, values: pl.Series) -> None:
    """Delete the rows of ``table`` whose ``key`` is one of ``values`` (integers), in one
    statement."""
    if values.len() == 0:
        return
    with id_table(conn, f"_del_{table}", values) as ids:
        conn.execute(text(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM {ids})"))


def _has_updated_at(conn: Connection, table: str) -> bool:
    t = Base.metadata.tables.get(table)
    return t is not None and "updated_at" in t.c


def key_map(conn: Connection, table: str, key: str, columns: Sequence[str] = ()) -> pl.DataFrame:
    """``key``, ``id`` (and ``columns``) of every row of ``table``, as a frame."""
    cols = [key, "id", *columns]
    rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}")).all()
    schema = {c: (pl.Int64 if c == "id" else None) for c in cols}
    return (
        pl.DataFrame(rows, schema=list(cols), orient="row", infer_schema_length=None).cast(
            {c: t for c, t in schema.items() if t is not None}
        )
        if rows
        else pl.DataFrame(
            {c: pl.Series(c, [], dtype=pl.Int64 if c == "id" else pl.String) for c in cols}
        )
    )


def read_rows(conn: Connection, table: str, columns: Sequence[str]) -> pl.DataFrame:
    """``columns`` of every row of ``table``, each typed as the table stores it (an
    integer, a double, a date, a flag, text), so that values can be compared as stored.
    Read through :func:`~doorstep.storage.repositories.reads.frame` (SQLite in blocks,
    PostgreSQL through ``COPY``), whose flags come back as SQLite's 0/1 or ``COPY``'s t/f."""
    types = {c: _polars_type(Base.metadata.tables[table].c[c].type) for c in columns}
    flag = pl.Int64 if conn.dialect.name != "postgresql" else pl.String
    flags = [c for c, t in types.items() if t == pl.Boolean]
    got = frame(
        conn,
        f"SELECT {', '.join(columns)} FROM {table}",
        {},
        {c: flag if c in flags else t for c, t in types.items()},
    )
    return got.with_columns(
        (pl.col(c) == "t") if flag == pl.String else pl.col(c).cast(pl.Boolean) for c in flags
    )


def _polars_type(kind: TypeEngine[Any]) -> pl.DataType:
    if isinstance(kind, Boolean):
        return pl.Boolean()
    if isinstance(kind, Date):
        return pl.Date()
    if isinstance(kind, Float):
        return pl.Float64()
    if isinstance(kind, Integer):
        return pl.Int64()
    return pl.String()


def next_id(conn: Connection, table: str) -> int:
    """The first free id; callers hold the table's write lock (see ``lock_for_import``)."""
    value = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    return int(value) + 1


def lock_for_import(conn: Connection, tables: Sequence[str]) -> None:
    """Take the write locks so that ids chosen here cannot be taken by another writer."""
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.execute(text(f"LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE"))
    else:
        # SQLite has one writer: the import waits its turn for the lock (its transaction,
        # if it has only read, begun again with it), rather than being refused at once for
        # a visit another wrote while it read its file. What it checked before is held by
        # the foreign keys and by the checks it makes after the lock.
        take_turn(conn)


def sync_sequence(conn: Connection, table: str) -> None:
    """After explicit ids, move PostgreSQL's serial past them (SQLite needs nothing)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )
