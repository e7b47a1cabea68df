"""A household's case file and a visitor's file: ``/households/{id}`` and ``/visitors/{id}``.

Included after every other router: an id may hold a slash, and these paths would take the
routes below an id (``/households/{id}/export``, ``/visitors/{id}/erase``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.file_schemas import HouseholdFile, VisitorFile
from doorstep.api.query_params import PovertyLine
from doorstep.api.schemas import PLAN_MAX_DAYS
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE
from doorstep.privacy import access
from doorstep.services.household_file import DEFAULT_VISITS, household_file
from doorstep.services.visitor_file import visitor_file

router = APIRouter(tags=["files"])

#: Default: the programme's cadence (:mod:`doorstep.services.cadence`).
MaxGapDays = Annotated[int | None, Query(ge=1, le=PLAN_MAX_DAYS)]
Visits = Annotated[int, Query(ge=0, le=1000)]


@router.get("/households/{household:path}")
def case_file(
    household: str,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    max_gap_days: MaxGapDays = None,
    visits: Visits = DEFAULT_VISITS,
    poverty_line: PovertyLine = DEFAULT_POVERTY_LINE,
) -> HouseholdFile:
    """The household's case file: who it is and whether it consents today, its visitors,
    its deadline (as the due list measures it, after ``max_gap_days``), its latest
    ``visits`` visits and the next ones planned, its referrals, yearly indicators (against
    ``poverty_line``), activities and projects. An area's account, for a household in its
    area; a visitor's, for a household its visitor looks after today."""
    with unit(engine, who) as session:
        access.check_household_file(session.connection(), who, household, today)
        file = household_file(
            session,
            household,
            actor=who.actor,
            today=today,
            max_gap_days=max_gap_days,
            visits=visits,
            poverty_line=poverty_line,
        )
    return HouseholdFile.model_validate(file)


@router.get("/visitors/{visitor:path}")
def visitors_file(
    visitor: str,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    max_gap_days: MaxGapDays = None,
    visits: Visits = DEFAULT_VISITS,
) -> VisitorFile:
    """The visitor's file: who they are, their caseload against their capacity, their
    households with each one's deadline (after ``max_gap_days``), leave to come, their
    latest ``visits`` visits and the next ones planned, and activities. The visitor's own
    account; an area's account, for a visitor living in its area, sees their households
    and visits within the area only (``households_elsewhere`` counts the others)."""
    with unit(engine, who) as session:
        access.check_visitor_file(session.connection(), who, visitor)
        file = visitor_file(
            session,
            visitor,
            actor=who.actor,
            today=today,
            max_gap_days=max_gap_days,
            visits=visits,
            area_path=None if who.role == "visitor" else who.area_path,
        )
    return VisitorFile.model_validate(file)
