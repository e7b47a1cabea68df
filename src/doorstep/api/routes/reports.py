"""The programme's figures by area and month, as `doorstep report` gives them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.privacy import access
from doorstep.services import reporting

router = APIRouter(prefix="/report", tags=["reports"])


@router.get("")
def report(
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    area: str | None = None,
    level: str | None = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    max_gap_days: Annotated[int, Query(ge=1, le=3660)] = 60,
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
