"""Group activities (trips, contests, summer camps, training), as `doorstep activity`
adds and lists them and records who took part."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.activity_schemas import ActivityAdded, ActivityListed, AttendanceRecorded
from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.domain.enums import ActivityKind
from doorstep.domain.ids import normal_id
from doorstep.domain.lengths import CODE_MAX, TITLE_MAX
from doorstep.privacy import access
from doorstep.privacy.audit import Attempt
from doorstep.services import activities

router = APIRouter(prefix="/activities", tags=["activities"])


class ActivityCreate(BaseModel):
    """A group activity to add, with the options of `doorstep activity add`."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=CODE_MAX, description="A new code for it")
    kind: ActivityKind
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    area: str = Field(min_length=1, description="The area it is held in (its code)")
    starts_on: dt.date
    ends_on: dt.date | None = Field(None, description="Its last day (default: the first)")
    organiser: str | None = Field(None, description="The organisation that runs it, if any")


class AttendanceCreate(BaseModel):
    """Who took part: all of them are recorded, or (one refused) none."""

    model_config = ConfigDict(extra="forbid")

    households: list[str] = Field(default_factory=list, max_length=5000)
    visitors: list[str] = Field(default_factory=list, max_length=5000)


@router.get("")
def list_activities(
    engine: EngineDep, who: PrincipalDep, area: str | None = None
) -> list[ActivityListed]:
    """The activities held in an area within the caller's (default: its own), by first day,
    with how many households and visitors took part: counts, naming no one (as `activity
    list`, not recorded in the trail)."""
    access.check_report(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area)
        rows = activities.list_activities(session, area=shown)
    return [ActivityListed.model_validate(r) for r in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
def add_activity(body: ActivityCreate, engine: EngineDep, who: PrincipalDep) -> ActivityAdded:
    """Add a group activity held in an area within the caller's."""
    code = normal_id(body.code)
    tried = Attempt(who.actor, "create", "activity", code)
    with unit(engine, who, tried) as session:
        access.check_activity_area(session.connection(), who, normal_id(body.area))
        activities.add_activity(
            session,
            code,
            kind=body.kind.value,
            title=body.title,
            area=normal_id(body.area),
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            organiser=None if body.organiser is None else normal_id(body.organiser),
            actor=who.actor,
        )
    return ActivityAdded(code=code)


@router.post("/{code:path}/attendance")
def attend(
    code: str, body: AttendanceCreate, engine: EngineDep, who: PrincipalDep
) -> AttendanceRecorded:
    """Record that households and visitors took part, as `activity attend` does: a household
    only with its consent given on the activity's first day; one recorded already is left
    as it is (``already``)."""
    code = normal_id(code)
    households = [normal_id(h) for h in body.households]
    visitors = [normal_id(v) for v in body.visitors]
    # Not quoted, as at the command line: a refusal may say a household's consent.
    tried = Attempt(who.actor, "create", "activity", code, {"attendance": True}, quote=False)
    with unit(engine, who, tried) as session:
        access.check_attendance(session.connection(), who, code, households, visitors)
        done = activities.attend(
            session, code, households=households, visitors=visitors, actor=who.actor
        )
    return AttendanceRecorded(added=list(done.added), already=list(done.already))
