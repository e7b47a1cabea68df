"""A visitor's calendar: the events to list, those to cancel, and each one's ``SEQUENCE``.

A phone keeps an event until it gets it back under its UID, cancelled; it takes a change
(other days, another status) only with a higher ``SEQUENCE`` (RFC 5545 3.8.7.4; iOS and
Google may ignore one that does not rise). The number comes from the audit trail: an event
of a household's visit by the visitor gets the count of the events that record a write
(``create``, ``update``, ``delete``) to the household, plus that of those to the visitor.
Every write that changes a calendar event is one of them, in the same transaction (a plan,
a visit recorded, made up or missed, consent given or withdrawn, a pairing ended: the
household's; its area renamed, which changes the event's ``LOCATION``: the household's,
one per household of the area, written by the areas import; the visitor's last day: the
visitor's; an erasure: both, see :func:`keep_for_calendars`), and events are never deleted
(an erasure clears their details), so the count only grows, and grows with each change;
reads and exports are not writes, so a calendar drawn twice keeps every number. It may also
rise with a write that left the event as it was (the household's address corrected): the
phone then rewrites the same event, harmless.

Why not a visit row's ``updated_at``: the event of a UID outlives its rows (a re-plan
deletes and adds them, an erasure deletes them all), a withdrawal changes the event and no
visit row, and SQLite keeps whole seconds. Why not the latest event's id: ``SEQUENCE`` is a
32-bit integer, and the trail grows by a region's households with each work list drawn.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.engine.planning import VisitRow
from doorstep.privacy.audit import record_event, record_household_events
from doorstep.reports.calendar import Cancelled, visit_uid, visitor_ics
from doorstep.storage.repositories import audit as audit_repo
from doorstep.storage.repositories import erased_events, lookups, visit_records, visitor_data
from doorstep.storage.repositories import visits as repo

#: The ``table`` of a visitor's ``update`` event that says how many events of an erased
#: household's visits were kept for the visitor's calendars to cancel.
CALENDAR = "calendar"


@dataclass(frozen=True)
class CalendarEvents:
    """A visitor's calendar: ``planned`` visits ``(household, first day, last day, area
    name)``, and ``cancelled`` events (UID and days only) that an earlier calendar may have
    listed and that are no longer to be made."""

    planned: list[tuple[str, dt.date, dt.date, str]]
    cancelled: list[Cancelled]
    #: Visits recorded as made ``(household, UID's first day, first day, last day, area
    #: name)``: listed with the days they were made on, under the UID of the planned visit
    #: they took over, so a phone that showed it planned shows it as it was made.
    recorded: list[tuple[str, dt.date, dt.date, dt.date, str]] = field(default_factory=list)
    #: Each event's ``SEQUENCE`` by UID (see the module's docstring).
    sequence: dict[str, int] = field(default_factory=dict)


def calendar_events(
    session: Session, visitor: str, *, actor: str, since: dt.date
) -> CalendarEvents:
    """The visitor's planned, made and cancelled visits from ``since``, read as one audited
    read (the cancelled ones name no household in a calendar: no household read for them).

    Cancelled: planned visits a re-plan or a visit recorded removed, planned visits nobody
    is to make, visits marked missed, visits made at a household that withdrew, and the
    visits of an erased household kept for this (:func:`keep_for_calendars`); never one
    whose UID is listed (planned or made again on the same first day), each UID once."""
    conn = session.connection()
    lookups.visitor_by_external_id(conn, visitor)
    visits = repo.planned_for_visitor(conn, visitor, since)
    made = repo.recorded_for_visitor(conn, visitor, since)
    dropped = visit_records.cancelled_for_visitor(conn, visitor, since)
    households = [*visits["household"], *made["household"], *(h for h, *_ in dropped)]
    written = audit_repo.write_counts(conn, "household", households)
    theirs = audit_repo.write_counts(conn, "visitor", [visitor]).get(visitor, 0)
    sequence: dict[str, int] = {}
    listed = [(h, a) for h, a, *_ in visits.iter_rows()]
    listed += [(h, u) for h, u, *_ in made.iter_rows()]
    for h, first in listed:
        sequence[visit_uid(h, visitor, first)] = written.get(h, 0) + theirs
    cancelled: dict[str, Cancelled] = {}
    for h, u, a, z in dropped:
        uid = visit_uid(h, visitor, u)
        if uid not in sequence and uid not in cancelled:
            cancelled[uid] = Cancelled(uid, a, z)
            sequence[uid] = written.get(h, 0) + theirs
    for kept, base in kept_for_calendars(conn, visitor, since):
        if kept.uid not in sequence and kept.uid not in cancelled:
            cancelled[kept.uid] = kept
            sequence[kept.uid] = base + theirs
    gone = sorted(cancelled.values(), key=lambda c: (c.start, c.uid))
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visits",
        detail={
            "calendar": visitor,
            "rows": visits.height + made.height,
            "cancelled": len(gone),
        },
    )
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=pl.concat([visits["household_id"], made["household_id"]]),
        detail={"calendar": visitor},
    )
    return CalendarEvents(
        list(visits.drop("household_id").iter_rows()),
        gone,
        list(made.drop("household_id").iter_rows()),
        sequence,
    )


def team_calendar_events(
    session: Session, team: str, *, actor: str, since: dt.date
) -> list[tuple[str, CalendarEvents]]:
    """Each member's calendar (:func:`calendar_events`, each read audited as one visitor's
    is), by visitor id: a team's coordinator sends every member theirs at once."""
    members = lookups.team_member_ids(session.connection(), team)
    return [(v, calendar_events(session, v, actor=actor, since=since)) for v in members]


def visitor_calendar(
    session: Session, visitor: str, *, actor: str, since: dt.date
) -> list[tuple[str, dt.date, dt.date, str]]:
    """``(household, first day, last day, area name)`` of a visitor's planned visits from
    ``since``."""
    return calendar_events(session, visitor, actor=actor, since=since).planned


def keep_for_calendars(
    session: Session, household_id: int, external_id: str, *, actor: str, today: dt.date
) -> None:
    """Before the household's erasure: keep, for each visitor whose calendar may show one
    of its visits not over by ``today``, the UIDs and days of those events, so that the
    visitor's next calendars cancel them (the rows they come from go with the household).

    Kept in ``erased_visit_events``, which holds no more than a cancelled event does (UID,
    days) and no link to the household, goes with the visitor (their export lists it, their
    erasure deletes it) and forgets each event once it is over, as ``cancelled_visits``
    does. Not in the trail: it keeps the household's id in the erasure's event, and is
    never cleared, so UIDs (digests of household, visitor and day) and days there would
    let anyone who reads it confirm the household's visits by hashing guesses.

    With each, how many writes to the household the trail held (its ``SEQUENCE`` base): a
    kept event's ``SEQUENCE`` is that plus the visitor's count, which the ``update`` event
    written here for each visitor (``table`` ``calendar``, with how many events were kept,
    nothing more) raises, so it is higher than any number the phone had for it.

    None for an erased visitor (one who made a visit today and was erased since): they have
    no calendar any more, their own rows went with them, and no new event is written under
    their id (:mod:`doorstep.privacy.audit`)."""
    conn = session.connection()
    erased = visitor_data.erased_ids(conn)
    days = [
        d for d in visit_records.calendar_days_of(conn, household_id, today) if d[0] not in erased
    ]
    base = audit_repo.write_counts(conn, "household", [external_id]).get(external_id, 0)
    erased_events.keep(
        conn,
        ((v, visit_uid(external_id, v, u), a, z, until, base) for v, u, a, z, until in days),
    )
    kept = Counter(v for v, *_ in days)
    for visitor, n in sorted(kept.items()):
        record_event(
            session,
            actor=actor,
            action="update",
            entity="visitor",
            entity_id=visitor,
            detail={"table": CALENDAR, "kept": n},
        )


def kept_for_calendars(
    conn: Connection, visitor: str, since: dt.date
) -> list[tuple[Cancelled, int]]:
    """The events :func:`keep_for_calendars` kept for the visitor that last until
    ``since`` or later, each with its ``SEQUENCE`` base, those of the latest erasure first."""
    return [
        (Cancelled(uid, a, z), base)
        for uid, a, z, base in erased_events.for_visitor(conn, visitor, since)
    ]


def calendar_file(visitor: str, events: CalendarEvents) -> tuple[bytes, int, int]:
    """The visitor's calendar file (iCalendar), how many visits it lists and how many it
    cancels: what `doorstep visits calendar` writes and the API serves."""
    visits = [VisitRow(h, visitor, a, z, False) for h, a, z, _ in events.planned]
    made = [(VisitRow(h, visitor, a, z, True), u) for h, u, a, z, _ in events.recorded]
    areas = {h: area for h, _, _, area in events.planned}
    areas |= {h: area for h, _, _, _, area in events.recorded}
    data = visitor_ics(
        visitor,
        visits,
        stamp=dt.datetime.now(dt.UTC),
        locations=areas,
        cancelled=events.cancelled,
        recorded=made,
        sequence=events.sequence,
    )
    return data, len(visits) + len(made), len(events.cancelled)
