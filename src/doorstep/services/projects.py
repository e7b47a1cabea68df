"""Development projects one at a time: a coordinator adding a project, listing them,
moving one on (planned, running, done), and recording the households it benefits (files of
them go through ``doorstep import projects|project_households``).

A project is the programme's; the households it benefits are the households' data,
checked and audited as the import checks and audits them
(:mod:`doorstep.services.importing.programme`): a household is added only with its consent
given now (a project runs on), an erased or unknown one not at all, all or none; each one
added gets a ``create`` event under its own id, one recorded already a ``read`` (the
command shows that it benefits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.days import check_not_too_early
from doorstep.domain.enums import ConsentState, ProjectStatus
from doorstep.errors import Conflict, InvalidInput, Named, NotFound
from doorstep.privacy.audit import record_event
from doorstep.say import Code, Say
from doorstep.services.activities import before_first, known_household, no_area, no_organisation
from doorstep.services.column_fit import check_fits, check_plain
from doorstep.storage.repositories.claims import claim
from doorstep.storage.repositories.pairing import area_by_code
from doorstep.storage.tables import Area, Household, Organisation, Project, ProjectHousehold

#: The table audit details name.
TABLE = "project_households"
#: The order a project's status moves in: never back.
_ORDER = [s.value for s in ProjectStatus]


@dataclass(frozen=True)
class ProjectRow:
    code: str
    title: str
    sponsor_code: str
    area_code: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    households: int


@dataclass(frozen=True)
class Benefited:
    """Which households a ``benefit`` added, and which were recorded already (in order)."""

    added: tuple[str, ...]
    already: tuple[str, ...]


def moves_back(was: str, status: str) -> bool:
    """Whether a project's status would move from ``was`` back to ``status`` (planned,
    running, done: never back), which ``project status`` and ``import projects`` refuse."""
    return _ORDER.index(status) < _ORDER.index(was)


def too_early(status: str, starts_on: dt.date, today: dt.date) -> bool:
    """Whether a project would be running or done before its first day, which ``project
    add|status`` and ``import projects`` refuse: the days and the status would disagree,
    and a project begun early is given the day it began."""
    return status != ProjectStatus.PLANNED.value and starts_on > today


def past_their_end(rows: list[ProjectRow], today: dt.date) -> list[ProjectRow]:
    """The projects whose last day is behind ``today`` but that are not done: a status is
    the coordinator's act (a project may run on late), so ``project list`` points them out
    rather than moving them on."""
    done = ProjectStatus.DONE.value
    return [r for r in rows if r.ends_on is not None and r.ends_on < today and r.status != done]


def _status(status: str) -> str:
    if status not in _ORDER:
        raise InvalidInput(
            Say(
                "status must be one of %(statuses)s: %(status)s",
                statuses=", ".join(_ORDER),
                status=repr(status),
            )
        )
    return status


def no_project(code: str) -> Say:
    return Say(
        "no project with code %(code)s (%(where)s)",
        code=repr(code),
        where=remedies.listed("projects", "`doorstep project list` shows them"),
    )


def add_project(
    session: Session,
    code: str,
    *,
    title: str,
    sponsor: str,
    area: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    status: str,
    actor: str,
    today: dt.date,
) -> Project:
    """Add a project ``code`` (a new code: one in use is a conflict), sponsored by the
    organisation ``sponsor``, in ``area``, from ``starts_on`` (to ``ends_on``, if known)."""
    status = _status(status)
    if not title.strip():
        raise InvalidInput(Say("the title is empty; give the project a title"))
    check_fits(code, Project.__table__.c.code, Say("the code"))
    check_plain(code, Say("the code"))
    check_fits(title, Project.__table__.c.title, Say("the title"))
    check_not_too_early(starts_on, Say("the first day"))
    check_not_too_early(ends_on, Say("the last day"))
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(before_first(ends_on, starts_on))
    if too_early(status, starts_on, today):
        raise InvalidInput(
            Say(
                "the project starts on %(day)s, after today (%(today)s), so it cannot be "
                "%(status)s yet: add it as planned, or give the day it began as its first day",
                day=starts_on,
                today=today,
                status=Code(status),
            )
        )
    claim(session.connection(), "projects", code)
    if session.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise Conflict(Say("a project with code %(code)s exists already", code=repr(code)))
    area_id = session.scalar(select(Area.id).where(Area.code == area))
    if area_id is None:
        raise NotFound(no_area(session, area))
    sponsor_id = session.scalar(select(Organisation.id).where(Organisation.code == sponsor))
    if sponsor_id is None:
        raise NotFound(no_organisation(sponsor))
    project = Project(
        code=code,
        title=title.strip(),
        sponsor_id=sponsor_id,
        area_id=area_id,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
    )
    session.add(project)
    record_event(session, actor=actor, action="create", entity="project", entity_id=code)
    session.flush()
    return project


def list_projects(session: Session, *, area: str | None = None) -> list[ProjectRow]:
    """Every project (in ``area`` or an area within it, when given), by first day, with how many
    households it benefits: a count, naming no one."""
    p = Project.__table__
    t = ProjectHousehold.__table__
    query = (
        select(
            p.c.code,
            p.c.title,
            Organisation.code,
            Area.code,
            p.c.starts_on,
            p.c.ends_on,
            p.c.status,
            func.count(t.c.household_id),
        )
        .join(Area, Area.id == p.c.area_id)
        .join(Organisation, Organisation.id == p.c.sponsor_id)
        .outerjoin(t, t.c.project_id == p.c.id)
        .group_by(p.c.id, Area.code, Organisation.code)
        .order_by(p.c.starts_on, p.c.code)
    )
    if area is not None:
        # The area and every area within it, as stats, reports and exports take --area:
        # a county's list holds its villages' camps.
        path = area_by_code(session.connection(), area)[1]
        query = query.where(Area.path.startswith(path, autoescape=True))
    return [
        ProjectRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]))
        for r in session.execute(query).all()
    ]


def move_status(
    session: Session, code: str, status: str, *, actor: str, today: dt.date
) -> str | None:
    """Move project ``code`` on to ``status`` (planned, running, done: never back; not
    before its first day); the status it had, or ``None`` when it had that status already
    (nothing written)."""
    status = _status(status)
    # Its row locked before its status is read, as an import moving it holds it: one moving
    # it meanwhile is waited for, and its status moved from, never written over.
    project = session.scalar(select(Project).where(Project.code == code).with_for_update())
    if project is None:
        raise NotFound(no_project(code))
    was = project.status
    if was == status:
        return None
    if moves_back(was, status):
        raise Conflict(
            Say(
                "project %(project)s is %(was)s: its status moves on, not back to %(status)s",
                project=code,
                was=Code(was),
                status=Code(status),
            )
        )
    if too_early(status, project.starts_on, today):
        raise Conflict(
            Say(
                "project %(project)s starts on %(day)s, after today (%(today)s): it cannot be "
                "%(status)s before then; one begun early is given the day it began with %(how)s",
                project=code,
                how=remedies.import_by("projects", "`doorstep import projects`"),
                day=project.starts_on,
                today=today,
                status=Code(status),
            )
        )
    project.status = status
    detail = {"status": status, "was": was}
    record_event(
        session, actor=actor, action="update", entity="project", entity_id=code, detail=detail
    )
    session.flush()
    return was


def benefit(session: Session, code: str, *, households: list[str], actor: str) -> Benefited:
    """Record that project ``code`` benefits ``households``: all of them, or (one refused)
    none."""
    if not households:
        raise InvalidInput(Say("name the households it benefits"))
    project = session.scalar(select(Project.id).where(Project.code == code))
    if project is None:
        raise NotFound(no_project(code))
    conn = session.connection()
    rows = [(ext, known_household(conn, ext)) for ext in dict.fromkeys(households)]
    claim(conn, "project_households", code)  # sent twice at once: the second is "already"
    stored = set(
        session.scalars(
            select(ProjectHousehold.household_id).where(ProjectHousehold.project_id == project)
        )
    )
    added = [(ext, hid) for ext, hid in rows if hid not in stored]
    already = [(ext, hid) for ext, hid in rows if hid in stored]
    for ext, hid in added:
        # As the import checks it: in force now, as a project runs on.
        consent = session.scalar(select(Household.consent_state).where(Household.id == hid))
        if consent != ConsentState.GIVEN.value:
            raise InvalidInput(
                Say(
                    "household %(household)s's consent is %(state)s, not given: it cannot be added",
                    household=ext,
                    state=Code(consent) if consent else Say("not recorded"),
                ),
                named=Named(
                    "household",
                    (ext,),
                    {"table": TABLE, "field": "consent_state"},
                    unnamed="a household's consent is not given",
                ),
            )
    session.add_all(ProjectHousehold(project_id=project, household_id=hid) for _, hid in added)
    for action, group in (("create", added), ("read", already)):
        for ext, _ in group:
            detail = {"table": TABLE, "project": code}
            record_event(
                session,
                actor=actor,
                action=action,
                entity="household",
                entity_id=ext,
                detail=detail,
            )
    session.flush()
    return Benefited(tuple(e for e, _ in added), tuple(e for e, _ in already))
