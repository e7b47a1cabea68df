"""A bulk write on SQLite counted as one write to pairing's inputs, not one per row.

SQLite has no statement triggers, so migration 0004 counts each row inserted into a table
pairing reads with a row trigger (an upsert of the one counter row). At a region's scale
that trigger was most of an import's write: 500k households took 14.5 s with it and 4.6 s
without. The count only has to move (:mod:`doorstep.services.pairing.versions` compares it
for equality), so a bulk write moves it once and drops the row trigger for its rows, inside
its own transaction: the drop, the rows, the counter and the trigger made again
commit together or not at all, and SQLite's one writer means no other transaction writes
while the trigger is away. Every other writer still meets the trigger.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from sqlalchemy import Connection, text

from doorstep.storage.tables.pairings import PAIRING_INPUT_COLUMNS, PAIRING_INPUT_TABLES

#: The counter's one row on SQLite, moved as the trigger of migration 0004 moves it (an
#: upsert, so that the count goes on even if the row was deleted).
_COUNT = (
    "INSERT INTO pairing_input_writes (id, writes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET writes = writes + 1"
)


@contextmanager
def counted_once(
    conn: Connection,
    table: str,
    event: Literal["insert", "update", "delete"] = "insert",
    *,
    setting: Sequence[str] | None = None,
) -> Iterator[None]:
    """Within the block, the rows of ``table`` that ``event`` writes (inserted, updated or
    deleted) move SQLite's count of pairing input writes once in all, not once each; the
    count moves even if the block writes none. Updates that set only ``setting``, none of
    which is a column the table's update trigger counts (``PAIRING_INPUT_COLUMNS``), are
    not counted at all, as the trigger would not count them. Elsewhere (PostgreSQL, which
    counts per statement already; tables pairing does not read; no transaction to keep the
    drop in), nothing changes."""
    if conn.dialect.name != "sqlite" or table not in PAIRING_INPUT_TABLES:
        yield
        return
    watched = PAIRING_INPUT_COLUMNS.get(table)
    if event == "update" and setting is not None and watched and not set(setting) & set(watched):
        yield
        return
    name = f"{table}_{event}_written"
    made = _trigger_sql(conn, name)
    # A write: the transaction (begun with the unit of work) holds the writer's lock from
    # here, so no other writes while the trigger is away.
    conn.execute(text(_COUNT))
    raw = conn.connection.driver_connection
    if made is None or raw is None or not getattr(raw, "in_transaction", False):
        yield
        return
    conn.execute(text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        # Unless it is there: a failure inside the block may have rolled the whole
        # transaction back, drop included.
        if _trigger_sql(conn, name) is None:
            conn.execute(text(made))


def _trigger_sql(conn: Connection, name: str) -> str | None:
    """The SQL SQLite keeps for the trigger ``name`` (``None``: there is none)."""
    found = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": name},
    ).scalar()
    return None if found is None else str(found)
