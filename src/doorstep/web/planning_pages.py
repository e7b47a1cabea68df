"""The planning page of a coordinator: a form that plans an area's visits, as `doorstep plan
--area` does, then the plan's summary and the first pairings whose cadence it does not meet.

It plans through the API's route function (:func:`doorstep.api.routes.planning.plan_for`),
so the page asks :mod:`doorstep.privacy.access`, runs the same services and leaves the same
trail under the same actor; a refused plan is recorded as an attempt.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import babel
import holidays
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.planning import plan_for
from doorstep.api.schemas import PlanCreate
from doorstep.errors import DoorstepError
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.web import field_reasons, i18n
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep


@cache
def countries(tag: str) -> tuple[tuple[str, str], ...]:
    """The countries whose public holidays a plan can keep free, as (code, name in the
    language ``tag``), by code: what the form's box offers to pick (``holidays`` knows
    each by two letters and some by three too; the box offers the two)."""
    names = babel.Locale.parse(tag, sep="-").territories
    codes = sorted(c for c in holidays.list_supported_countries() if len(c) == 2)
    return tuple((code, names.get(code, code)) for code in codes)


router = APIRouter(prefix="/planning", include_in_schema=False)

#: The pairings that miss their cadence shown under a plan's summary.
PAGE = 100


@router.get("", response_class=HTMLResponse)
def planning_form(request: Request, who: WebPrincipalDep, today: TodayDep) -> HTMLResponse:
    """The form, filled with the account's area and today (an area's accounts only)."""
    try:
        access.check_planner(who)
    except DoorstepError as exc:
        return refused(request, who, exc)
    form = {"area": who.area or "", "start": today.isoformat(), "months": 12}
    return _page(request, who, form)


@router.post("", response_class=HTMLResponse)
def make_plan(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: Annotated[str, Form()],
    start: Annotated[str, Form()] = "",
    months: Annotated[str, Form()] = "12",
    country: Annotated[str, Form()] = "",
    staff_cap: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Plan the area, as the API's ``POST /plans`` does; then the summary."""
    form = {
        "area": area.strip(),
        "start": start.strip(),
        "months": months.strip(),
        "country": country.strip(),
        "staff_cap": staff_cap.strip(),
    }
    given: dict[str, Any] = {k: v for k, v in form.items() if v}
    try:
        body = PlanCreate.model_validate({**given, "unmet_limit": PAGE})
    except ValidationError as exc:
        said = field_reasons.each(
            request, ((".".join(str(p) for p in e["loc"]), e) for e in exc.errors())
        )
        return _page(request, who, form, status=422, error=said)
    try:
        plan = plan_for(engine, who, today, body)
    except DoorstepError as exc:
        return _page(request, who, form, status=exc.status, error=i18n.told(request, exc))
    return _page(request, who, form, plan=plan, limit=PAGE)


def _page(
    request: Request, who: Principal, form: dict[str, Any], status: int = 200, **said: Any
) -> HTMLResponse:
    tag = i18n.language(request)
    return render(
        request, "planning.html", who, status=status, form=form, countries=countries(tag), **said
    )
