"""What a visitor records at a household's door besides the visit: its consent act
(``/consent``) and a referral to another organisation's service (``/refer``), also with no
network.

Each form carries the act's id (``client_id``), given when the form is drawn, so a form
sent twice (a reload, a double tap) records one act, as a device sending one again does
through the API. With scripts on, the page sends the form as JSON to its sync address and,
with no network or a lapsed sign-in, keeps the act in the phone's outbox (``outbox.js``,
the record form's) and sends it, under the same id, once it can. The service worker keeps
both pages: they hold the form only, never a list of people (the referrals page, which
lists an area's referrals, is not kept; ``/refer`` is its form alone).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import Field, ValidationError

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.referral_schemas import ReferralMade
from doorstep.api.routes.households import consent_sent
from doorstep.api.routes.referrals import ReferralCreate, referral_sent
from doorstep.api.schemas import ConsentCreate, ConsentRead
from doorstep.domain.enums import ReferralService
from doorstep.domain.lengths import CODE_MAX
from doorstep.errors import DoorstepError
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.web import i18n
from doorstep.web.pages import form_error, render
from doorstep.web.record_pages import signed_in_or_401
from doorstep.web.referral_pages import referral_typed, referred_text
from doorstep.web.session import WebPrincipalDep

router = APIRouter(include_in_schema=False)

#: The addresses the outbox sends consent acts and referrals to: JSON in, the API's JSON
#: out.
CONSENT_SYNC = "/consent/sync"
REFER_SYNC = "/refer/sync"


class ConsentSent(ConsentCreate):
    """A consent act from the page's outbox: the API's, with its household."""

    household: str = Field(min_length=1, max_length=CODE_MAX)


def _told(request: Request) -> Callable[[Say], str]:
    """How the page's language says what a service says (a consent act's notes)."""
    return lambda said: i18n.told(request, said)


def _new_id() -> str:
    return str(uuid.uuid4())


def _consent_page(
    request: Request,
    who: Principal,
    today: dt.date,
    form: dict[str, Any],
    status: int = 200,
    **said: Any,
) -> HTMLResponse:
    return render(
        request,
        "consent.html",
        who,
        status=status,
        today=today,
        form=form,
        sync=CONSENT_SYNC,
        **said,
    )


@router.get("/consent", response_class=HTMLResponse)
def consent_form(
    request: Request, who: WebPrincipalDep, today: TodayDep, household: str = ""
) -> HTMLResponse:
    """The form, for the household given (a case file links here) or any."""
    form = {"household": household.strip(), "client_id": _new_id()}
    return _consent_page(request, who, today, form)


@router.post("/consent", response_class=HTMLResponse)
def consent(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()],
    state: Annotated[str, Form()],
    evidence: Annotated[str, Form()],
    on: Annotated[dt.date | None, Form()] = None,
    client_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The form sent without scripts (or by a browser that has none)."""
    form = {
        "household": household,
        "state": state,
        "evidence": evidence,
        "on": on,
        "client_id": client_id,
    }
    try:
        body = ConsentCreate.model_validate(
            {"state": state, "evidence": evidence, "on": on, "client_id": client_id or None}
        )
        done = consent_sent(engine, who, household, body, today, told=_told(request))
    except ValidationError as exc:
        error = form_error(request, exc)
        return _consent_page(
            request, who, today, form, error.status, error=i18n.told(request, error)
        )
    except DoorstepError as exc:
        return _consent_page(request, who, today, form, exc.status, error=i18n.told(request, exc))
    return _consent_page(request, who, today, {"client_id": _new_id()}, done=done)


@router.post(CONSENT_SYNC, response_model=ConsentRead)
def consent_sync(
    request: Request,
    body: ConsentSent,
    engine: EngineDep,
    who: Annotated[Principal, Depends(signed_in_or_401)],
    today: TodayDep,
) -> ConsentRead:
    """A consent act from the page's outbox, recorded as the API records one (``POST
    /api/v1/households/{id}/consent``): sent again under its id, it answers ``already:
    true`` and records nothing more. A refusal is the API's problem document."""
    act = ConsentCreate.model_validate(body.model_dump(exclude={"household"}))
    return consent_sent(engine, who, body.household, act, today, told=_told(request))


def _refer_page(
    request: Request,
    who: Principal,
    today: dt.date,
    form: dict[str, Any],
    status: int = 200,
    **said: Any,
) -> HTMLResponse:
    return render(
        request,
        "refer.html",
        who,
        status=status,
        today=today,
        form=form,
        sync=REFER_SYNC,
        services=[s.value for s in ReferralService],
        **said,
    )


@router.get("/refer", response_class=HTMLResponse)
def refer_form(
    request: Request, who: WebPrincipalDep, today: TodayDep, household: str = ""
) -> HTMLResponse:
    """The form that refers a household, alone (the referrals page lists an area's)."""
    form = {"household": household.strip(), "client_id": _new_id()}
    return _refer_page(request, who, today, form)


@router.post("/refer", response_class=HTMLResponse)
def refer(
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
    """The form sent without scripts: the referral made, and the form again."""
    typed = referral_typed(household, organisation, service, made_on, visitor, client_id)
    form = typed | {"client_id": client_id}
    try:
        body = ReferralCreate.model_validate(typed)
        made = referral_sent(engine, who, body, today)
    except ValidationError as exc:
        error = form_error(request, exc)
        return _refer_page(request, who, today, form, error.status, error=i18n.told(request, error))
    except DoorstepError as exc:
        return _refer_page(request, who, today, form, exc.status, error=i18n.told(request, exc))
    done = referred_text(request, made, body)
    return _refer_page(request, who, today, {"client_id": _new_id()}, done=done)


@router.post(REFER_SYNC, response_model=ReferralMade)
def refer_sync(
    body: ReferralCreate,
    engine: EngineDep,
    who: Annotated[Principal, Depends(signed_in_or_401)],
    today: TodayDep,
) -> ReferralMade:
    """A referral from the page's outbox, made as the API makes one (``POST
    /api/v1/referrals``): sent again under its id, it answers ``already: true`` and makes
    nothing more. A refusal is the API's problem document."""
    return referral_sent(engine, who, body, today)
