"""The audit trail over the API, as `doorstep audit` reads it: for a manager, the events
about the people of its area (the whole trail, for a manager with no area), newest first,
a page at a time. Reading it is recorded, as at the command line."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.account_schemas import AuditPage
from doorstep.api.choices import Choices
from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.api.query_params import EventsBefore
from doorstep.domain.ids import normal_id
from doorstep.privacy import access
from doorstep.services import audit_trail

router = APIRouter(prefix="/audit", tags=["audit"])

#: An action the trail records; the service refuses another in its own words.
Action = Annotated[str, Choices(lambda: audit_trail.ACTIONS)]


@router.get("")
def read_trail(
    engine: EngineDep,
    who: PrincipalDep,
    actor: Annotated[
        str | None, Query(description="api:NAME, or a user at the command line")
    ] = None,
    action: Annotated[
        Action | None,
        Query(description="What the events did: a reading, a change, an import, a file written"),
    ] = None,
    entity: Annotated[
        str | None, Query(description="household, visitor, visits, visit_plan, account, ...")
    ] = None,
    household: str | None = None,
    visitor: str | None = None,
    area: Annotated[str | None, Query(description="Default: the account's own")] = None,
    since: Annotated[dt.date | None, Query(description="From this day (UTC)")] = None,
    until: Annotated[dt.date | None, Query(description="To this day (UTC, included)")] = None,
    before: EventsBefore = None,
    limit: Annotated[int, Query(ge=1, le=audit_trail.MAX_LISTED)] = 100,
) -> AuditPage:
    """A page of the events, newest first: ``next`` is the ``before`` of the next (older)
    page (none: the last page)."""
    with unit(engine, who) as session:
        shown = access.audit_area(session.connection(), who, area)
        page = audit_trail.read_trail(
            session,
            actor=who.actor,
            who=actor,
            action=action,
            entity=entity,
            household=normal_id(household) if household else None,
            visitor=normal_id(visitor) if visitor else None,
            area=shown,
            since=since,
            until=until,
            before=before,
            limit=limit,
        )
    return AuditPage.of(page)
