"""A PostgreSQL database put back as a template held it, in place: its rows copied out once
(:func:`held_rows`) and in again before each test (:func:`restore`), where a copy made
with ``CREATE DATABASE ... TEMPLATE`` and dropped after the test cost 0.5-1.5 s a test on
a loaded machine (``DROP DATABASE`` waits for a checkpoint)."""

from __future__ import annotations

from typing import Any, NamedTuple

import psycopg

from doorstep.storage.base import Base
from doorstep.storage.session import make_engine
from tests.factories.emptied import empty_postgres, moved_sequences

#: Counted by the pairing input tables' statement triggers as rows go in: copied last.
_COUNTED = "pairing_input_writes"


class Held(NamedTuple):
    """A database's rows, each table's as ``COPY ... TO STDOUT`` gave them (binary), and
    its moved sequences (name, last value, taken)."""

    rows: dict[str, bytes]
    sequences: list[tuple[str, int, bool]]


def held_rows(url: str) -> Held:
    """The rows and sequences of the PostgreSQL database at ``url``."""
    rows: dict[str, bytes] = {}
    engine = make_engine(url)
    with engine.connect() as conn:
        sequences = moved_sequences(conn)
        driver: Any = conn.connection.driver_connection
        with driver.cursor() as cur:
            for table in Base.metadata.sorted_tables:
                got = bytearray()
                with cur.copy(f"COPY {table.name} TO STDOUT (FORMAT BINARY)") as copy:
                    for block in copy:
                        got += block
                rows[table.name] = bytes(got)
    engine.dispose()
    return Held(rows, sequences)


def restore(url: str, held: Held) -> None:
    """Put the PostgreSQL database at ``url`` (migrated as ``held``'s was) back to
    ``held``: emptied, its rows copied in (children after parents; the triggers' count of
    pairing input writes last, as held), its sequences set as held."""
    engine = make_engine(url)
    empty_postgres(engine)
    engine.dispose()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        names = [t.name for t in Base.metadata.sorted_tables if t.name != _COUNTED]
        for name in [*names, _COUNTED]:
            if name == _COUNTED:
                cur.execute(f"DELETE FROM {_COUNTED}")
            with cur.copy(f"COPY {name} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(held.rows[name])
        for sequence, last, taken in held.sequences:
            cur.execute("SELECT setval(%s, %s, %s)", (sequence, last, taken))
