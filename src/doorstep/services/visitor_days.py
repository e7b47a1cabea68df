"""A visitor's last day, set by hand: ``doorstep visitor end``.

A visitor who leaves keeps their households until a pairing commit hands them over, and a
commit takes a visitor off only once their last day (``active_to``, a working day) has
passed. Setting it took a visitors import of the visitor's whole row (every required
column), found by exporting all the visitors; this sets the one column, as that import
would, audited under the visitor, and says what it leaves to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from doorstep.errors import InvalidInput, NotFound
from doorstep.privacy.audit import record_event
from doorstep.storage.repositories import visitor_data


@dataclass(frozen=True)
class Ended:
    """What ``end_visitor`` did: the last day set, the one before (``None``: none), and the
    households the visitor still holds (open pairings) with their areas' codes."""

    last_day: dt.date
    was: dt.date | None
    households: int
    areas: tuple[str, ...]


def end_visitor(
    session: Session, external_id: str, last_day: dt.date, *, actor: str
) -> Ended | None:
    """Set visitor ``external_id``'s last day to ``last_day``; ``None`` when it was that day
    already (nothing written). Refused for an unknown or erased visitor, and for a day
    before their first."""
    conn = session.connection()
    found = visitor_data.find(conn, external_id)
    if found is None:
        raise NotFound(f"no visitor with id {external_id!r}")
    visitor, erased = found
    if erased:
        raise NotFound(f"visitor {external_id} was erased: nothing about them is held")
    first, was = conn.execute(
        text("SELECT active_from, active_to FROM visitors WHERE id = :v"), {"v": visitor}
    ).one()
    first, was = _day(first), _day(was)
    if first is not None and last_day < first:
        raise InvalidInput(f"--last-day {last_day} is before the visitor's first day ({first})")
    if was == last_day:
        return None
    conn.execute(
        text("UPDATE visitors SET active_to = :d WHERE id = :v"), {"d": last_day, "v": visitor}
    )
    detail = {"active_to": last_day.isoformat(), "was": None if was is None else was.isoformat()}
    record_event(
        session,
        actor=actor,
        action="update",
        entity="visitor",
        entity_id=external_id,
        detail=detail,
    )
    held = (
        conn.execute(
            text(
                "SELECT a.code FROM pairings p JOIN households h ON h.id = p.household_id "
                "JOIN areas a ON a.id = h.area_id WHERE p.visitor_id = :v AND p.ended_on IS NULL"
            ),
            {"v": visitor},
        )
        .scalars()
        .all()
    )
    return Ended(last_day, was, len(held), tuple(sorted({str(a) for a in held})))


def _day(value: object) -> dt.date | None:
    """A date column's value (SQLite hands back ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
