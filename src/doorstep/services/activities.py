"""Group activities one at a time: a coordinator adding an activity, listing them, and
recording who took part (files of them go through ``doorstep import activities|attendance``).

An activity is the programme's; its attendance is the people's, checked and audited as the
import checks and audits it (:mod:`doorstep.services.importing.programme`): a household is
added only with its consent given on the activity's first day, an erased person not at
all, and each person added gets a ``create`` event under their own id; one recorded
already gets a ``read`` (the command shows that they took part).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.days import check_not_too_early
from doorstep.domain.enums import ActivityKind, ConsentState
from doorstep.errors import Conflict, InvalidInput, Named, NotFound
from doorstep.privacy.audit import record_event
from doorstep.say import Code, Say
from doorstep.services.column_fit import check_fits, check_plain
from doorstep.storage.repositories import household_data, visitor_data
from doorstep.storage.repositories.claims import claim
from doorstep.storage.repositories.pairing import area_by_code, household_id, same_but_case
from doorstep.storage.repositories.visit_records import consent_on_day
from doorstep.storage.tables import Activity, ActivityAttendance, Area, Organisation

#: The table audit details name.
TABLE = "activity_attendance"


@dataclass(frozen=True)
class ActivityRow:
    code: str
    kind: str
    title: str
    area_code: str
    starts_on: dt.date
    ends_on: dt.date
    households: int
    visitors: int


@dataclass(frozen=True)
class Attended:
    """Who an ``attend`` added, and who was recorded already (by id, in the order given)."""

    added: tuple[str, ...]
    already: tuple[str, ...]


def known_household(conn: Connection, external_id: str) -> int:
    """The database id of the household ``external_id`` to add to an activity or project:
    one on record, else :class:`NotFound` saying whether it was erased."""
    hid = household_id(conn, external_id)
    if hid is None:
        raise household_data.not_found(conn, external_id)
    return hid


def before_first(last: dt.date, first: dt.date) -> Say:
    """Why an activity or a project whose last day is before its first is refused."""
    return Say("the last day, %(last)s, is before the first, %(first)s", last=last, first=first)


def no_area(session: Session, code: str) -> Say:
    """Why an area code no area has is refused (with the codes differing only in case)."""
    return Say(
        "no area with code %(code)s%(hint)s",
        code=repr(code),
        hint=same_but_case(session.connection(), code),
    )


def no_organisation(code: str) -> Say:
    return Say("no organisation with code %(organisation)s", organisation=repr(code))


def add_activity(
    session: Session,
    code: str,
    *,
    kind: str,
    title: str,
    area: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    organiser: str | None,
    actor: str,
) -> Activity:
    """Add an activity ``code`` (a new code: one in use is a conflict), held in ``area``
    from ``starts_on`` to ``ends_on`` (default: the same day)."""
    if kind not in {k.value for k in ActivityKind}:
        raise InvalidInput(
            Say(
                "the kind must be one of %(kinds)s: %(kind)s",
                kinds=", ".join(k.value for k in ActivityKind),
                kind=repr(kind),
            )
        )
    if not title.strip():
        raise InvalidInput(Say("the title is empty; give the activity a title"))
    check_fits(code, Activity.__table__.c.code, Say("the code"))
    check_plain(code, Say("the code"))
    check_fits(title, Activity.__table__.c.title, Say("the title"))
    check_not_too_early(starts_on, Say("the first day"))
    check_not_too_early(ends_on, Say("the last day"))
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise InvalidInput(before_first(ends_on, starts_on))
    claim(session.connection(), "activities", code)
    if session.scalar(select(Activity.id).where(Activity.code == code)) is not None:
        raise Conflict(Say("an activity with code %(code)s exists already", code=repr(code)))
    area_id = session.scalar(select(Area.id).where(Area.code == area))
    if area_id is None:
        raise NotFound(no_area(session, area))
    org_id = None
    if organiser is not None:
        org_id = session.scalar(select(Organisation.id).where(Organisation.code == organiser))
        if org_id is None:
            raise NotFound(no_organisation(organiser))
    activity = Activity(
        code=code,
        kind=kind,
        title=title.strip(),
        area_id=area_id,
        organisation_id=org_id,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    session.add(activity)
    record_event(session, actor=actor, action="create", entity="activity", entity_id=code)
    session.flush()
    return activity


def list_activities(session: Session, *, area: str | None = None) -> list[ActivityRow]:
    """Every activity (held in ``area`` or an area within it, when given), by first day,
    with how many households and visitors took part: counts, naming no one."""
    a = Activity.__table__
    t = ActivityAttendance.__table__
    query = (
        select(
            a.c.code,
            a.c.kind,
            a.c.title,
            Area.code,
            a.c.starts_on,
            a.c.ends_on,
            func.count(t.c.household_id),
            func.count(t.c.visitor_id),
        )
        .join(Area, Area.id == a.c.area_id)
        .outerjoin(t, t.c.activity_id == a.c.id)
        .group_by(a.c.id, Area.code)
        .order_by(a.c.starts_on, a.c.code)
    )
    if area is not None:
        # The area and every area within it, as stats, reports and exports take --area:
        # a county's list holds its villages' camps.
        path = area_by_code(session.connection(), area)[1]
        query = query.where(Area.path.startswith(path, autoescape=True))
    return [
        ActivityRow(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]))
        for r in session.execute(query).all()
    ]


def attend(
    session: Session,
    code: str,
    *,
    households: list[str],
    visitors: list[str],
    actor: str,
) -> Attended:
    """Record that ``households`` and ``visitors`` took part in activity ``code``: all of
    them, or (one refused) none."""
    if not households and not visitors:
        raise InvalidInput(Say("name who took part: households, visitors or both"))
    found_activity = session.execute(
        select(Activity.id, Activity.starts_on).where(Activity.code == code)
    ).first()
    if found_activity is None:
        raise NotFound(
            Say(
                "no activity with code %(code)s (%(where)s)",
                code=repr(code),
                where=remedies.listed("activities", "`doorstep activity list` shows them"),
            )
        )
    activity, first_day = int(found_activity[0]), found_activity[1]
    conn = session.connection()
    rows: list[tuple[str, str, int]] = []  # (entity, external id, database id)
    for ext in dict.fromkeys(households):
        rows.append(("household", ext, known_household(conn, ext)))
    for ext in dict.fromkeys(visitors):
        found = visitor_data.find(conn, ext)
        if found is None:
            raise NotFound(Say("no visitor %(visitor)s", visitor=repr(ext)))
        if found[1]:
            raise NotFound(Say("visitor %(visitor)s was erased", visitor=ext))
        rows.append(("visitor", ext, found[0]))
    claim(conn, "activity_attendance", code)  # sent twice at once: the second is "already"
    stored_h = set(
        session.scalars(
            select(ActivityAttendance.household_id).where(
                ActivityAttendance.activity_id == activity
            )
        )
    )
    stored_v = set(
        session.scalars(
            select(ActivityAttendance.visitor_id).where(ActivityAttendance.activity_id == activity)
        )
    )
    added: list[tuple[str, str, int]] = []
    already: list[tuple[str, str, int]] = []
    for entity, ext, db_id in rows:
        stored = db_id in (stored_h if entity == "household" else stored_v)
        if entity == "household" and not stored:
            # As the import checks it: in force on the activity's first day.
            consent = consent_on_day(conn, db_id, first_day)
            if consent != ConsentState.GIVEN.value:
                raise InvalidInput(
                    Say(
                        "household %(household)s's consent was %(state)s on the activity's "
                        "first day (%(day)s), not given: it cannot be added",
                        household=ext,
                        state=Code(consent) if consent else Say("not recorded"),
                        day=first_day,
                    ),
                    named=Named(
                        "household",
                        (ext,),
                        {"table": "activity_attendance", "field": "consent_state"},
                        unnamed="a household's consent was not given on the activity's first day",
                    ),
                )
        (already if stored else added).append((entity, ext, db_id))
    for entity, _ext, db_id in added:
        session.add(
            ActivityAttendance(
                activity_id=activity,
                household_id=db_id if entity == "household" else None,
                visitor_id=db_id if entity == "visitor" else None,
            )
        )
    for action, group in (("create", added), ("read", already)):
        for entity, ext, _ in group:
            detail = {"table": TABLE, "activity": code}
            record_event(
                session, actor=actor, action=action, entity=entity, entity_id=ext, detail=detail
            )
    session.flush()
    return Attended(tuple(e for _, e, _ in added), tuple(e for _, e, _ in already))
