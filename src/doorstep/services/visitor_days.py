"""A visitor's last day, set by hand: ``doorstep visitor end``.

A visitor who leaves keeps their households until a pairing commit hands them over, and a
commit takes a visitor off only once their last day (``active_to``, a working day) has
passed. Setting it took a visitors import of the visitor's whole row (every required
column), found by exporting all the visitors; this sets the one column, as that import
would, audited under the visitor, takes off the visitor's planned visits after the day as
that import does (:func:`~doorstep.services.planned_ends.stop_after_last_day`), and says
what it leaves to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.days import check_not_too_early
from doorstep.errors import InvalidInput, NotFound
from doorstep.privacy.audit import record_event, record_events
from doorstep.say import Say
from doorstep.services.planned_ends import Stopped, stop_after_last_day
from doorstep.storage.repositories import visitor_data
from doorstep.storage.repositories.pairing import lock_pairings
from doorstep.storage.tables import Area, Household, Pairing, Visitor


@dataclass(frozen=True)
class Ended:
    """What ``end_visitor`` did: the last day set, the one before (``None``: none), the
    households the visitor still holds (open pairings) with their areas' codes, and the
    planned visits after the day taken off."""

    last_day: dt.date
    was: dt.date | None
    households: int
    areas: tuple[str, ...]
    stopped: Stopped


def end_visitor(
    session: Session,
    external_id: str,
    last_day: dt.date,
    *,
    actor: str,
    today: dt.date | None = None,
) -> Ended | None:
    """Set visitor ``external_id``'s last day to ``last_day``; ``None`` when it was that day
    already (nothing written). Refused for an unknown or erased visitor, and for a day
    before their first. Their planned visits after it, not over before ``today`` (default:
    the real date), are cancelled or cut short, each audited under its household."""
    # As a plan does, so that one running meanwhile neither keeps nor re-plans them.
    lock_pairings(session.connection())
    found = visitor_data.find(session.connection(), external_id)
    if found is None:
        raise NotFound(Say("no visitor with id %(visitor)s", visitor=repr(external_id)))
    if found[1]:
        raise NotFound(
            Say("visitor %(visitor)s was erased: nothing about them is held", visitor=external_id)
        )
    check_not_too_early(last_day, Say("the visitor's last day"))
    visitor = session.get_one(Visitor, found[0])
    if visitor.active_from is not None and last_day < visitor.active_from:
        raise InvalidInput(
            Say(
                "--last-day %(last)s is before the visitor's first day (%(first)s)",
                last=last_day,
                first=visitor.active_from,
            )
        )
    was = visitor.active_to
    if was == last_day:
        return None
    visitor.active_to = last_day
    detail = {"active_to": last_day.isoformat(), "was": None if was is None else was.isoformat()}
    record_event(
        session,
        actor=actor,
        action="update",
        entity="visitor",
        entity_id=external_id,
        detail=detail,
    )
    session.flush()
    stopped = stop_after_last_day(
        session.connection(), pl.Series([visitor.id]), today or dt.date.today()
    )
    record_events(session, actor=actor, entity="household", events=list(stopped.events))
    session.flush()
    held = session.scalars(
        select(Area.code)
        .join(Household, Household.area_id == Area.id)
        .join(Pairing, Pairing.household_id == Household.id)
        .where(Pairing.visitor_id == visitor.id, Pairing.ended_on.is_(None))
    ).all()
    return Ended(last_day, was, len(held), tuple(sorted(set(held))), stopped)
