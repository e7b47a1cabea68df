"""Exclusions, pairs of a household and a visitor never to be paired, as `doorstep pair
exclude|unexclude` keeps them apart and lets them be paired again; listed by area or
household. An area's accounts, for the households in their area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.schemas import ExclusionListed, ExclusionMade, ExclusionRemoved
from doorstep.domain.ids import normal_id
from doorstep.privacy import access
from doorstep.services import exclusions
from doorstep.services.exclusions import Change

router = APIRouter(prefix="/exclusions", tags=["exclusions"])


class ExclusionCreate(BaseModel):
    """A pair to keep apart, with the options of `doorstep pair exclude`."""

    model_config = ConfigDict(extra="forbid")

    household: str = Field(min_length=1)
    visitor: str = Field(min_length=1)
    reason: str | None = Field(
        None,
        description="Why, in a few words (kept with the pair, in both people's exports); "
        "given for a pair excluded already, it replaces the stored one",
    )


@router.get("")
def list_exclusions(
    engine: EngineDep,
    who: PrincipalDep,
    area: str | None = None,
    household: str | None = None,
) -> list[ExclusionListed]:
    """The pairs kept apart whose household lives in an area within the caller's (default:
    its own) or is ``household``, by household then visitor."""
    with unit(engine, who) as session:
        conn = session.connection()
        shown = normal_id(household) if household is not None else None
        access.check_exclusion(conn, who, shown)
        where = access.list_area(conn, who, area) if shown is None or area else None
        rows = exclusions.list_exclusions(session, actor=who.actor, area=where, household=shown)
    return [ExclusionListed.model_validate(r) for r in rows]


@router.post(
    "",
    # Added answers 201, updated or unchanged 200: a client must find both in the spec.
    responses={201: {"model": ExclusionMade, "description": "Added"}},
)
def exclude(
    body: ExclusionCreate,
    response: Response,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
) -> ExclusionMade:
    """Keep a household and a visitor apart from now on (201 when added): their planned
    visits from today are cancelled, and the next pairing committed for the area ends a
    pairing that holds them. ``change`` says what was done: added, updated (its reason),
    unchanged."""
    household, visitor = normal_id(body.household), normal_id(body.visitor)
    tried = exclusions.attempt(who.actor, "create", household, visitor)
    with unit(engine, who, tried) as session:
        access.check_exclusion(session.connection(), who, household)
        out = exclusions.exclude(
            session, household, visitor, reason=body.reason, actor=who.actor, today=today
        )
    if out.change is Change.ADDED:
        response.status_code = status.HTTP_201_CREATED
    return ExclusionMade(
        household=out.household,
        visitor=out.visitor,
        change=out.change.value,
        reason=out.reason,
        paired_in=out.paired_in,
        cancelled=list(out.cancelled),
    )


@router.delete("")
def unexclude(
    engine: EngineDep,
    who: PrincipalDep,
    household: Annotated[str, Query(min_length=1)],
    visitor: Annotated[str, Query(min_length=1)],
) -> ExclusionRemoved:
    """Let a household and a visitor be paired again (404 when they are not kept apart)."""
    household, visitor = normal_id(household), normal_id(visitor)
    tried = exclusions.attempt(who.actor, "update", household, visitor, removed=True)
    with unit(engine, who, tried) as session:
        access.check_exclusion(session.connection(), who, household)
        out = exclusions.unexclude(session, household, visitor, actor=who.actor)
    return ExclusionRemoved(
        household=out.household, visitor=out.visitor, change=out.change.value, reason=out.reason
    )
