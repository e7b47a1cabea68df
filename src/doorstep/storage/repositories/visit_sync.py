"""Bulk reads behind importing visits: everything the rules ask about a file's rows, read
once for all of them, through temporary tables.

A backlog of hundreds of thousands of visits asked a few queries per row (minutes); these
are a few queries per file. An ``IN`` list would not do: SQLite takes at most 32,766
parameters. Days are inclusive, as in :mod:`doorstep.storage.repositories.visit_records`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.visit_records import STORED_VISITS, stored_visit
from doorstep.storage.repositories.visit_records import _day as as_day
from doorstep.storage.repositories.visits import consent_on


@contextmanager
def _keys(conn: Connection, name: str, values: list[str]) -> Iterator[str]:
    """A temporary table ``name`` of the strings ``values`` (column ``k``), dropped on
    leaving."""
    with bulk.temp_table(conn, name, "k VARCHAR(200) PRIMARY KEY"):
        bulk.fill_temp(conn, name, pl.DataFrame({"k": sorted(set(values))}, {"k": pl.String}))
        yield name


def ids_by_external_id(conn: Connection, table: str, external_ids: list[str]) -> dict[str, int]:
    """The database ids of the visitors or households with these external ids (those
    known)."""
    if table not in ("households", "visitors"):
        raise ValueError(table)
    with _keys(conn, "_sync_ext", external_ids) as keys:
        rows = conn.execute(
            text(f"SELECT t.external_id, t.id FROM {table} t JOIN {keys} k ON k.k = t.external_id")
        ).all()
    return {str(e): int(i) for e, i in rows}


def by_client_ids(conn: Connection, client_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The visits recorded under these device ids, by id: their row, with the household's
    and visitor's external ids (``STORED_VISITS``)."""
    with _keys(conn, "_sync_uuid", client_ids) as keys:
        rows = conn.execute(
            text(STORED_VISITS + f" JOIN {keys} k ON k.k = vi.client_uuid")
        ).mappings()
        return {str(r["client_uuid"]): stored_visit(r) for r in rows}


def pairings_of(
    conn: Connection, household_ids: list[int]
) -> list[tuple[int, int, int, dt.date, dt.date | None]]:
    """``(id, household, visitor, started_on, ended_on)`` of every pairing of these
    households."""
    with bulk.id_table(conn, "_sync_h", pl.Series(household_ids, dtype=pl.Int64)) as ids:
        rows = conn.execute(
            text(
                f"SELECT p.id, p.household_id, p.visitor_id, p.started_on, p.ended_on "
                f"FROM pairings p JOIN {ids} i ON i.id = p.household_id"
            )
        ).all()
    return [
        (int(i), int(h), int(v), as_day(a), None if z is None else as_day(z))
        for i, h, v, a, z in rows
    ]


def consent_on_days(
    conn: Connection, days: list[tuple[int, dt.date]]
) -> dict[tuple[int, dt.date], str | None]:
    """The consent state of each household on each day given, as
    :func:`~doorstep.storage.repositories.visit_records.consent_on_day` decides it."""
    pairs = sorted(set(days))
    with bulk.temp_table(conn, "_sync_days", "household_id INTEGER, day DATE"):
        bulk.fill_temp(
            conn,
            "_sync_days",
            pl.DataFrame(pairs, schema={"household_id": pl.Int64, "day": pl.Date}, orient="row"),
        )
        rows = conn.execute(
            text(
                f"SELECT t.household_id, t.day, {consent_on('t.day', conn)} "
                "FROM _sync_days t JOIN households h ON h.id = t.household_id"
            )
        ).all()
    return {(int(h), as_day(d)): (None if s is None else str(s)) for h, d, s in rows}


def recorded_of(
    conn: Connection, visitor_ids: list[int], first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """The recorded visits of these visitors whose days meet ``first..last``, as
    :func:`by_client_ids` gives a row."""
    with bulk.id_table(conn, "_sync_v", pl.Series(visitor_ids, dtype=pl.Int64)) as ids:
        rows = conn.execute(
            text(
                STORED_VISITS
                + f"""
                JOIN {ids} i ON i.id = vi.visitor_id
                WHERE vi.status = 'done' AND vi.actual_start <= :last
                  AND COALESCE(vi.actual_end, vi.actual_start) >= :first
                """
            ),
            {"first": first, "last": last},
        ).mappings()
        return [stored_visit(r) for r in rows]


def planned_of(
    conn: Connection, pairing_ids: list[int], first: dt.date, last: dt.date
) -> list[tuple[int, int, dt.date, dt.date]]:
    """``(id, pairing, first planned day, last)`` of the planned visits of these pairings
    whose planned days meet ``first..last``."""
    with bulk.id_table(conn, "_sync_p", pl.Series(pairing_ids, dtype=pl.Int64)) as ids:
        rows = conn.execute(
            text(
                f"""
                SELECT vi.id, vi.pairing_id, vi.planned_start, vi.planned_end FROM visits vi
                JOIN {ids} i ON i.id = vi.pairing_id
                WHERE vi.status = 'planned' AND vi.planned_start <= :last
                  AND vi.planned_end >= :first
                """
            ),
            {"first": first, "last": last},
        ).all()
    return [(int(i), int(p), as_day(a), as_day(z)) for i, p, a, z in rows]
