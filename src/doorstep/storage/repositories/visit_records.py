"""Queries behind recording a visit as made, or a planned one as missed.

Days are inclusive: a visit ``first..last``; a pairing holds the days from ``started_on``
to the day before ``ended_on`` (its first day without it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import polars as pl
from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from doorstep.domain.enums import VisitStatus
from doorstep.storage.base import Base
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.reads import frame
from doorstep.storage.repositories.visits import consent_on
from doorstep.storage.tables import Visit  # noqa: F401  (registers the table)

_visits = Base.metadata.tables["visits"]


def _day(value: object) -> dt.date:
    """A date column's value (SQLite hands dates back as ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def ids_by_external_id(conn: Connection, table: str, external_ids: list[str]) -> dict[str, int]:
    """The database ids of the visitors or households with these external ids (those
    known)."""
    if table not in ("households", "visitors"):
        raise ValueError(table)
    if not external_ids:
        return {}
    rows = conn.execute(
        text(f"SELECT external_id, id FROM {table} WHERE external_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": sorted(set(external_ids))},
    ).all()
    return {str(e): int(i) for e, i in rows}


def pairing_over(
    conn: Connection, household_id: int, visitor_id: int, first: dt.date, last: dt.date
) -> int | None:
    """The pairing of the two that holds every day ``first..last`` (the earliest begun,
    should two do)."""
    found = conn.execute(
        text(
            """
            SELECT id FROM pairings
            WHERE household_id = :h AND visitor_id = :v AND started_on <= :first
              AND (ended_on IS NULL OR ended_on > :last)
            ORDER BY started_on, id LIMIT 1
            """
        ),
        {"h": household_id, "v": visitor_id, "first": first, "last": last},
    ).scalar_one_or_none()
    return None if found is None else int(found)


def consent_on_day(conn: Connection, household_id: int, day: dt.date) -> str | None:
    """The household's consent state in force on ``day``, as the work lists decide it
    (:func:`doorstep.storage.repositories.visits.consent_on`); ``None`` before any act."""
    found = conn.execute(
        text(f"SELECT {consent_on(':day', conn)} FROM households h WHERE h.id = :h"),
        {"h": household_id, "day": day},
    ).scalar_one_or_none()
    return None if found is None else str(found)


def planned_overlapping(
    conn: Connection, pairing_id: int, first: dt.date, last: dt.date, *, skip: set[int]
) -> int | None:
    """The earliest planned visit of the pairing whose days meet ``first..last`` (not one
    of ``skip``)."""
    rows = conn.execute(
        text(
            """
            SELECT id FROM visits
            WHERE pairing_id = :p AND status = 'planned'
              AND planned_start <= :last AND planned_end >= :first
            ORDER BY planned_start, id
            """
        ),
        {"p": pairing_id, "first": first, "last": last},
    ).scalars()
    return next((int(r) for r in rows if int(r) not in skip), None)


class Clash(NamedTuple):
    """A recorded visit of a visitor that meets the days of another."""

    id: int
    device_id: str | None
    first: dt.date
    last: dt.date
    household_id: int


def recorded_clashes(
    conn: Connection, visitor_id: int, first: dt.date, last: dt.date
) -> list[Clash]:
    """The visitor's recorded visits whose days meet ``first..last``, by first day."""
    rows = conn.execute(
        text(
            """
            SELECT id, client_uuid, actual_start, COALESCE(actual_end, actual_start),
                   household_id
            FROM visits
            WHERE visitor_id = :v AND status = 'done' AND actual_start <= :last
              AND COALESCE(actual_end, actual_start) >= :first
            ORDER BY actual_start, id
            """
        ),
        {"v": visitor_id, "first": first, "last": last},
    ).all()
    return [Clash(int(i), u, _day(a), _day(z), int(h)) for i, u, a, z, h in rows]


#: A recorded visit as an import compares a row with it (with its household's and
#: visitor's external ids): :mod:`doorstep.storage.repositories.visit_sync` reads them.
STORED_VISITS = """
    SELECT vi.id, vi.client_uuid, vi.status, vi.pairing_id, vi.household_id, vi.visitor_id,
           vi.planned_start, vi.planned_end, vi.actual_start, vi.actual_end, vi.notes,
           vi.activities, vi.outcome_codes,
           h.external_id AS household, v.external_id AS visitor
    FROM visits vi JOIN households h ON h.id = vi.household_id
    JOIN visitors v ON v.id = vi.visitor_id
"""


def stored_visit(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
        if out[key] is not None:
            out[key] = _day(out[key])
    return out


def planned_starting(
    conn: Connection,
    household_id: int,
    visitor_id: int,
    day: dt.date,
    status: VisitStatus = VisitStatus.PLANNED,
) -> int | None:
    """The visit of the household by the visitor planned to start on ``day`` with the
    ``status`` (still planned, or marked missed)."""
    found = conn.execute(
        select(_visits.c.id)
        .where(
            _visits.c.household_id == household_id,
            _visits.c.visitor_id == visitor_id,
            _visits.c.status == status.value,
            _visits.c.planned_start == day,
        )
        .order_by(_visits.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def recorded_starting(
    conn: Connection, household_id: int, visitor_id: int, day: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The days (first, last) the visit of the household by the visitor planned from, or
    made from, ``day`` was recorded as made on, if it was."""
    found = conn.execute(
        text(
            """
            SELECT actual_start, COALESCE(actual_end, actual_start) FROM visits
            WHERE household_id = :h AND visitor_id = :v AND status = 'done'
              AND (planned_start = :day OR actual_start = :day)
            ORDER BY id LIMIT 1
            """
        ),
        {"h": household_id, "v": visitor_id, "day": day},
    ).one_or_none()
    return None if found is None else (_day(found[0]), _day(found[1]))


def made_values(
    *,
    pairing_id: int,
    household_id: int,
    visitor_id: int,
    first: dt.date,
    last: dt.date,
    note: str | None,
    client_id: str | None,
) -> dict[str, Any]:
    """The columns of a visit recorded as made."""
    return {
        "pairing_id": pairing_id,
        "household_id": household_id,
        "visitor_id": visitor_id,
        "status": VisitStatus.DONE.value,
        "actual_start": first,
        "actual_end": last,
        "days_stayed": (last - first).days + 1,
        "notes": note,
        "client_uuid": client_id,
    }


def client_id_taken(conn: Connection, client_id: str) -> bool:
    """Whether a visit is stored under this visit id."""
    found = conn.execute(select(_visits.c.id).where(_visits.c.client_uuid == client_id)).first()
    return found is not None


def insert_visit(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a visit; its id."""
    return int(conn.execute(insert(_visits).values(**values).returning(_visits.c.id)).scalar_one())


def delete_visit(conn: Connection, visit_id: int) -> None:
    """Delete one visit (a recorded one whose visit another row now holds)."""
    conn.execute(_visits.delete().where(_visits.c.id == visit_id))


def update_visit(conn: Connection, visit_id: int, values: dict[str, Any]) -> None:
    """Set these columns of one visit (and its ``updated_at``)."""
    conn.execute(
        update(_visits).where(_visits.c.id == visit_id).values(updated_at=func.now(), **values)
    )


#: What was recorded of a visit made besides its days and note: what it did and found.
#: It is the visit's, so it goes wherever the visit goes (a synced visit moved to another
#: household, visitor or days takes it along), never stays on a planned visit given back.
MADE_ONLY = ("activities", "outcome_codes")

#: What a recorded visit over a planned one is set to when it is no longer that visit: the
#: planned visit again, with its planned days and window as they were.
UNRECORDED: dict[str, Any] = {
    "status": VisitStatus.PLANNED.value,
    "actual_start": None,
    "actual_end": None,
    "days_stayed": None,
    "notes": None,
    "client_uuid": None,
    **dict.fromkeys(MADE_ONLY),
}


def planned_start_of(conn: Connection, visit_id: int) -> dt.date:
    """A visit's first planned day."""
    return _day(
        conn.execute(select(_visits.c.planned_start).where(_visits.c.id == visit_id)).scalar_one()
    )


#: A planned visit as :func:`planned_in_the_way` gives it.
_IN_THE_WAY = {
    "id": pl.Int64,
    "household": pl.String,
    "visitor": pl.String,
    "planned_start": pl.Date,
    "planned_end": pl.Date,
}

_PLANNED_WITH_IDS = """
    SELECT vi.id, h.external_id AS household, v.external_id AS visitor, vi.planned_start,
           vi.planned_end, vi.visitor_id
    FROM visits vi JOIN households h ON h.id = vi.household_id
    JOIN visitors v ON v.id = vi.visitor_id
"""


def planned_in_the_way(
    conn: Connection, recorded: pl.DataFrame, restored: pl.Series
) -> pl.DataFrame:
    """The planned visits (``id, household, visitor, planned_start, planned_end``) that
    share a day with a recorded visit of their visitor, who cannot have made them: those
    meeting ``recorded`` (``visitor_id, first, last``: visits just recorded), and those of
    ``restored`` (ids of planned visits just given back) meeting any of their visitor's.

    Read by visitor over the span of their visits recorded, then matched visit by visit:
    an import of a backlog has hundreds of thousands, one query each would take minutes.
    """
    found = [pl.DataFrame(schema=_IN_THE_WAY)]
    if recorded.height:
        spans = recorded.group_by("visitor_id").agg(
            pl.col("first").min().alias("a"), pl.col("last").max().alias("z")
        )
        with bulk.temp_table(conn, "_in_the_way", "visitor_id INTEGER, a DATE, z DATE"):
            bulk.fill_temp(conn, "_in_the_way", spans)
            near = frame(
                conn,
                _PLANNED_WITH_IDS
                + """
                JOIN _in_the_way s ON s.visitor_id = vi.visitor_id
                WHERE vi.status = 'planned' AND vi.planned_start <= s.z AND vi.planned_end >= s.a
                """,
                {},
                _IN_THE_WAY | {"visitor_id": pl.Int64},
            )
        met = near.join(recorded.select("visitor_id", "first", "last"), on="visitor_id").filter(
            (pl.col("first") <= pl.col("planned_end")) & (pl.col("planned_start") <= pl.col("last"))
        )
        found.append(met.select(*_IN_THE_WAY))
    if restored.len():
        with bulk.id_table(conn, "_given_back", restored) as ids:
            found.append(
                frame(
                    conn,
                    _PLANNED_WITH_IDS
                    + f"""
                    JOIN {ids} b ON b.id = vi.id
                    WHERE vi.status = 'planned' AND EXISTS (
                        SELECT 1 FROM visits d WHERE d.visitor_id = vi.visitor_id
                          AND d.status = 'done' AND d.actual_start <= vi.planned_end
                          AND COALESCE(d.actual_end, d.actual_start) >= vi.planned_start)
                    """,
                    {},
                    _IN_THE_WAY | {"visitor_id": pl.Int64},
                ).select(*_IN_THE_WAY)
            )
    return pl.concat(found).unique("id").sort("id")


def cancelled_for_visitor(
    conn: Connection, visitor: str, since: dt.date
) -> list[tuple[str, dt.date, dt.date, dt.date]]:
    """``(household, UID's first day, first day, last day)`` of the visitor's visits that
    end on ``since`` or later (one under way is on the phone as much as one to come) that
    an earlier calendar may have listed and the next must cancel: planned visits a re-plan
    removed (``cancelled_visits``; not those planned or made again on the same first day,
    whose event stands); planned visits the calendar no longer lists because nobody is to
    make them (the household withdrew, the pairing ended, the visitor left: the complement
    of :func:`doorstep.storage.repositories.visits.planned_for_visitor`); planned visits
    marked missed; and visits made at a household that no longer consents (the complement
    of :func:`doorstep.storage.repositories.visits.recorded_for_visitor`: a household that
    withdrew leaves the visitor's phone, its visits made with it, under the UID and with
    the days the phone shows)."""
    rows = conn.execute(
        text(
            """
            SELECT h.external_id, c.starts_on, c.starts_on, c.ends_on FROM cancelled_visits c
            JOIN visitors v ON v.id = c.visitor_id
            JOIN households h ON h.id = c.household_id
            WHERE v.external_id = :visitor AND c.ends_on >= :since
              AND NOT EXISTS (
                SELECT 1 FROM visits vi WHERE vi.household_id = c.household_id
                  AND vi.visitor_id = c.visitor_id
                  AND COALESCE(vi.planned_start, vi.actual_start) = c.starts_on
                  AND vi.status IN ('planned', 'done'))
            UNION ALL
            SELECT h.external_id, vi.planned_start, vi.planned_start, vi.planned_end
            FROM visits vi
            JOIN visitors v ON v.id = vi.visitor_id
            JOIN households h ON h.id = vi.household_id
            LEFT JOIN pairings p ON p.id = vi.pairing_id
            WHERE v.external_id = :visitor AND vi.planned_end >= :since
              AND (vi.status = 'missed'
                   OR vi.status = 'planned'
                      AND NOT (h.consent_state = 'given'
                               AND (p.ended_on IS NULL OR p.ended_on > vi.planned_start)
                               AND (v.active_to IS NULL OR v.active_to >= vi.planned_start)))
            UNION ALL
            SELECT h.external_id, COALESCE(vi.planned_start, vi.actual_start), vi.actual_start,
                   COALESCE(vi.actual_end, vi.actual_start) FROM visits vi
            JOIN visitors v ON v.id = vi.visitor_id
            JOIN households h ON h.id = vi.household_id
            WHERE v.external_id = :visitor AND vi.status = 'done'
              AND COALESCE(h.consent_state, '') <> 'given'
              AND (COALESCE(vi.actual_end, vi.actual_start) >= :since
                   OR vi.planned_end >= :since)
            """
        ),
        {"visitor": visitor, "since": since},
    ).all()
    return sorted((str(h), _day(u), _day(a), _day(z)) for h, u, a, z in rows)


def calendar_days_of(
    conn: Connection, household_id: int, since: dt.date
) -> list[tuple[str, dt.date, dt.date, dt.date, dt.date]]:
    """``(visitor, UID's first day, first day, last day, until)`` of every event of the
    household a visitor's calendar may show or cancel from ``since`` on: its planned,
    missed and made visits and its cancelled ones, with the days a calendar gives them and
    the last day it sends them (``until``, on or after ``since``). For its erasure, which
    deletes the rows these come from."""
    rows = conn.execute(
        text(
            """
            SELECT v.external_id, COALESCE(vi.planned_start, vi.actual_start),
                   COALESCE(vi.actual_start, vi.planned_start),
                   CASE WHEN vi.status = 'done'
                        THEN COALESCE(vi.actual_end, vi.actual_start) ELSE vi.planned_end END,
                   COALESCE(vi.planned_end, vi.actual_end, vi.actual_start),
                   COALESCE(vi.actual_end, vi.actual_start, vi.planned_end)
            FROM visits vi JOIN visitors v ON v.id = vi.visitor_id
            WHERE vi.household_id = :h
              AND (vi.status = 'done' AND vi.actual_start IS NOT NULL
                   OR vi.status IN ('planned', 'missed')
                      AND vi.planned_start IS NOT NULL AND vi.planned_end IS NOT NULL)
            UNION ALL
            SELECT v.external_id, c.starts_on, c.starts_on, c.ends_on, c.ends_on, c.ends_on
            FROM cancelled_visits c JOIN visitors v ON v.id = c.visitor_id
            WHERE c.household_id = :h
            """
        ),
        {"h": household_id},
    ).all()
    out = set()
    for visitor, u, a, z, planned_end, made_end in rows:
        until = max(_day(planned_end), _day(made_end))
        if until >= since:
            out.add((str(visitor), _day(u), _day(a), _day(z), until))
    return sorted(out)


def leave_met(conn: Connection, visits: pl.DataFrame) -> pl.DataFrame:
    """Of ``visits`` (``visitor``: id as typed, ``start``, ``end``, ``row``), those that
    share a day with their visitor's recorded leave: ``row``, ``visitor``, and the leave's
    ``first`` and ``last`` day (the first such leave of each), by row."""
    out = {"row": pl.Int64, "visitor": pl.String, "first": pl.Date, "last": pl.Date}
    wanted = sorted(set(visits["visitor"].drop_nulls().to_list()))
    leave_t, visitors_t = Base.metadata.tables["visitor_leave"], Base.metadata.tables["visitors"]
    rows: list[tuple[Any, ...]] = []
    for at in range(0, len(wanted), 1000):  # well under any database's limit of parameters
        rows += conn.execute(
            select(visitors_t.c.external_id, leave_t.c.starts_on, leave_t.c.ends_on)
            .join(visitors_t, visitors_t.c.id == leave_t.c.visitor_id)
            .where(visitors_t.c.external_id.in_(wanted[at : at + 1000]))
        ).all()
    if not rows:
        return pl.DataFrame(schema=out)
    leave = pl.DataFrame(
        [(str(v), _day(a), _day(z)) for v, a, z in rows],
        schema={"visitor": pl.String, "first": pl.Date, "last": pl.Date},
        orient="row",
    )
    return (
        visits.with_columns(pl.coalesce("end", "start").alias("end"))
        .join(leave, on="visitor")
        .filter((pl.col("first") <= pl.col("end")) & (pl.col("start") <= pl.col("last")))
        .sort("row", "first")
        .unique("row", keep="first", maintain_order=True)
        .select(list(out))
    )
