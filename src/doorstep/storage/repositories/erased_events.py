"""The events of erased households' visits that visitors' calendars are still to cancel
(``erased_visit_events``): written at an erasure, read by each calendar, forgotten once
over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from doorstep.storage.tables import ErasedVisitEvent, Visitor

#: One event kept: ``(visitor, UID, first day, last day, until, SEQUENCE base)``.
Kept = tuple[str, str, dt.date, dt.date, dt.date, int]


def keep(conn: Connection, events: Iterable[Kept]) -> None:
    """Keep these events for their visitors' calendars (visitors by external id)."""
    rows = list(events)
    if not rows:
        return
    query = select(Visitor.external_id, Visitor.id).where(
        Visitor.external_id.in_({r[0] for r in rows})
    )
    ids = dict(conn.execute(query).all())
    conn.execute(
        insert(ErasedVisitEvent),
        [
            {
                "visitor_id": ids[visitor],
                "uid": uid,
                "starts_on": a,
                "ends_on": z,
                "kept_until": until,
                "sequence_base": base,
            }
            for visitor, uid, a, z, until, base in rows
        ],
    )


def for_visitor(
    conn: Connection, visitor: str, since: dt.date
) -> list[tuple[str, dt.date, dt.date, int]]:
    """``(UID, first day, last day, SEQUENCE base)`` of the visitor's kept events sent on
    ``since`` or later: those of the latest erasure first (a household imported again under
    an erased one's id and erased again keeps the same UIDs, with a higher base), each
    erasure's in the order kept."""
    e = ErasedVisitEvent
    rows = conn.execute(
        select(e.uid, e.starts_on, e.ends_on, e.sequence_base)
        .join(Visitor, Visitor.id == e.visitor_id)
        .where(Visitor.external_id == visitor, e.kept_until >= since)
        .order_by(e.sequence_base.desc(), e.id)
    )
    return [(u, a, z, b) for u, a, z, b in rows]


def forget_before(conn: Connection, day: dt.date) -> None:
    """Forget the events over before ``day``: no calendar from then sends them."""
    conn.execute(delete(ErasedVisitEvent).where(ErasedVisitEvent.kept_until < day))
