"""Recording a visit made, on the page, also where a field visitor has no network.

The form carries the visit's id (``visit_id``), given when the form is drawn, so a form
sent twice (a reload, a double tap) records one visit, as a device sending a visit again
does through the API. With scripts on, the page sends the form to ``/record/sync`` and,
when there is no network, keeps the visit on the phone (its *outbox*, ``outbox.js``) and
sends it, under the same id, once the network is back: the service worker
(:mod:`doorstep.web.offline`) keeps the form itself so that it opens without a network.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import Field
from sqlalchemy import Engine

from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.api.routes.visits import mark_sent, record_sent
from doorstep.api.schemas import MissedCreate, VisitCreate, VisitRecorded
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.domain.visit_ids import VISIT_ID_MAX
from doorstep.errors import DoorstepError, NotAuthenticated
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.services.visitor_file import record_form_lists
from doorstep.web import field_reasons, i18n
from doorstep.web.pages import render
from doorstep.web.session import SignInNeeded, WebPrincipalDep, signed_in

router = APIRouter(include_in_schema=False)

#: The codes the form offers to tick: what the visitor did, and what came of it.
CODES = {"activity": ACTIVITIES.codes, "outcome": OUTCOMES.codes}

#: The addresses the page's outbox sends visits made, and visits not made, to: JSON in,
#: JSON out (the API's).
SYNC = "/record/sync"
MISSED_SYNC = "/record/missed/sync"

#: A required box the form came without, as pydantic says it of a field not sent.
MISSING = {"type": "missing", "msg": "Field required"}


class VisitSent(VisitCreate):
    """A visit from the page's outbox: the API's, its household and visitor named (the
    page sends a box of spaces as ``""``: refused by its name, as the consent and
    referral forms' are, not looked up as an id)."""

    household: str = Field(min_length=1)
    visitor: str = Field(min_length=1)


class MissedMarked(MissedCreate):
    """A planned visit marked missed from the page's outbox."""

    already: bool = Field(description="True: it was marked missed already (sent again)")


def signed_in_or_401(request: Request, engine: EngineDep) -> Principal:
    """The account of the cookie, or a 401 problem document rather than the sign-in page:
    the outbox must tell "sign in again" from "recorded", and keep the visit."""
    try:
        return signed_in(request, engine)
    except SignInNeeded:
        raise NotAuthenticated(
            Say("not signed in: sign in again, and the visits kept on this phone are sent")
        ) from None


def _form(visitor: str = "", household: str = "") -> dict[str, Any]:
    return {"visitor": visitor, "household": household, "visit_id": str(uuid.uuid4())}


def _lists(engine: Engine, who: Principal, today: dt.date) -> dict[str, Any] | None:
    """A visitor's account's households and visits to record or mark missed, for the form
    to list (none for other accounts, whose areas may hold a region's)."""
    if who.visitor is None:
        return None
    with unit(engine, who) as session:
        return record_form_lists(session, who.visitor, actor=who.actor, today=today)


def _page(
    request: Request,
    engine: EngineDep,
    who: Principal,
    today: dt.date,
    form: dict[str, Any],
    status: int = 200,
    **said: Any,
) -> HTMLResponse:
    """The record page: the form as given, the account's lists, and what was just done."""
    return render(
        request,
        "record.html",
        who,
        status=status,
        today=today,
        form=form,
        sync=SYNC,
        missed_sync=MISSED_SYNC,
        codes=CODES,
        lists=_lists(engine, who, today),
        **said,
    )


@router.get("/record", response_class=HTMLResponse)
def record_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> HTMLResponse:
    """The form, for the household and days given (a case file or a visit planned links
    here) or any; for a visitor's account, with the households it looks after and its
    planned visits gone by."""
    form = {**_form(who.visitor or "", household.strip()), "start": start, "end": end}
    return _page(request, engine, who, today, form)


@router.post("/record", response_class=HTMLResponse)
def record(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()] = "",
    visitor: Annotated[str, Form()] = "",
    start: Annotated[dt.date | None, Form()] = None,
    end: Annotated[dt.date | None, Form()] = None,
    note: Annotated[str, Form()] = "",
    visit_id: Annotated[str, Form(max_length=VISIT_ID_MAX)] = "",
    activity: Annotated[list[str] | None, Form()] = None,
    outcome: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    """The form sent without scripts (or by a browser that has none). Nothing ticked
    states no codes, as at the command line. A required box left blank (a box of spaces
    passes the browser's check, and arrives as none) gives the form back as it was
    filled, saying which box, rather than the general refusal page."""
    form = {
        "household": household,
        "visitor": visitor,
        "start": start,
        "end": end,
        "note": note,
        "visit_id": visit_id or str(uuid.uuid4()),
        "activity": activity or [],
        "outcome": outcome or [],
    }
    missing = [name for name in ("household", "visitor", "start") if not form[name]]
    if missing or start is None:
        error = field_reasons.checked(request, ((name, MISSING) for name in missing))
        return _page(request, engine, who, today, form, status=422, error=error)
    body = VisitCreate(
        household=household,
        visitor=visitor,
        start=start,
        end=end,
        note=note or None,
        visit_id=visit_id.strip() or None,
        activities=activity or None,
        outcomes=outcome or None,
    )
    try:
        done = record_sent(engine, who, body, today)
    except DoorstepError as exc:
        return _page(
            request, engine, who, today, form, status=exc.status, error=i18n.told(request, exc)
        )
    return _page(request, engine, who, today, _form(visitor), done=done, made=body)


@router.post("/record/missed", response_class=HTMLResponse)
def missed(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()],
    visitor: Annotated[str, Form()],
    start: Annotated[dt.date, Form()],
) -> HTMLResponse:
    """A planned visit not made, marked from the page's list without scripts."""
    body = MissedCreate(household=household, visitor=visitor, start=start)
    form = _form(who.visitor or "")
    try:
        marked = mark_sent(engine, who, body, today)
    except DoorstepError as exc:
        return _page(
            request, engine, who, today, form, status=exc.status, error=i18n.told(request, exc)
        )
    return _page(request, engine, who, today, form, missed=body, already=marked.already)


@router.post(SYNC, response_model=VisitRecorded)
def sync(
    body: VisitSent,
    engine: EngineDep,
    who: Annotated[Principal, Depends(signed_in_or_401)],
    today: TodayDep,
) -> VisitRecorded:
    """A visit from the page's outbox, as the API records one (``POST /api/v1/visits``):
    sent again under its id, it answers ``recorded: false`` and records nothing more. A
    refusal is the API's problem document, whose ``detail`` the page shows."""
    return record_sent(engine, who, body, today)


@router.post(MISSED_SYNC, response_model=MissedMarked)
def missed_sync(
    body: MissedCreate,
    engine: EngineDep,
    who: Annotated[Principal, Depends(signed_in_or_401)],
    today: TodayDep,
) -> MissedMarked:
    """A visit not made, from the page's outbox, marked as the API marks one
    (``POST /api/v1/visits/missed``); sent again, it answers ``already: true``."""
    marked = mark_sent(engine, who, body, today)
    return MissedMarked(**body.model_dump(), already=marked.already)
