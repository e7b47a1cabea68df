"""Reading the audit trail: who did what to whose data, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, String, and_, case, cast, func, select
from sqlalchemy.orm import aliased

from doorstep.storage.tables import Area, AuditEvent, Household, PairingProposal, Team, Visitor


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
    """The events of the area at ``path``, by the first of these that an event has: the
    household it is about (its area), the visitor it is about (their home area), the
    pairing proposal it is about (the area paired), and then what its detail names: an
    area (a list, plan, export or import of an area, by its code as it was asked for), a
    team (its area) or a visitor (their home). Events naming none of these (a programme's
    lists and files, accounts) are the whole programme's."""
    e = AuditEvent.__table__
    # What the detail names, read only for the events about no one person: an event about
    # a household or visitor is theirs (its detail is parsed for nothing: most of a trail).
    about_one = e.c.entity.in_(("household", "visitor"))

    def named_in_detail(key: str) -> Any:
        return case((about_one, None), else_=e.c.detail[key].as_string())

    lives, home, paired, named, teamed, their = (aliased(Area) for _ in range(6))
    proposal = aliased(PairingProposal)
    team = aliased(Team)
    visitor = aliased(Visitor)
    their_visitor = aliased(Visitor)
    household = aliased(Household)
    query = (
        query.outerjoin(
            household,
            and_(e.c.entity == "household", household.external_id == e.c.entity_id),
        )
        .outerjoin(lives, lives.id == household.area_id)
        .outerjoin(visitor, and_(e.c.entity == "visitor", visitor.external_id == e.c.entity_id))
        .outerjoin(home, home.id == visitor.home_area_id)
        .outerjoin(
            proposal,
            and_(
                e.c.entity == "pairing_proposal",
                cast(proposal.id, String) == e.c.entity_id,
            ),
        )
        .outerjoin(paired, paired.id == proposal.area_id)
        .outerjoin(named, named.code == named_in_detail("area"))
        .outerjoin(team, team.code == named_in_detail("team"))
        .outerjoin(teamed, teamed.id == team.area_id)
        .outerjoin(their_visitor, their_visitor.external_id == named_in_detail("visitor"))
        .outerjoin(their, their.id == their_visitor.home_area_id)
    )
    where = func.coalesce(
        lives.path, home.path, paired.path, named.path, teamed.path, their.path
    ).startswith(path, autoescape=True)
    return query.where(where)
