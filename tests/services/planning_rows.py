"""Rows written straight into a planning database, for tests whose situations no import
makes (pairings with given first and last days): shared by the database-mode planning tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

START = dt.date(2027, 1, 4)  # a Monday


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def as_date(value: object) -> dt.date:
    """A date read back from either database (SQLite gives text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def pair(engine: Engine, h: str, v: str, since: dt.date, until: dt.date | None) -> int:
    """Pair household ``h`` with visitor ``v`` from ``since`` to ``until``; the pairing's id."""
    sql(
        engine,
        "INSERT INTO pairings (household_id, visitor_id, started_on, ended_on) "
        "SELECT h.id, v.id, :s, :e FROM households h, visitors v "
        "WHERE h.external_id = :h AND v.external_id = :v",
        h=h,
        v=v,
        s=since,
        e=until,
    )
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT MAX(id) FROM pairings")).scalar_one())


def planned_stay(engine: Engine, pairing: int, first: dt.date, last: dt.date) -> None:
    """A planned visit of ``pairing`` from ``first`` to ``last``, written as an earlier plan
    left it (a stay under way when its days span the plan's start)."""
    sql(
        engine,
        "INSERT INTO visits (household_id, visitor_id, pairing_id, status, planned_start, "
        "planned_end) SELECT household_id, visitor_id, id, 'planned', :a, :z FROM pairings "
        "WHERE id = :p",
        p=pairing,
        a=first,
        z=last,
    )


def planned_days(engine: Engine, pairing: int) -> list[tuple[dt.date, dt.date]]:
    """(first, last) day of each planned visit of ``pairing``, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT planned_start, planned_end FROM visits WHERE pairing_id = :p "
                "AND status = 'planned' ORDER BY planned_start"
            ),
            {"p": pairing},
        ).all()
        return [(as_date(a), as_date(z)) for a, z in rows]
