"""One exclusion at a time: a coordinator keeping a household and a visitor apart, or no
longer (a file of them goes through ``doorstep import exclusions``).

An exclusion is data about both people: each change is audited twice, as the import's rows
are, under the household naming the visitor and under the visitor naming the household, so
that each export lists it however the exclusion is found later (removed, its row is gone).
Pairing reads exclusions, so a change is made under the pairing lock (a `pair commit` sees
all of it or none) and counted by the triggers on ``exclusions``: an open proposal that
could have paired the two is then stale. Its reason is no input of pairing's: a reason
changed is not counted. A pair paired now keeps its pairing until the next commit for its
area ends it (``paired_in``), but the visitor is not to go there again: the pair's planned
visits from today are cancelled at once (:func:`cancel_planned`), and a plan gives them no
new ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.domain.enums import VisitStatus
from doorstep.domain.lengths import REASON_MAX
from doorstep.errors import InvalidInput, NotFound
from doorstep.privacy.audit import (
    Attempt,
    record_event,
    record_events,
    record_household_events,
    record_visitor_events,
)
from doorstep.say import Say
from doorstep.services import cancel_reasons
from doorstep.storage.repositories import exclusions as repo
from doorstep.storage.repositories import household_data, visitor_data, visits
from doorstep.storage.repositories.pairing import area_by_code, household_id, lock_pairings


class Change(StrEnum):
    ADDED = "added"
    UPDATED = "updated"  # its reason
    UNCHANGED = "unchanged"
    REMOVED = "removed"


@dataclass(frozen=True)
class ExclusionChange:
    household: str
    visitor: str
    change: Change
    reason: str
    #: The household's area when an open pairing holds the pair (``None``: not paired now).
    paired_in: str | None = None
    #: The first days of the pair's planned visits cancelled now, in order.
    cancelled: tuple[dt.date, ...] = ()


def exclude(
    session: Session,
    household: str,
    visitor: str,
    *,
    reason: str | None,
    actor: str,
    today: dt.date | None = None,
) -> ExclusionChange:
    """Keep ``household`` and ``visitor`` apart from now on, for ``reason``; for a pair
    excluded already, a reason given replaces the stored one (``None`` keeps it). The
    pair's planned visits not over before ``today`` (default: the real date) are cancelled.
    """
    today = today or dt.date.today()
    if reason is not None:
        reason = _checked(reason)
    conn = session.connection()
    lock_pairings(conn)
    h, v = _people(session, household, visitor)
    stored = repo.reason_of(conn, h, v)
    if stored is None:
        change, kept = Change.ADDED, reason or ""
        repo.add(conn, h, v, kept)
    elif reason is not None and reason != stored:
        change, kept = Change.UPDATED, reason
        repo.set_reason(conn, h, v, kept)  # no input of pairing's: not counted (0010)
    else:
        change, kept = Change.UNCHANGED, stored
    if change is not Change.UNCHANGED:
        _audit(session, actor, household, visitor, "create" if stored is None else "update")
    else:  # nothing written, but the command shows the stored reason: a read of both people
        _audit(session, actor, household, visitor, "read")
    pair = pl.DataFrame({"household_id": [h], "visitor_id": [v]})
    cancelled = cancel_planned(conn, pair, today)
    record_events(session, actor=actor, entity="household", events=cancel_events(cancelled))
    session.flush()
    paired = repo.paired_now(conn, pair)
    area = paired["area_code"][0] if paired.height else None
    days = tuple(cancelled["start"].to_list())
    return ExclusionChange(household, visitor, change, kept, area, days)


#: Why the planned visits of an excluded pair are cancelled, as their audit events say.
CANCELLED_BECAUSE = cancel_reasons.EXCLUDED


def cancel_planned(conn: Connection, pairs: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Cancel the planned visits of the excluded ``pairs`` (``household_id``,
    ``visitor_id``) not over before ``today``, those under way included (a plan from today
    would drop them too); returns them (:func:`~doorstep.storage.repositories.exclusions.
    planned_visits_of`).

    Their pairing stays until the next commit for the area ends it, but the visitor is not
    to go there again: left planned, the visits stayed on the work lists and the visitor's
    calendar until that commit and a plan. Each goes as a re-plan removes a planned visit:
    deleted, kept in ``cancelled_visits`` so that the visitor's next calendar cancels it.
    """
    found = repo.planned_visits_of(conn, pairs, today)
    visits.delete_visits(conn, found["id"].to_list())
    return found


def cancel_events(
    cancelled: pl.DataFrame, reason: str = CANCELLED_BECAUSE
) -> list[tuple[str, str, dict[str, Any]]]:
    """The audit events ``(action, household, detail)`` of visits :func:`cancel_planned`
    cancelled (or others, cancelled for ``reason``): the household's, naming the visitor,
    as a visit's events are."""
    return [
        (
            "update",
            str(r["household"]),
            {
                "table": "visits",
                "visit": int(r["id"]),
                "visitor": str(r["visitor"]),
                "start": r["start"].isoformat(),
                "end": r["end"].isoformat(),
                "status": VisitStatus.CANCELLED.value,
                "reason": reason,
            },
        )
        for r in cancelled.iter_rows(named=True)
    ]


def unexclude(session: Session, household: str, visitor: str, *, actor: str) -> ExclusionChange:
    """Let ``household`` and ``visitor`` be paired again (the next pairing may pair them)."""
    conn = session.connection()
    lock_pairings(conn)
    h, v = _people(session, household, visitor)
    stored = repo.reason_of(conn, h, v)
    if stored is None:
        raise NotFound(
            Say(
                "%(household)s and %(visitor)s are not excluded; nothing to remove",
                household=household,
                visitor=visitor,
            )
        )
    repo.remove(conn, h, v)
    _audit(session, actor, household, visitor, "update", removed=True)
    return ExclusionChange(household, visitor, Change.REMOVED, stored)


def attempt(actor: str, action: str, household: str, visitor: str, **more: object) -> Attempt:
    """What to record should a change of the pair not be made (the command line's and the
    API's): the events the change itself would have written, under the household naming
    the visitor and under the visitor (when on record) naming the household, so that each
    one's export lists it."""
    return Attempt(
        actor,
        action,
        "household",
        household,
        {"table": "exclusions", "visitor": visitor, **more},
        visitor=(visitor, {"table": "exclusions", "household": household, **more}),
    )


def _checked(reason: str) -> str:
    """A reason as stored (its spaces around taken off, as an import does), or refused."""
    reason = reason.strip()
    if "\x00" in reason:
        raise InvalidInput(Say("the reason holds a NUL character (0x00), which cannot be stored"))
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            Say(
                "the reason is too long: %(n)s characters, at most %(most)s",
                n=len(reason),
                most=REASON_MAX,
            )
        )
    return reason


def _people(session: Session, household: str, visitor: str) -> tuple[int, int]:
    """The database ids of the two, both on record (an erased visitor is no one to keep
    apart; an erased household is no longer held at all)."""
    conn = session.connection()
    h = household_id(conn, household)
    if h is None:
        raise household_data.not_found(conn, household)
    found = visitor_data.find(conn, visitor)
    if found is None:
        raise NotFound(Say("no visitor with id %(visitor)s", visitor=repr(visitor)))
    if found[1]:
        raise NotFound(
            Say("visitor %(visitor)s was erased: there is no one to keep apart", visitor=visitor)
        )
    return h, found[0]


def _audit(
    session: Session, actor: str, household: str, visitor: str, action: str, **more: object
) -> None:
    """The household's event naming the visitor, and the visitor's naming the household:
    each person's export finds their own by its id, the exclusion's row gone or not. A
    removal is an ``update`` saying so, as ``delete`` of a person is their erasure."""
    for entity, entity_id, other in (
        ("household", household, {"visitor": visitor}),
        ("visitor", visitor, {"household": household}),
    ):
        record_event(
            session,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail={"table": "exclusions", **other, **more},
        )
    session.flush()


@dataclass(frozen=True)
class ExclusionRow:
    """A pair kept apart, as a list shows it: the household and its area, the visitor."""

    household: str
    area: str
    visitor: str
    reason: str


def list_exclusions(
    session: Session,
    *,
    actor: str,
    area: str | None = None,
    household: str | None = None,
) -> list[ExclusionRow]:
    """The pairs kept apart whose household lives in ``area`` (and the areas within it) or
    is ``household``, by household then visitor. The list is read in the trail, and each
    household and visitor it shows under their own id, so that their exports list it."""
    conn = session.connection()
    path = None if area is None else area_by_code(conn, area)[1]
    h = None
    if household is not None:
        h = household_id(conn, household)
        if h is None:
            raise household_data.not_found(conn, household)
    found = repo.listed(conn, path=path, household=h)
    rows = [
        ExclusionRow(str(r["household"]), str(r["area"]), str(r["visitor"]), str(r["reason"]))
        for r in found.iter_rows(named=True)
    ]
    record_event(
        session,
        actor=actor,
        action="read",
        entity="exclusions",
        detail={"rows": len(rows), "area": area, "household": household},
    )
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=found["household_id"].unique().sort(),
        detail={"table": "exclusions"},
    )
    record_visitor_events(
        session,
        actor=actor,
        action="read",
        visitor_ids=found["visitor_id"].unique().sort(),
        detail={"table": "exclusions"},
    )
    return rows
