"""The programme's figures by area and month, as `doorstep report` gives them, and the
households' outcomes by area and year, as `doorstep outcomes` gives them: counts, naming
no one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE
from doorstep.privacy import access
from doorstep.reports.outcomes import OutcomeFigures, OutcomesReport
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
) -> dict[str, Any]:
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
    return dataclasses.asdict(built)


@outcomes_router.get("")
def household_outcomes(
    engine: EngineDep,
    who: PrincipalDep,
    area: str | None = None,
    level: str | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    poverty_line: Annotated[float, Query(gt=0)] = DEFAULT_POVERTY_LINE,
) -> dict[str, Any]:
    """What the households' yearly indicators say, in an area within the caller's scope
    (default: its own area): by the areas within it for ``year`` (default: the latest
    reported), then for the whole area by year; each share of those it is a share of."""
    access.check_report(who)
    with unit(engine, who) as session:
        area = access.list_area(session.connection(), who, area)
        built = outcomes.household_outcomes(
            session, actor=who.actor, area=area, level=level, year=year, poverty_line=poverty_line
        )
    return _outcomes_answer(built)


def _outcomes_answer(built: OutcomesReport) -> dict[str, Any]:
    """The outcomes report as the API answers it: its figures with their shares."""
    return {
        "title": built.title,
        "area": None if built.area is None else dataclasses.asdict(built.area),
        "year": built.year,
        "poverty_line": built.poverty_line,
        "by_area": [_with_shares(f) for f in built.by_area],
        "by_year": [_with_shares(f) for f in built.by_year],
    }


def _with_shares(figures: OutcomeFigures) -> dict[str, Any]:
    return dataclasses.asdict(figures) | {
        "below_line_share": figures.below_line_share,
        "in_work_share": figures.in_work_share,
        "with_services_share": figures.with_services_share,
    }
