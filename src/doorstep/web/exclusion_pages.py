"""The exclusions page: the pairs of an area kept apart (a conflict of interest, a "do not
pair again" request), with a form that keeps a pair apart and a button that lets one be
paired again, through the API's route functions (the same checks, services and trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.exclusions import (
    ExclusionCreate,
    exclude,
    list_exclusions,
    unexclude,
)
from doorstep.api.schemas import ExclusionListed
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.access import Principal
from doorstep.web import i18n
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/exclusions", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def exclusions_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    area: str | None = None,
    household: str | None = None,
) -> HTMLResponse:
    return _listing(request, engine, who, area or None, household or None)


@router.post("", response_class=HTMLResponse)
def exclude_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()],
    visitor: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep the pair apart; then the household's exclusions."""
    try:
        body = ExclusionCreate(
            household=household.strip(), visitor=visitor.strip(), reason=reason.strip() or None
        )
    except ValidationError:
        _ = i18n.gettext_for(request)
        return refused(request, who, InvalidInput(_("give the household's and the visitor's ids")))
    try:
        out = exclude(body, Response(), engine, who, today)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    pair = {"household": out.household, "visitor": out.visitor, "reason": out.reason}
    said = {
        "added": _("%(household)s and %(visitor)s are kept apart from now on."),
        "updated": _(
            "%(household)s and %(visitor)s were kept apart already; the reason is now: %(reason)s."
        ),
        "unchanged": _("%(household)s and %(visitor)s were kept apart already; nothing changed."),
    }[out.change] % pair
    if out.cancelled:
        days = ", ".join(d.isoformat() for d in out.cancelled)
        said += " " + _("Cancelled their planned visits of %(days)s.") % {"days": days}
    if out.paired_in:
        said += " " + _(
            "They are paired now: the next pairing committed for %(area)s ends it,"
            " and no visit is planned for them until then."
        ) % {"area": out.paired_in}
    return _listing(request, engine, who, None, out.household, said)


@router.post("/remove", response_class=HTMLResponse)
def unexclude_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    household: Annotated[str, Form()],
    visitor: Annotated[str, Form()],
) -> HTMLResponse:
    """Let the pair be paired again; then the household's exclusions."""
    try:
        out = unexclude(engine, who, household, visitor)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("%(household)s and %(visitor)s may be paired again.") % {
        "household": out.household,
        "visitor": out.visitor,
    }
    return _listing(request, engine, who, None, out.household, said)


def _listing(
    request: Request,
    engine: EngineDep,
    who: Principal,
    area: str | None,
    household: str | None,
    said: str = "",
) -> HTMLResponse:
    rows: list[ExclusionListed] = []
    try:
        rows = list_exclusions(engine, who, area, household)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(
        request,
        "exclusions.html",
        who,
        rows=rows,
        area=area or ("" if household else who.area or ""),
        household=household or "",
        said=said,
    )
