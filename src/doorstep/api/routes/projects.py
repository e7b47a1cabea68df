"""Development projects that other organisations sponsor, as `doorstep project` adds and
lists them, moves one on and records the households it benefits."""

from __future__ import annotations

import dataclasses
import datetime as dt

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.activity_schemas import (
    BeneficiariesRecorded,
    ProjectAdded,
    ProjectListed,
    ProjectMoved,
)
from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.domain.enums import ProjectStatus
from doorstep.domain.ids import normal_id
from doorstep.domain.lengths import CODE_MAX, TITLE_MAX
from doorstep.privacy import access
from doorstep.privacy.audit import Attempt
from doorstep.services import projects

router = APIRouter(prefix="/projects", tags=["projects"])


class ProjectCreate(BaseModel):
    """A project to add, with the options of `doorstep project add`."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=CODE_MAX, description="A new code for it")
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    sponsor: str = Field(min_length=1, description="The sponsoring organisation's code")
    area: str = Field(min_length=1, description="The area it is in (its code)")
    starts_on: dt.date
    ends_on: dt.date | None = Field(None, description="Its last day, if known")
    status: ProjectStatus = ProjectStatus.PLANNED


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ProjectStatus = Field(description="planned, running, done: it moves on, never back")


class Beneficiaries(BaseModel):
    """The households a project benefits: all of them are recorded, or (one refused) none."""

    model_config = ConfigDict(extra="forbid")

    households: list[str] = Field(min_length=1, max_length=5000)


@router.get("")
def list_projects(
    engine: EngineDep, who: PrincipalDep, today: TodayDep, area: str | None = None
) -> list[ProjectListed]:
    """The projects in an area within the caller's (default: its own), by first day, with how
    many households each benefits (counts, naming no one) and ``past_end``: its last day is
    behind today and it is not done."""
    access.check_report(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area)
        rows = projects.list_projects(session, area=shown)
    late = {r.code for r in projects.past_their_end(rows, today)}
    return [
        ProjectListed.model_validate(dataclasses.asdict(r) | {"past_end": r.code in late})
        for r in rows
    ]


@router.post("", status_code=status.HTTP_201_CREATED)
def add_project(
    body: ProjectCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> ProjectAdded:
    """Add a project in an area within the caller's."""
    code = normal_id(body.code)
    tried = Attempt(who.actor, "create", "project", code)
    with unit(engine, who, tried) as session:
        access.check_project_area(session.connection(), who, normal_id(body.area))
        projects.add_project(
            session,
            code,
            title=body.title,
            sponsor=normal_id(body.sponsor),
            area=normal_id(body.area),
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            status=body.status.value,
            actor=who.actor,
            today=today,
        )
    return ProjectAdded(code=code, status=body.status.value)


@router.post("/{code:path}/status")
def move_status(
    code: str, body: StatusChange, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> ProjectMoved:
    """Move the project on, as `project status` does; ``was`` is null when it had that
    status already (nothing written)."""
    code = normal_id(code)
    tried = Attempt(who.actor, "update", "project", code, {"status": body.status.value})
    with unit(engine, who, tried) as session:
        access.check_project(session.connection(), who, code)
        was = projects.move_status(session, code, body.status.value, actor=who.actor, today=today)
    return ProjectMoved(code=code, status=body.status.value, was=was)


@router.post("/{code:path}/households")
def benefit(
    code: str, body: Beneficiaries, engine: EngineDep, who: PrincipalDep
) -> BeneficiariesRecorded:
    """Record the households the project benefits, as `project benefit` does: a household
    only with its consent given now; one recorded already is left as it is (``already``)."""
    code = normal_id(code)
    households = [normal_id(h) for h in body.households]
    # Not quoted, as at the command line: a refusal may say a household's consent.
    tried = Attempt(who.actor, "create", "project", code, {"households": True}, quote=False)
    with unit(engine, who, tried) as session:
        access.check_project(session.connection(), who, code, households)
        done = projects.benefit(session, code, households=households, actor=who.actor)
    return BeneficiariesRecorded(added=list(done.added), already=list(done.already))
