"""A household's case file as a page (``/case?id=``): what its visitor or coordinator looks
up before a visit, through the API's route function (the same check, service and trail).
The work lists link each household to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.households import case_file
from doorstep.domain.ids import normal_id
from doorstep.errors import DoorstepError
from doorstep.services.household_file import DEFAULT_VISITS
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/case", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def case_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    id: str | None = None,
    max_gap_days: Annotated[int, Query(ge=1, le=3660)] = 60,
    visits: Annotated[int, Query(ge=0, le=1000)] = DEFAULT_VISITS,
) -> HTMLResponse:
    """The form that opens a household's file; with ``id``, the file."""
    if not id or not id.strip():
        return render(request, "case.html", who, file=None, id=None, max_gap_days=max_gap_days)
    household = normal_id(id.strip())
    try:
        file = case_file(household, engine, who, today, max_gap_days, visits)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(request, "case.html", who, file=file, id=household, max_gap_days=max_gap_days)
