"""Each PostgreSQL test starts on an empty database whose ids start at 1: emptied by DELETE
where the test before it left few rows, by TRUNCATE where it left many."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from doorstep.storage.base import Base

#: Above this many rows in one table, a test's database is emptied by TRUNCATE: DELETE then
#: costs more than TRUNCATE's fixed price.
DELETE_AT_MOST = 1000


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        _start_again(conn)


def empty_postgres(engine: Engine) -> None:
    """Empty a PostgreSQL test database as TRUNCATE ... RESTART IDENTITY would, but cheaply.

    TRUNCATE gives each of the 30 tables new files: 0.4-0.9 s a test, even with every table
    empty. Most tests leave a few rows in a few tables, which DELETE (children first) removes
    in milliseconds; the sequences that were used restart, and the rows the statement
    triggers of the pairing input tables add on the way (``pairing_input_writes``) go last.
    A test that left many rows, or rows DELETE cannot remove, gets TRUNCATE as before."""
    tables = Base.metadata.sorted_tables
    with engine.connect() as conn:
        counted = " UNION ALL ".join(
            f"SELECT '{t.name}', (SELECT count(*) FROM (SELECT 1 FROM {t.name} "
            f"LIMIT {DELETE_AT_MOST + 1}) AS s)"
            for t in tables
        )
        held = {name: n for name, n in conn.execute(text(counted)) if n}
    if any(n > DELETE_AT_MOST for n in held.values()):
        _truncate_all(engine)
        return
    try:
        with engine.begin() as conn:
            for table in reversed(tables):
                if table.name in held:
                    conn.execute(table.delete())
            _start_again(conn)
    except Exception:
        _truncate_all(engine)


def _start_again(conn: Connection) -> None:
    """Forget the writes the pairing input tables' statement triggers counted (TRUNCATE
    counts too) and restart every sequence that was used."""
    conn.execute(text("DELETE FROM pairing_input_writes"))
    for sequence, _, _ in moved_sequences(conn):
        conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


def moved_sequences(conn: Connection) -> list[tuple[str, int, bool]]:
    """The tables' sequences that are not where a new one starts: each one's name, last
    value and whether that value was taken. ``pg_sequences`` says nothing of a sequence set
    back with ``is_called`` false (an import that chose its ids moves the serial past them
    so), so each is read."""
    names = (
        conn.execute(
            text(
                "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                "WHERE schemaname = 'public'"
            )
        )
        .scalars()
        .all()
    )
    states = " UNION ALL ".join(f"SELECT '{n}', last_value, is_called FROM {n}" for n in names)
    return [
        (n, int(last), bool(called))
        for n, last, called in conn.execute(text(states))
        if called or last != 1
    ]
