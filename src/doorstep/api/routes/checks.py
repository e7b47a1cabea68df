"""Stored data that today's rules would refuse, as `doorstep check` finds it, so that an
area's accounts can correct it: the years of households with more members in work than
members."""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.api.check_schemas import OverWorkListed
from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.privacy import access
from doorstep.services import size_check

router = APIRouter(prefix="/checks", tags=["checks"])


@router.get("/sizes")
def list_sizes(
    engine: EngineDep, who: PrincipalDep, area: str | None = None
) -> list[OverWorkListed]:
    """The years of the households in an area within the caller's (default: its own) whose
    members in work are more than their members, by household then year: `check sizes`,
    read in the trail as it reads them (area accounts only)."""
    access.check_sizes(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area)
        rows = size_check.over_work(session, actor=who.actor, area=shown)
    return [OverWorkListed.model_validate(r) for r in rows]
