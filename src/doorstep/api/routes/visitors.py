"""Visitors found by id or name, for an area's accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.api.file_schemas import VisitorsFound
from doorstep.privacy import access
from doorstep.services.finding import DEFAULT_FOUND, MOST_FOUND, find_visitors

router = APIRouter(prefix="/visitors", tags=["files"])


@router.get("")
def find(
    engine: EngineDep,
    who: PrincipalDep,
    q: Annotated[str, Query(min_length=1, description="An id or its start, part of a name")],
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MOST_FOUND)] = DEFAULT_FOUND,
) -> VisitorsFound:
    """Visitors whose id is ``q`` or begins with it, or whose name holds it (any case), as
    `doorstep visitor find` finds them: those living within the account's area (or ``area``
    inside it); not for a visitor's account. ``more``: there were more than ``limit``. Each
    one found is a read in the trail."""
    access.check_visitor_search(who)
    with unit(engine, who) as session:
        found = find_visitors(
            session,
            q,
            actor=who.actor,
            area=access.list_area(session.connection(), who, area),
            limit=limit,
        )
    return VisitorsFound.model_validate({"rows": found.rows, "more": found.more})
