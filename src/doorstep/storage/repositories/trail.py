"""Reading the audit trail: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from doorstep.storage.repositories import event_area
from doorstep.storage.tables import AuditEvent


@dataclass(frozen=True, slots=True)
class TrailFilter:
    """Which events a reading of the trail keeps: all of them, by default."""

    actor: str | None = None
    action: str | None = None  # read, create, update, delete, import, export, ...
    entity: str | None = None  # what the event is about: household, visit_plan, account, ...
    household: str | None = None
    visitor: str | None = None
    since: dt.datetime | None = None  # from this moment (UTC)
    until: dt.datetime | None = None  # before this moment (UTC)
    within: str | None = None  # only events about people of the area at this path


def trail_page(
    conn: Connection, keep: TrailFilter, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` events newest first (ids below ``before``) that ``keep`` keeps."""
    rows = conn.execute(trail_query(keep, before=before, limit=limit)).mappings().all()
    return [dict(r) for r in rows]


def trail_query(keep: TrailFilter, *, before: int | None, limit: int) -> Select[Any]:
    """The query of :func:`trail_page` (its plan by actor is tested to use the index)."""
    e = AuditEvent.__table__
    query = select(e.c.id, e.c.at, e.c.actor, e.c.action, e.c.entity, e.c.entity_id, e.c.detail)
    if keep.within is not None:
        query = _within(query, keep.within)
    if keep.actor is not None:
        query = query.where(e.c.actor == keep.actor)
    if keep.action is not None:
        query = query.where(e.c.action == keep.action)
    if keep.entity is not None:
        query = query.where(e.c.entity == keep.entity)
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
    return query.order_by(e.c.id.desc()).limit(limit)


def _within(query: Select[Any], path: str) -> Select[Any]:
    """The events of the area at ``path`` and its subtree, by the area each event was
    stored with when written (:mod:`~doorstep.storage.repositories.event_area`: the
    household, visitor or proposal it is about, else the area, team or visitor its detail
    names): a range of the index on ``(area_path, id)``, no join. An event keeps the area
    it had then: a household that has moved since keeps its older events in its old area,
    an erased one's stay in its area. Events of no area are the whole programme's."""
    e = AuditEvent.__table__
    return query.where(event_area.within(e.c.area_path, path))
