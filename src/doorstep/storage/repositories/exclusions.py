"""Exclusions, pairs of a household and a visitor never to be paired: one looked up, added,
changed or removed, the open pairings that hold excluded pairs, and their planned visits.

Every write here is a write to what pairing reads: the triggers of migration 0004 count it
(``pairing_input_writes``), so `pair explain` and `pair commit` read the area again. The
callers take the pairing lock first (:func:`~.pairing.lock_pairings`).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, delete, insert, select, text, update

from doorstep.storage.repositories import bulk, visits
from doorstep.storage.repositories.reads import detail_field
from doorstep.storage.tables import Area, Exclusion, Household, Visitor


def reason_of(conn: Connection, household: int, visitor: int) -> str | None:
    """The reason stored for the pair, or ``None`` when it is not excluded."""
    found = conn.execute(
        select(Exclusion.reason).where(
            Exclusion.household_id == household, Exclusion.visitor_id == visitor
        )
    ).first()
    return None if found is None else str(found[0])


def add(conn: Connection, household: int, visitor: int, reason: str) -> None:
    conn.execute(
        insert(Exclusion).values(household_id=household, visitor_id=visitor, reason=reason)
    )


def set_reason(conn: Connection, household: int, visitor: int, reason: str) -> None:
    conn.execute(
        update(Exclusion)
        .where(Exclusion.household_id == household, Exclusion.visitor_id == visitor)
        .values(reason=reason)
    )


def remove(conn: Connection, household: int, visitor: int) -> None:
    conn.execute(
        delete(Exclusion).where(
            Exclusion.household_id == household, Exclusion.visitor_id == visitor
        )
    )


def listed(conn: Connection, *, path: str | None, household: int | None) -> pl.DataFrame:
    """The exclusions of the households under the area ``path`` and/or of ``household``
    (database id): ``household_id``, ``visitor_id``, ``household``, ``area``, ``visitor``
    (ids and code as typed) and ``reason``, by household then visitor."""
    query = (
        select(
            Exclusion.household_id,
            Exclusion.visitor_id,
            Household.external_id.label("household"),
            Area.code.label("area"),
            Visitor.external_id.label("visitor"),
            Exclusion.reason,
        )
        .join(Household, Household.id == Exclusion.household_id)
        .join(Area, Area.id == Household.area_id)
        .join(Visitor, Visitor.id == Exclusion.visitor_id)
        .order_by(Household.external_id, Visitor.external_id)
    )
    if path is not None:
        query = query.where(Area.path.startswith(path, autoescape=True))
    if household is not None:
        query = query.where(Exclusion.household_id == household)
    schema = {
        "household_id": pl.Int64,
        "visitor_id": pl.Int64,
        "household": pl.String,
        "area": pl.String,
        "visitor": pl.String,
        "reason": pl.String,
    }
    rows = [tuple(r) for r in conn.execute(query).all()]
    return pl.DataFrame(rows, schema=schema, orient="row")


def paired_now(conn: Connection, pairs: pl.DataFrame) -> pl.DataFrame:
    """Of ``pairs`` (``household_id``, ``visitor_id``: database ids), those an open pairing
    holds, with ``household``, ``visitor`` (their ids as typed) and the household's
    ``area_code``, in the order of the households' ids."""
    out = {
        "household_id": pl.Int64,
        "visitor_id": pl.Int64,
        "household": pl.String,
        "visitor": pl.String,
        "area_code": pl.String,
    }
    if not pairs.height:
        return pl.DataFrame(schema=out)
    with bulk.id_table(conn, "_excluded_h", pairs["household_id"]) as ids:
        rows = conn.execute(
            text(
                "SELECT p.household_id, p.visitor_id, h.external_id, v.external_id, a.code "
                "FROM pairings p JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id JOIN areas a ON a.id = h.area_id "
                f"WHERE p.ended_on IS NULL AND p.household_id IN (SELECT id FROM {ids})"
            )
        ).all()
    found = pl.DataFrame([tuple(r) for r in rows], schema=out, orient="row")
    keys = ["household_id", "visitor_id"]
    return found.join(pairs.select(keys).unique(), on=keys, how="semi").sort(keys)


def planned_visits_of(conn: Connection, pairs: pl.DataFrame, since: dt.date) -> pl.DataFrame:
    """Of ``pairs`` (``household_id``, ``visitor_id``: database ids), the planned visits not
    yet recorded that are not over before ``since`` (those under way that day included):
    ``id``, ``household`` and ``visitor`` (their ids as typed), ``start`` and ``end``,
    by household, visitor and first day."""
    found = visits.planned_not_over(conn, pairs["household_id"], since)
    keys = ["household_id", "visitor_id"]
    return found.join(pairs.select(keys).unique(), on=keys, how="semi").sort(
        "household", "visitor", "start", "id"
    )


#: The day an exclusion counts from when the trail does not date it (no event of it: the
#: exclusion was written some other way, or its events are gone): taken as made already.
UNDATED = dt.date.min


def excluded_since(conn: Connection, households: pl.Series) -> dict[tuple[int, int], dt.date]:
    """The exclusions of these households (database ids), ``(household, visitor)``: the day
    (UTC, as the trail keeps time) each was made, as the trail dates it (the table keeps no
    date): its latest ``create``, under the visitor naming the household (an exclusion
    removed and made again counts from the second; a reason changed is no new one), else
    :data:`UNDATED`. Read through the index on ``entity_id``, for the few pairs excluded."""
    if not households.len():
        return {}

    def key(k: str) -> str:
        return detail_field(conn, k)

    with bulk.id_table(conn, "_excluded_since", households) as ids:
        rows = conn.execute(
            text(
                f"""
                SELECT e.household_id, e.visitor_id, (
                    SELECT MAX(ev.at) FROM audit_events ev
                    WHERE ev.entity = 'visitor' AND ev.entity_id = v.external_id
                      AND ev.action = 'create' AND {key("table")} = 'exclusions'
                      AND {key("household")} = h.external_id AND {key("outcome")} IS NULL
                ) AS since
                FROM exclusions e JOIN households h ON h.id = e.household_id
                JOIN visitors v ON v.id = e.visitor_id
                WHERE e.household_id IN (SELECT id FROM {ids})
                """
            )
        ).all()
    return {(int(h), int(v)): _utc_day(at) for h, v, at in rows}


def _utc_day(at: object) -> dt.date:
    """The UTC day of a trail timestamp (SQLite hands it back as text, in UTC)."""
    if at is None:
        return UNDATED
    if isinstance(at, dt.datetime):
        return (at.astimezone(dt.UTC) if at.tzinfo else at).date()
    return dt.date.fromisoformat(str(at)[:10])
