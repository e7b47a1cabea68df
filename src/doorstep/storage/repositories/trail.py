"""Reading the audit trail: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

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
    dense = keep.within is not None and _dense(conn, keep.within, before)
    query = trail_query(keep, before=before, limit=limit, dense=dense)
    rows = conn.execute(query).mappings().all()
    return [dict(r) for r in rows]


#: How many events of an area make it one whose page is found by walking the trail newest
#: first rather than by reading the area's events from the index and sorting them.
DENSE = 20_000


def _dense(conn: Connection, path: str, before: int | None) -> bool:
    """Whether the area at ``path`` has :data:`DENSE` events or more (below ``before``),
    counted in the index up to that many. A page of an area with fewer is read from the
    index (under :data:`DENSE` rows read and sorted); of one with more by walking the trail
    newest first, where at least one event in ``trail / DENSE`` is the area's: at most 50 x
    trail / DENSE events read for a page of 50 (12,500 of a region's 5M). SQLite's planner,
    with no statistics, would read a region's events whole from the index and sort them."""
    e = AuditEvent.__table__
    some = select(e.c.id).where(_within(e.c.area_path, path)).limit(DENSE)
    if before is not None:
        some = some.where(e.c.id < before)
    found = conn.execute(select(func.count()).select_from(some.subquery())).scalar_one()
    return int(found) >= DENSE


def trail_query(
    keep: TrailFilter, *, before: int | None, limit: int, dense: bool = False
) -> Select[Any]:
    """The query of :func:`trail_page` (its plan by actor is tested to use the index, and by
    area, unless ``dense``, the index on the area)."""
    e = AuditEvent.__table__
    query = select(e.c.id, e.c.at, e.c.actor, e.c.action, e.c.entity, e.c.entity_id, e.c.detail)
    if keep.within is not None:
        # Of a dense area, compared as an expression the index does not serve: the trail
        # is walked newest first (see _dense).
        path = e.c.area_path.concat("") if dense else e.c.area_path
        query = query.where(_within(path, keep.within))
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


def _within(path: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """The events of the area at ``prefix`` and its subtree, by the area each event was
    stored with when written (:mod:`~doorstep.storage.repositories.event_area`: the
    household, visitor or proposal it is about, else the area, team or visitor its detail
    names): a range of the index on ``(area_path, id)``, no join. An event keeps the area
    it had then: a household that has moved since keeps its older events in its old area,
    an erased one's stay in its area. Events of no area are the whole programme's."""
    return event_area.within(path, prefix)
