"""Referrals: a household referred to another organisation for a service (a job centre for
work, a clinic, a school), and whether the service followed.

A visit's outcome ``referral_made`` says that one was made; a referral says to whom, for
what, and where it stands, so that a coordinator can follow up those left open. It is the
household's record: made only with its consent given, in its export, gone with its
erasure; each act is audited under the household (and under the visitor who made it).

Its status moves open -> accepted -> completed, and from open or accepted to declined (by
the service) or withdrawn (by the household); completed, declined and withdrawn are final.

A referral made on a phone carries the id the phone gave it (``client_id``): sent again
under it (a reload, a double tap, a send whose answer was lost), it is found by
:func:`sent_again` and not made twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from doorstep import remedies
from doorstep.domain.days import check_not_too_early
from doorstep.domain.enums import ConsentState, ReferralService, ReferralStatus
from doorstep.domain.ids import MAX_ROW_ID
from doorstep.errors import Conflict, InvalidInput, Named, NotFound
from doorstep.privacy.audit import record_event, record_household_events
from doorstep.say import Code, Say
from doorstep.services.activities import known_household
from doorstep.storage.repositories import lookups
from doorstep.storage.repositories.claims import claim
from doorstep.storage.repositories.pairing import area_by_code
from doorstep.storage.tables import Area, Household, Organisation, Referral, Visitor

#: The table audit details name.
TABLE = "referrals"
#: Days an open referral may wait for the service's answer before it is listed for follow-up.
FOLLOW_UP_DAYS = 30
#: The statuses a referral may move to from each (none from a final one).
NEXT: dict[str, frozenset[str]] = {
    ReferralStatus.OPEN: frozenset(
        {
            ReferralStatus.ACCEPTED,
            ReferralStatus.COMPLETED,
            ReferralStatus.DECLINED,
            ReferralStatus.WITHDRAWN,
        }
    ),
    ReferralStatus.ACCEPTED: frozenset(
        {ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}
#: The statuses of a referral still waiting on the service.
PENDING = frozenset({ReferralStatus.OPEN.value, ReferralStatus.ACCEPTED.value})


@dataclass(frozen=True)
class ReferralRow:
    """A referral as lists show it: ``days`` since it was made, and whether it is due a
    follow-up (open longer than the list's ``follow_up_days``)."""

    id: int
    household: str
    area: str
    organisation: str
    service: str
    made_on: dt.date
    visitor: str | None
    status: str
    status_on: dt.date
    days: int
    follow_up: bool


def _service(service: str) -> str:
    allowed = [s.value for s in ReferralService]
    if service not in allowed:
        raise InvalidInput(
            Say(
                "the service must be one of %(allowed)s: %(service)s",
                allowed=", ".join(allowed),
                service=repr(service),
            )
        )
    return service


def _status(status: str) -> str:
    allowed = [s.value for s in ReferralStatus if s is not ReferralStatus.OPEN]
    if status not in allowed:
        raise InvalidInput(
            Say(
                "the new status must be one of %(allowed)s: %(status)s",
                allowed=", ".join(allowed),
                status=repr(status),
            )
        )
    return status


def _not_after_today(day: dt.date, day_is: Say, today: dt.date) -> None:
    """Refuse ``day`` after ``today``; ``day_is``: which day it is (a whole sentence's
    subject, ``%(day)s`` filled with it, so a translation can place it)."""
    if day > today:
        raise InvalidInput(
            Say(
                "%(day_is)s is after today (%(today)s): record it on the day",
                day_is=day_is,
                today=today,
            )
        )


def add_referral(
    session: Session,
    household: str,
    *,
    organisation: str,
    service: str,
    made_on: dt.date,
    visitor: str | None,
    actor: str,
    today: dt.date,
    client_id: str | None = None,
) -> Referral:
    """Refer ``household`` to ``organisation`` for ``service`` on ``made_on`` (by
    ``visitor``, if a visitor made it): open from that day. ``client_id``: the id the
    device that sent it gave it, stored so that :func:`sent_again` finds it if it comes
    again (ask that first: the id is unique)."""
    service = _service(service)
    _not_after_today(made_on, Say("the referral's day %(day)s", day=made_on), today)
    check_not_too_early(made_on, Say("the referral's day"))
    conn = session.connection()
    hid = known_household(conn, household)
    consent = session.scalar(select(Household.consent_state).where(Household.id == hid))
    if consent != ConsentState.GIVEN.value:
        raise InvalidInput(
            Say(
                "household %(household)s's consent is %(state)s, not given: it cannot be referred",
                household=household,
                state=Code(consent) if consent else Say("not recorded"),
            ),
            named=Named(
                "household",
                (household,),
                {"table": TABLE, "field": "consent_state"},
                unnamed="a household's consent is not given",
            ),
        )
    org = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
    if org is None:
        raise NotFound(
            Say(
                "no organisation with code %(organisation)s (%(how)s adds them)",
                organisation=repr(organisation),
                how=remedies.import_by("organisations", "`doorstep import organisations FILE`"),
            )
        )
    vid = None if visitor is None else lookups.visitor_by_external_id(conn, visitor)
    referral = Referral(
        household_id=hid,
        organisation_id=org,
        service=service,
        made_on=made_on,
        visitor_id=vid,
        status=ReferralStatus.OPEN.value,
        status_on=made_on,
        client_id=client_id,
    )
    session.add(referral)
    session.flush()
    detail = {
        "table": TABLE,
        "referral": referral.id,
        "organisation": organisation,
        "service": service,
        "made_on": made_on.isoformat(),
    }
    record_event(
        session,
        actor=actor,
        action="create",
        entity="household",
        entity_id=household,
        detail=detail,
    )
    if visitor is not None:
        # The visitor's export lists the referrals they made.
        record_event(
            session,
            actor=actor,
            action="create",
            entity="visitor",
            entity_id=visitor,
            detail={**detail, "household": household},
        )
    session.flush()
    return referral


def sent_again(
    session: Session,
    client_id: str | None,
    household: str,
    *,
    organisation: str,
    service: str,
    made_on: dt.date | None,
    visitor: str | None,
    actor: str,
) -> Referral | None:
    """The referral stored already under the device's id ``client_id`` for the same
    household, organisation, service and visitor (and day, if ``made_on`` is given: a
    device that left it to the server's today may send again on another day), or none if
    the id is new. Found, it is read in the trail under the household, and nothing is
    written.

    Raises
    ------
    Conflict
        The id is stored for another referral: a new referral needs a new id.
    """
    if client_id is None:
        return None
    # Held to the commit: sent twice at once, the second finds the first's referral.
    claim(session.connection(), "referrals", client_id)
    found = session.execute(
        select(Referral, Household.external_id, Organisation.code, Visitor.external_id)
        .join(Household, Household.id == Referral.household_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .outerjoin(Visitor, Visitor.id == Referral.visitor_id)
        .where(Referral.client_id == client_id)
    ).one_or_none()
    if found is None:
        return None
    referral, was_household, was_organisation, was_visitor = found
    same = (
        (was_household, was_organisation, referral.service, was_visitor)
        == (household, organisation, service, visitor)
    ) and made_on in (None, referral.made_on)
    if not same:
        # Which referral it is, is not said: it may be a household the caller cannot see.
        raise Conflict(
            Say(
                "referral id %(client_id)s is stored already for another referral (another "
                "household, organisation, service, visitor or day): a new referral needs a "
                "new id",
                client_id=client_id,
            )
        )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="household",
        entity_id=household,
        detail={
            "table": TABLE,
            "referral": referral.id,
            "client_id": client_id,
            "sent_again": True,
        },
    )
    session.flush()
    return referral


def move_status(
    session: Session, referral_id: int, status: str, *, on: dt.date, actor: str, today: dt.date
) -> str:
    """Move referral ``referral_id`` to ``status`` from ``on`` (not before its current
    status's day, not after today); the status it had. Refused (409) from a final status
    or back to an earlier one."""
    status = _status(status)
    _not_after_today(on, Say("the status's day %(day)s", day=on), today)
    check_not_too_early(on, Say("the status's day"))
    # A number past the column's integers is none the database could hold: not found. Its
    # row locked before its status is read, as an import moving it holds it: one moving it
    # meanwhile is waited for, and its status moved from, never written over.
    referral = (
        session.get(Referral, referral_id, with_for_update=True)
        if 0 < referral_id <= MAX_ROW_ID
        else None
    )
    if referral is None:
        raise NotFound(
            Say(
                "no referral number %(number)s (%(where)s)",
                number=referral_id,
                where=remedies.listed("referrals", "`doorstep referral list` shows them"),
            )
        )
    household = session.scalar(
        select(Household.external_id).where(Household.id == referral.household_id)
    )
    was = referral.status
    if status not in NEXT[ReferralStatus(was)]:
        raise Conflict(
            Say(
                "referral %(number)s is %(was)s: it cannot become %(status)s",
                number=referral_id,
                was=Code(was),
                status=Code(status),
            )
            if NEXT[ReferralStatus(was)]
            else Say(
                "referral %(number)s is %(was)s for good: it cannot become %(status)s",
                number=referral_id,
                was=Code(was),
                status=Code(status),
            )
        )
    if on < referral.status_on:
        raise InvalidInput(
            Say(
                "referral %(number)s has been %(was)s since %(since)s: the day it became "
                "%(status)s cannot be before that (%(on)s)",
                number=referral_id,
                was=Code(was),
                since=referral.status_on,
                status=Code(status),
                on=on,
            )
        )
    referral.status, referral.status_on = status, on
    record_event(
        session,
        actor=actor,
        action="update",
        entity="household",
        entity_id=household,
        detail={
            "table": TABLE,
            "referral": referral_id,
            "status": status,
            "was": was,
            "on": on.isoformat(),
        },
    )
    session.flush()
    return was


def list_referrals(
    session: Session,
    *,
    actor: str,
    today: dt.date,
    area: str | None = None,
    household: str | None = None,
    status: str | None = None,
    follow_up_only: bool = False,
    follow_up_days: int = FOLLOW_UP_DAYS,
) -> list[ReferralRow]:
    """The referrals of the households of ``area`` (and the areas within it) or of one
    ``household``, oldest first; ``status`` keeps one status, ``follow_up_only`` those
    still open ``follow_up_days`` after they were made. Each household listed is read in
    the trail, once."""
    if follow_up_days < 0:
        raise InvalidInput(
            Say("the days before a follow-up cannot be negative: %(days)s", days=follow_up_days)
        )
    if status is not None and status not in {s.value for s in ReferralStatus}:
        allowed = ", ".join(s.value for s in ReferralStatus)
        raise InvalidInput(
            Say(
                "the status must be one of %(allowed)s: %(status)s",
                allowed=allowed,
                status=repr(status),
            )
        )
    conn = session.connection()
    made_by = aliased(Visitor)
    query = (
        select(
            Referral.id,
            Household.id,
            Household.external_id,
            Area.code,
            Organisation.code,
            Referral.service,
            Referral.made_on,
            made_by.external_id,
            made_by.name,
            Referral.status,
            Referral.status_on,
        )
        .join(Household, Household.id == Referral.household_id)
        .join(Area, Area.id == Household.area_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .outerjoin(made_by, made_by.id == Referral.visitor_id)
        .order_by(Referral.made_on, Referral.id)
    )
    if area is not None:
        path = area_by_code(conn, area)[1]
        query = query.where(Area.path.startswith(path, autoescape=True))
    if household is not None:
        query = query.where(Household.id == known_household(conn, household))
    if status is not None:
        query = query.where(Referral.status == status)
    rows = []
    shown: list[int] = []
    for r in session.execute(query).all():
        days = (today - r[6]).days
        follow_up = r[9] == ReferralStatus.OPEN.value and days >= follow_up_days
        if follow_up_only and not follow_up:
            continue
        # An erased visitor's row names no one (its name is emptied): none is shown.
        visitor = r[7] if r[8] else None
        rows.append(
            ReferralRow(r[0], r[2], r[3], r[4], r[5], r[6], visitor, r[9], r[10], days, follow_up)
        )
        shown.append(r[1])
    record_event(
        session,
        actor=actor,
        action="read",
        entity="referrals",
        detail={
            "rows": len(rows),
            "area": area,
            "household": household,
            "status": status,
            **({"follow_up_days": follow_up_days} if follow_up_only else {}),
        },
    )
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=pl.Series(sorted(set(shown)), dtype=pl.Int64),
        detail={"table": TABLE},
    )
    return rows


def counts(rows: list[ReferralRow]) -> dict[str, int]:
    """How many of ``rows`` have each status, and how many are due a follow-up."""
    by = Counter(r.status for r in rows)
    return {
        **{s.value: by.get(s.value, 0) for s in ReferralStatus},
        "follow_up": sum(r.follow_up for r in rows),
    }
