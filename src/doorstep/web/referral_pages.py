"""The referrals page: an area's referrals (or, for a visitor's account, one household's),
those open too long marked for follow-up, with forms that refer a household and move a
referral on, through the API's route functions (the same checks, services and trail)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.referral_schemas import ReferralListed, ReferralMade
from doorstep.api.routes.referrals import (
    ReferralCreate,
    ReferralMove,
    list_referrals,
    move_status,
    referral_sent,
)
from doorstep.domain.enums import ReferralService, ReferralStatus
from doorstep.domain.ids import MAX_PROPOSAL_ID
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.services.referrals import FOLLOW_UP_DAYS
from doorstep.web import i18n
from doorstep.web.labels import label
from doorstep.web.pages import form_error, refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/referrals", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def referrals_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
    household: str | None = None,
    status: str | None = None,
    follow_up: bool = False,
) -> HTMLResponse:
    return _listing(request, engine, who, today, area, household, status, follow_up)


@router.post("", response_class=HTMLResponse)
def add_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()],
    organisation: Annotated[str, Form()],
    service: Annotated[str, Form()],
    made_on: Annotated[str, Form()] = "",
    visitor: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Refer a household; then its referrals. The form's id (given when it was drawn)
    makes one sent twice (a reload, a double tap) one referral."""
    typed = referral_typed(household, organisation, service, made_on, visitor, client_id)
    try:
        body = ReferralCreate.model_validate(typed)
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        made = referral_sent(engine, who, body, today)
    except DoorstepError as exc:
        return refused(request, who, exc)
    said = referred_text(request, made, body)
    return _listing(request, engine, who, today, None, made.household, None, False, said)


def referral_typed(
    household: str, organisation: str, service: str, made_on: str, visitor: str, client_id: str
) -> dict[str, Any]:
    """A referral form's fields as ``ReferralCreate`` takes them: trimmed, a blank optional
    field none (both forms that refer a household send these)."""
    return {
        "household": household.strip(),
        "organisation": organisation.strip(),
        "service": service,
        "made_on": made_on.strip() or None,
        "visitor": visitor.strip() or None,
        "client_id": client_id.strip() or None,
    }


def referred_text(request: Request, made: ReferralMade, body: ReferralCreate) -> str:
    """What a page says of a referral made (or, sent again, made already): the words
    outbox.js says too, so the same braces (``_partials/outbox.html``)."""
    _ = i18n.gettext_for(request)
    said = (
        _("Referral {id}: {household} referred to {organisation} already (sent again).")
        if made.already
        else _("Referral {id}: {household} referred to {organisation}.")
    )
    return said.format(id=made.id, household=made.household, organisation=body.organisation)


@router.post("/status", response_class=HTMLResponse)
def status_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    number: Annotated[int, Form(ge=1, le=MAX_PROPOSAL_ID)],
    status: Annotated[str, Form()],
    household: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Move a referral on; then the list again (the household's, if it was one's)."""
    try:
        body = ReferralMove.model_validate({"status": status, "on": on.strip() or None})
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        moved = move_status(number, body, engine, who, today)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("Referral %(number)s: %(was)s -> %(status)s on %(on)s.") % {
        "number": number,
        "was": label(_, moved.was),
        "status": label(_, moved.status),
        "on": moved.on,
    }
    return _listing(request, engine, who, today, None, household or None, None, False, said)


def _listing(
    request: Request,
    engine: EngineDep,
    who: Principal,
    today: dt.date,
    area: str | None,
    household: str | None,
    status: str | None,
    follow_up: bool,
    said: str = "",
) -> HTMLResponse:
    rows: list[ReferralListed] = []
    # A visitor's account lists one household's referrals, once it names one.
    if who.role != "visitor" or household:
        try:
            shown = None if not status else ReferralStatus(status)
        except ValueError:
            return refused(
                request,
                who,
                InvalidInput(Say("no referral status %(status)s", status=repr(status))),
            )
        try:
            rows = list_referrals(
                engine, who, today, area or None, household or None, shown, follow_up
            )
        except DoorstepError as exc:
            return refused(request, who, exc)
    return render(
        request,
        "referrals.html",
        who,
        rows=rows,
        area=area or ("" if household else who.area or ""),
        household=household or "",
        chosen=status or "",
        follow_up=follow_up,
        days=FOLLOW_UP_DAYS,
        services=[s.value for s in ReferralService],
        statuses=[s.value for s in ReferralStatus],
        said=said,
        # The form's id: sent twice (a reload, a double tap), one referral.
        client_id=str(uuid.uuid4()),
    )
