"""The projects page of a coordinator: the development projects of their area, with how many
households each benefits and which are past their last day and not done, and forms that move
a project on and record the households it benefits, through the API's route functions (the
same checks, services and trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.activity_schemas import ProjectListed
from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.projects import (
    Beneficiaries,
    ProjectCreate,
    StatusChange,
    add_project,
    benefit,
    list_projects,
    move_status,
)
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.access import Principal
from doorstep.web import i18n
from doorstep.web.labels import label
from doorstep.web.pages import form_error, refused, render, typed_ids
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/projects", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def projects_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
) -> HTMLResponse:
    try:
        rows = list_projects(engine, who, today, area or None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _page(request, who, rows, area or who.area or "")


@router.post("", response_class=HTMLResponse)
def add_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    code: Annotated[str, Form()],
    title: Annotated[str, Form()],
    sponsor: Annotated[str, Form()],
    area: Annotated[str, Form()],
    starts_on: Annotated[str, Form()],
    ends_on: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "planned",
) -> HTMLResponse:
    """Add a project; then the area's projects, with it."""
    typed = {
        "code": code.strip(),
        "title": title.strip(),
        "sponsor": sponsor.strip(),
        "area": area.strip(),
        "starts_on": starts_on.strip(),
        "ends_on": ends_on.strip() or None,
        "status": status,
    }
    try:
        body = ProjectCreate.model_validate(typed)
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        added = add_project(body, engine, who, today)
        rows = list_projects(engine, who, today, body.area)
    except DoorstepError as exc:
        return refused(request, who, exc)
    said = f"Added project {added.code}: {body.title}, sponsored by {body.sponsor}."
    return _page(request, who, rows, body.area, said=said)


@router.post("/status", response_class=HTMLResponse)
def status_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    code: Annotated[str, Form()],
    status: Annotated[str, Form()],
) -> HTMLResponse:
    """Move a project on (planned, running, done: never back); then the list again."""
    try:
        body = StatusChange.model_validate({"status": status})
    except ValidationError:
        _ = i18n.gettext_for(request)
        wrong = InvalidInput(
            _("status must be planned, running or done: %(status)s") % {"status": repr(status)}
        )
        return refused(request, who, wrong)
    try:
        moved = move_status(code.strip(), body, engine, who, today)
        rows = list_projects(engine, who, today, None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = (
        _("Project %(code)s is %(status)s already.")
        if moved.was is None
        else _("Project %(code)s is %(status)s (was %(was)s).")
    ) % {
        "code": moved.code,
        "status": label(_, moved.status),
        "was": label(_, moved.was),
    }
    return _page(request, who, rows, who.area or "", said=said)


@router.post("/households", response_class=HTMLResponse)
def households_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    code: Annotated[str, Form()],
    households: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Record the households a project benefits, all or none; then the list again."""
    try:
        body = Beneficiaries(households=typed_ids(households))
    except ValidationError:
        _ = i18n.gettext_for(request)
        wrong = InvalidInput(_("name the households it benefits (at most 5,000)"))
        return refused(request, who, wrong)
    try:
        done = benefit(code.strip(), body, engine, who)
        rows = list_projects(engine, who, today, None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("Recorded %(n)s households for %(code)s") % {
        "n": len(done.added),
        "code": code.strip(),
    }
    if done.already:
        said += _("; %(already)s recorded already") % {"already": ", ".join(done.already)}
    said += "."
    return _page(request, who, rows, who.area or "", said=said)


def _page(
    request: Request, who: Principal, rows: list[ProjectListed], area: str, said: str = ""
) -> HTMLResponse:
    return render(request, "projects.html", who, rows=rows, area=area, said=said)
