"""Reading the audit trail: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, select

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
    """Up to ``limit`` events newest first (ids below ``before``) that ``keep`` keeps.

    An area's page is read one of two ways, each reading a bounded part of the trail
    whatever its length, and neither left to the planner's estimate of the area's share
    (SQLite has no statistics, and PostgreSQL's histogram misjudges a range of paths: a
    village's read the whole trail). An area with fewer than :data:`DENSE` events (below
    ``before``): their ids from the index on ``(area_path, id)`` (:func:`area_ids_query`),
    then those rows. One with more: the trail walked newest first (:func:`trail_query`),
    one event in ``trail / DENSE`` at least being the area's, so at most ``limit x trail /
    DENSE`` read (12,500 events for a page of 50 of a region's 5M)."""
    if keep.within is not None:
        ids = sorted(conn.execute(area_ids_query(keep.within, before)).scalars(), reverse=True)
        if len(ids) < DENSE:
            return _of_ids(conn, replace(keep, within=None), ids, limit)
    rows = conn.execute(trail_query(keep, before=before, limit=limit)).mappings().all()
    return [dict(r) for r in rows]


#: How many events of an area make it one whose page is found by walking the trail newest
#: first rather than from the ids of the area's events in the index.
DENSE = 20_000


def area_ids_query(path: str, before: int | None) -> Select[Any]:
    """The ids of up to :data:`DENSE` events of the area at ``path`` (below ``before``),
    read from the index (tested to use it)."""
    e = AuditEvent.__table__
    query = select(e.c.id).where(_within(e.c.area_path, path))
    if before is not None:
        query = query.where(e.c.id < before)
    return query.order_by(e.c.area_path, e.c.id).limit(DENSE)


def _of_ids(
    conn: Connection, keep: TrailFilter, ids: list[int], limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` events of ``ids`` (newest first) that ``keep`` keeps, by their ids,
    a thousand at a time until the page is full."""
    e = AuditEvent.__table__
    out: list[dict[str, Any]] = []
    for at in range(0, len(ids), 1000):
        query = trail_query(keep, before=None, limit=limit - len(out))
        rows = conn.execute(query.where(e.c.id.in_(ids[at : at + 1000]))).mappings().all()
        out.extend(dict(r) for r in rows)
        if len(out) >= limit:
            break
    return out


def trail_query(keep: TrailFilter, *, before: int | None, limit: int) -> Select[Any]:
    """The query of :func:`trail_page` (its plan by actor is tested to use the index); an
    area's, the walk of a dense area's (the path compared as an expression no index
    serves)."""
    e = AuditEvent.__table__
    query = select(e.c.id, e.c.at, e.c.actor, e.c.action, e.c.entity, e.c.entity_id, e.c.detail)
    if keep.within is not None:
        query = query.where(_within(e.c.area_path.concat(""), keep.within))
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
    it had then: a household that has moved since keeps its older events in its old area;
    an erased one's lost theirs with their details. Events of no area are the whole
    programme's."""
    return event_area.within(path, prefix)
