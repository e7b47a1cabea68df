"""Reading the audit trail: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import aliased

from doorstep.storage.tables import Area, AuditEvent, Household, Visitor


@dataclass(frozen=True, slots=True)
class TrailFilter:
    """Which events a reading of the trail keeps: all of them, by default."""

    actor: str | None = None
    household: str | None = None
    visitor: str | None = None
    since: dt.datetime | None = None  # from this moment (UTC)
    until: dt.datetime | None = None  # before this moment (UTC)
    within: str | None = None  # only events about people of the area at this path


def trail_page(
    conn: Connection, keep: TrailFilter, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` events newest first (ids below ``before``) that ``keep`` keeps. An
    area's events are those about its households and the visitors whose home area is in it:
    others (lists, plans, accounts) name no one person of one area."""
    e = AuditEvent.__table__
    home = aliased(Area)
    lives = aliased(Area)
    query = select(e.c.id, e.c.at, e.c.actor, e.c.action, e.c.entity, e.c.entity_id, e.c.detail)
    if keep.within is not None:
        query = (
            query.outerjoin(
                Household,
                and_(e.c.entity == "household", Household.external_id == e.c.entity_id),
            )
            .outerjoin(lives, lives.id == Household.area_id)
            .outerjoin(Visitor, and_(e.c.entity == "visitor", Visitor.external_id == e.c.entity_id))
            .outerjoin(home, home.id == Visitor.home_area_id)
            .where(func.coalesce(lives.path, home.path).startswith(keep.within, autoescape=True))
        )
    if keep.actor is not None:
        query = query.where(e.c.actor == keep.actor)
    if keep.household is not None:
        query = query.where(e.c.entity == "household", e.c.entity_id == keep.household)
    if keep.visitor is not None:
        query = query.where(e.c.entity == "visitor", e.c.entity_id == keep.visitor)
    if keep.since is not None:
        query = query.where(e.c.at >= keep.since)
    if keep.until is not None:
        query = query.where(e.c.at < keep.until)
    if before is not None:
        query = query.where(e.c.id < before)
    rows = conn.execute(query.order_by(e.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]
