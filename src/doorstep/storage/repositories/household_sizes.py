"""A household's size against its outcomes: no year's ``members_in_work`` (its
``household_indicators``) above its ``members`` (``households``, its size as recorded now,
never null: at least 1), which both an indicators and a households import check."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import Connection, Select, func, select, text

from doorstep.storage.repositories.reads import frame
from doorstep.storage.tables import Area, Household, HouseholdIndicator

#: Key of PostgreSQL's transaction-level advisory lock that the households and indicators
#: imports take before checking one against the other ("size").
SIZES_LOCK = 0x73697A65


def lock_household_sizes(conn: Connection) -> None:
    """Hold, until the caller's transaction ends, the lock the imports of households and of
    indicators take before each checks its rows against the other's table: without it, one
    lowering a household's members and one raising its members in work, side by side,
    would each pass its check against what the other had not committed yet. SQLite needs
    none: both imports write, and a database has one writer at a time."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SIZES_LOCK})


def members_below(conn: Connection, most: int, households: pl.Series) -> pl.DataFrame:
    """``household_id`` (the external id) and ``members`` of the ``households`` (external
    ids) with fewer than ``most`` members."""
    among, ids = _among(conn, households)
    return frame(
        conn,
        f"""SELECT h.external_id AS household_id, h.members
            FROM households h WHERE h.members < :most {among}""",
        {"most": most, "ids": ids},
        {"household_id": pl.String, "members": pl.Int64},
    )


def work_above_one(conn: Connection, households: pl.Series) -> pl.DataFrame:
    """``household_id`` (the external id), ``year`` and ``members_in_work`` of the stored
    indicators of the ``households`` (external ids) with more than one member in work: the
    only ones a household's members (at least 1) can be fewer than."""
    among, ids = _among(conn, households)
    return frame(
        conn,
        f"""SELECT h.external_id AS household_id, i.year, i.members_in_work
            FROM household_indicators i JOIN households h ON h.id = i.household_id
            WHERE i.members_in_work > 1 {among}""",
        {"ids": ids},
        {"household_id": pl.String, "year": pl.Int64, "members_in_work": pl.Int64},
    )


#: The most households a file may name for a check to read them alone: past it, reading
#: every candidate is as quick (at 400k households, SQLite: 0.7 s for all, 0.06 s for the
#: 5,000 of a file, 2 s for the 400,000 of a whole file; bench/import_sizes.py).
AMONG_AT_MOST = 50_000


def _among(conn: Connection, households: pl.Series) -> tuple[str, object]:
    """The condition that keeps the external ids ``households`` alone (empty past
    :data:`AMONG_AT_MOST` of them), and the value it binds to ``:ids``: an array (SQLite:
    JSON), not a temporary table, as on SQLite that is a write, and the check runs before
    the import takes its turn to write (``take_turn``) too."""
    named = households.drop_nulls().unique()
    if named.len() > AMONG_AT_MOST:
        return "", None
    ids = named.sort().to_list()
    if conn.dialect.name == "postgresql":
        return "AND h.external_id = ANY(CAST(:ids AS TEXT[]))", ids
    return "AND h.external_id IN (SELECT value FROM json_each(:ids))", json.dumps(ids)


def _over_members(path: str | None) -> Select[int, str, str, int, int, int | None]:
    """The stored years with more members in work than their household's members, of the
    households under the area ``path`` (all: ``None``), by household then year."""
    query = (
        select(
            Household.id.label("household_id"),
            Household.external_id.label("household"),
            Area.code.label("area"),
            HouseholdIndicator.year,
            Household.members,
            HouseholdIndicator.members_in_work,
        )
        .join(Household, Household.id == HouseholdIndicator.household_id)
        .join(Area, Area.id == Household.area_id)
        .where(HouseholdIndicator.members_in_work > Household.members)
    )
    if path is not None:
        query = query.where(Area.path.startswith(path, autoescape=True))
    return query


def count_work_over_members(conn: Connection, *, path: str | None) -> int:
    """How many years :func:`work_over_members` lists in all, under the area ``path``."""
    counted = select(func.count()).select_from(_over_members(path).subquery())
    return int(conn.execute(counted).scalar_one())


def work_over_members(
    conn: Connection, *, path: str | None, limit: int | None = None, offset: int = 0
) -> pl.DataFrame:
    """The stored years with more members in work than their household's members (figures
    stored before the imports checked them), of the households under the area ``path``
    (all: ``None``): ``household_id`` (database id), ``household``, ``area`` (id and code
    as typed), ``year``, ``members`` and ``members_in_work``, by household then year (one
    row each: a household has a year once); ``limit`` of them (all: ``None``) from the
    ``offset``-th, cut by the database so a page reads its rows alone."""
    query = (
        _over_members(path)
        .order_by(Household.external_id, HouseholdIndicator.year)
        .limit(limit)
        .offset(offset or None)
    )
    schema = {
        "household_id": pl.Int64,
        "household": pl.String,
        "area": pl.String,
        "year": pl.Int64,
        "members": pl.Int64,
        "members_in_work": pl.Int64,
    }
    rows = [tuple(r) for r in conn.execute(query).all()]
    return pl.DataFrame(rows, schema=schema, orient="row")
