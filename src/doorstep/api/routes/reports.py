"""The programme's figures by area and month, as `doorstep report` gives them, and the
households' outcomes by area and year, as `doorstep outcomes` gives them: counts, naming
no one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.query_params import PovertyLine
from doorstep.api.report_schemas import OutcomesRead, ProgrammeReportRead
from doorstep.domain.days import FIRST_YEAR
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE
from doorstep.privacy import access
from doorstep.services import outcomes, reporting

router = APIRouter(prefix="/report", tags=["reports"])
outcomes_router = APIRouter(prefix="/outcomes", tags=["reports"])


@router.get("")
def report(
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    area: str | None = None,
    level: str | None = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    max_gap_days: Annotated[int | None, Query(ge=1, le=3660)] = None,
    days: Annotated[int, Query(ge=0, le=366)] = 14,
) -> ProgrammeReportRead:
    """The figures of an area within the caller's scope (default: its own area), by the
    areas within it and by month (default: the twelve months up to today)."""
    access.check_report(who)
    with unit(engine, who) as session:
        area = access.list_area(session.connection(), who, area)
        built = reporting.programme_report(
            session,
            actor=who.actor,
            today=today,
            area=area,
            level=level,
            start=start,
            end=end,
            max_gap_days=max_gap_days,
            days=days,
        )
    return ProgrammeReportRead.model_validate(built)


@outcomes_router.get("")
def household_outcomes(
    engine: EngineDep,
    who: PrincipalDep,
    area: str | None = None,
    level: str | None = None,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=2200)] = None,
    poverty_line: PovertyLine = DEFAULT_POVERTY_LINE,
) -> OutcomesRead:
    """What the households' yearly indicators say, in an area within the caller's scope
    (default: its own area): by the areas within it for ``year`` (default: the latest
    reported), then for the whole area by year; each share of those it is a share of."""
    access.check_report(who)
    with unit(engine, who) as session:
        area = access.list_area(session.connection(), who, area)
        built = outcomes.household_outcomes(
            session, actor=who.actor, area=area, level=level, year=year, poverty_line=poverty_line
        )
    return OutcomesRead.model_validate(built)
