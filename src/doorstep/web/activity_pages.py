"""The group activities page of a coordinator: the activities of their area with how many
took part, and a form that records who took part in one, as `doorstep activity attend`
does, through the API's route functions (the same checks, services and trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.deps import EngineDep
from doorstep.api.routes.activities import (
    ActivityCreate,
    AttendanceCreate,
    add_activity,
    attend,
    list_activities,
)
from doorstep.domain.enums import ActivityKind
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.web import field_reasons, i18n
from doorstep.web.pages import form_error, refused, render, typed_ids
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/activities", include_in_schema=False)

#: The kinds the form offers.
KINDS = [k.value for k in ActivityKind]


@router.get("", response_class=HTMLResponse)
def activities_page(
    request: Request, engine: EngineDep, who: WebPrincipalDep, area: str | None = None
) -> HTMLResponse:
    try:
        rows = list_activities(engine, who, area or None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(
        request, "activities.html", who, rows=rows, area=area or who.area or "", kinds=KINDS
    )


@router.post("", response_class=HTMLResponse)
def add_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    code: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    title: Annotated[str, Form()],
    area: Annotated[str, Form()],
    starts_on: Annotated[str, Form()],
    ends_on: Annotated[str, Form()] = "",
    organiser: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Add a group activity; then the area's activities, with it."""
    typed = {
        "code": code.strip(),
        "kind": kind,
        "title": title.strip(),
        "area": area.strip(),
        "starts_on": starts_on.strip(),
        "ends_on": ends_on.strip() or None,
        "organiser": organiser.strip() or None,
    }
    try:
        body = ActivityCreate.model_validate(typed)
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        added = add_activity(body, engine, who)
        rows = list_activities(engine, who, body.area)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("Added %(code)s: %(title)s, in %(area)s from %(start)s.") % {
        "code": added.code,
        "title": body.title,
        "area": body.area,
        "start": body.starts_on,
    }
    return render(
        request, "activities.html", who, rows=rows, area=body.area, said=said, kinds=KINDS
    )


@router.post("/attendance", response_class=HTMLResponse)
def record_attendance(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    code: Annotated[str, Form()],
    households: Annotated[str, Form()] = "",
    visitors: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Record who took part, all or none; then the list again, with what was recorded."""
    try:
        body = AttendanceCreate(households=typed_ids(households), visitors=typed_ids(visitors))
    except ValidationError as exc:  # more ids than one request takes
        return refused(request, who, InvalidInput(field_reasons.why(request, exc.errors()[0])))
    try:
        done = attend(code.strip(), body, engine, who)
        rows = list_activities(engine, who, None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(
        request, "activities.html", who, rows=rows, area=who.area or "", done=done, kinds=KINDS
    )
