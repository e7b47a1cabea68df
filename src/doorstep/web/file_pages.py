"""A household's case file and a visitor's file as pages (``/files/household?id=``,
``/files/visitor?id=``), through the API's route functions (the same checks, services and
trail). The work lists link each household to its file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.api.file_schemas import HouseholdFile, HouseholdsFound, VisitorFile, VisitorsFound
from doorstep.api.routes.files import case_file, visitors_file
from doorstep.api.routes.households import find
from doorstep.api.routes.visitors import find as find_visitors
from doorstep.domain.ids import normal_id
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.services.cadence import MOST_DAYS
from doorstep.services.finding import DEFAULT_FOUND, is_household_id, is_visitor_id
from doorstep.services.household_file import DEFAULT_VISITS
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/files", include_in_schema=False)

Visits = Annotated[int, Query(ge=0, le=1000)]


@router.get("/household", response_class=HTMLResponse)
def household_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    id: str = "",
    max_gap_days: str = "",
    visits: Visits = DEFAULT_VISITS,
) -> HTMLResponse:
    """The form that opens a household's file; with ``id``, the file of the household with
    that id, else the households whose id begins with it or whose head's name or address
    holds it, each linked to its file."""
    typed = normal_id(id.strip()) or None
    try:
        gap = _gap(max_gap_days)
        if typed is None:
            return _page(request, who, "household_file.html", None, None, gap)
        with unit(engine, who) as session:
            exact = is_household_id(session, typed)
        if not exact:
            found = find(engine, who, today, typed, None, DEFAULT_FOUND)
            return _page(request, who, "household_file.html", typed, None, gap, found)
        file = case_file(typed, engine, who, today, gap, visits)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _page(request, who, "household_file.html", typed, file, gap)


@router.get("/visitor", response_class=HTMLResponse)
def visitor_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    id: str = "",
    max_gap_days: str = "",
    visits: Visits = DEFAULT_VISITS,
) -> HTMLResponse:
    """The form that opens a visitor's file (a visitor's account: its own, at once); with
    ``id``, the file of the visitor with that id, else the visitors whose id begins with it
    or whose name holds it, each linked to their file."""
    typed = normal_id(id.strip()) or (who.visitor if who.role == "visitor" else None)
    try:
        gap = _gap(max_gap_days)
        if typed is None:
            return _page(request, who, "visitor_file.html", None, None, gap)
        if who.role != "visitor":
            with unit(engine, who) as session:
                exact = is_visitor_id(session, typed)
            if not exact:
                found = find_visitors(engine, who, typed, None, DEFAULT_FOUND)
                return _page(request, who, "visitor_file.html", typed, None, gap, found)
        file = visitors_file(typed, engine, who, today, gap, visits)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _page(request, who, "visitor_file.html", typed, file, gap)


def _gap(typed: str) -> int | None:
    """The form's days between visits: left empty, the programme's cadence (none)."""
    if not typed.strip():
        return None
    try:
        days = int(typed)
    except ValueError:
        raise InvalidInput(
            Say("check max_gap_days: %(typed)s is not a whole number", typed=repr(typed))
        ) from None
    if not 1 <= days <= MOST_DAYS:
        raise InvalidInput(
            Say(
                "check max_gap_days: give 1 to %(most)s days, not %(days)s",
                most=MOST_DAYS,
                days=days,
            )
        )
    return days


def _page(
    request: Request,
    who: Principal,
    template: str,
    typed: str | None,
    file: HouseholdFile | VisitorFile | None,
    max_gap_days: int | None,
    found: HouseholdsFound | VisitorsFound | None = None,
) -> HTMLResponse:
    """The page: the file, or what a search ``found``; its form shows the cadence asked for
    (left empty, the programme's)."""
    return render(
        request, template, who, file=file, id=typed, max_gap_days=max_gap_days, found=found
    )
