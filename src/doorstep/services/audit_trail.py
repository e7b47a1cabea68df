"""Reading the audit trail: who read or wrote whose data, and when, newest first, a page at
a time, by actor, person, area and time.

Reading it is itself recorded: one event for the reading (its filters and how many events
it showed), and a read under each household and visitor whose events it showed, as a work
list records the people it shows. An area's reading keeps the events about its households
and the visitors whose home area is in it, and those naming no one person but a proposal,
area, team or visitor of it (its lists, plans, imports and accounts); the rest are the
whole programme's reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from doorstep.domain.days import end_of_day
from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event, record_events
from doorstep.say import Say
from doorstep.storage.base import as_utc
from doorstep.storage.repositories import pairing as pairing_repo
from doorstep.storage.repositories.trail import TrailFilter, trail_page

#: The most events one page shows.
MAX_LISTED = 1000

#: What an event may record: a reading, a change, an import, a file written of what was
#: read (``subject_export``: a person's own export).
ACTIONS = ("read", "create", "update", "delete", "import", "export", "subject_export")


@dataclass(frozen=True, slots=True)
class Event:
    """One event of the trail."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TrailPage:
    events: list[Event]
    #: Send as ``before`` for the next (older) page; ``None``: none left.
    next_before: int | None


def read_trail(
    session: Session,
    *,
    actor: str,
    who: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    household: str | None = None,
    visitor: str | None = None,
    area: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    before: int | None = None,
    limit: int = 100,
) -> TrailPage:
    """A page of the events (newest first, ids below ``before``) by ``who`` (an actor as
    the trail names it: a user at the command line, ``api:NAME`` over the API), of one
    ``action`` (:data:`ACTIONS`) about one kind of ``entity`` (``household``,
    ``visit_plan``, ``account``...), about one ``household`` or ``visitor``, of ``area``
    (see the module), on days ``since`` to ``until`` (UTC, both included); read by
    ``actor``."""
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidInput(
            Say("a page shows 1 to %(most)s events, not %(limit)s", most=MAX_LISTED, limit=limit)
        )
    if action is not None and action not in ACTIONS:
        raise InvalidInput(
            Say(
                "no event records %(action)s: give one of %(actions)s",
                action=repr(action),
                actions=", ".join(ACTIONS),
            )
        )
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            Say(
                "the last day (%(until)s) is before the first (%(since)s)", until=until, since=since
            )
        )
    conn = session.connection()
    keep = TrailFilter(
        actor=who,
        action=action,
        entity=entity,
        household=household,
        visitor=visitor,
        since=None if since is None else _midnight(since),
        until=None if until is None else end_of_day(until),
        within=None if area is None else pairing_repo.area_by_code(conn, area)[1],
    )
    rows = trail_page(conn, keep, before=before, limit=limit + 1)
    more = len(rows) > limit
    events = [Event(**r) for r in rows[:limit]]
    filters = {
        "actor": who,
        "action": action,
        "entity": entity,
        "household": household,
        "visitor": visitor,
        "area": area,
        "since": None if since is None else since.isoformat(),
        "until": None if until is None else until.isoformat(),
        "before": before,
    }
    record_event(
        session,
        actor=actor,
        action="read",
        entity="audit_events",
        detail={**{k: v for k, v in filters.items() if v is not None}, "rows": len(events)},
    )
    session.flush()  # the reading's own event first, then one per person it showed
    for kind in ("household", "visitor"):
        shown = sorted({e.entity_id for e in events if e.entity == kind and e.entity_id})
        record_events(
            session,
            actor=actor,
            entity=kind,
            events=[("read", i, {"list": "audit"}) for i in shown],
        )
    return TrailPage(events, events[-1].id if more and events else None)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def row(event: Event) -> dict[str, Any]:
    """An event as lists and files show it: its moment in UTC to the second."""
    return {
        "id": event.id,
        "at": as_utc(event.at).astimezone(dt.UTC).isoformat(timespec="seconds"),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "detail": event.detail,
    }
