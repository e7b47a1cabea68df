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
from sqlalchemy import Engine

from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.api.routes.visits import record_sent
from doorstep.api.schemas import VisitCreate, VisitRecorded
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.errors import DoorstepError, NotAuthenticated
from doorstep.privacy.access import Principal
from doorstep.services.visitor_file import households_to_visit
from doorstep.web.pages import render
from doorstep.web.session import SignInNeeded, WebPrincipalDep, signed_in

router = APIRouter(include_in_schema=False)

#: The codes the form offers to tick: what the visitor did, and what came of it.
CODES = {"activity": ACTIVITIES.codes, "outcome": OUTCOMES.codes}

#: The address the page's outbox sends visits to: JSON in, JSON out (the API's).
SYNC = "/record/sync"


def signed_in_or_401(request: Request, engine: EngineDep) -> Principal:
    """The account of the cookie, or a 401 problem document rather than the sign-in page:
    the outbox must tell "sign in again" from "recorded", and keep the visit."""
    try:
        return signed_in(request, engine)
    except SignInNeeded:
        raise NotAuthenticated(
            "not signed in: sign in again, and the visits kept on this phone are sent"
        ) from None


def _form(visitor: str = "", household: str = "") -> dict[str, Any]:
    return {"visitor": visitor, "household": household, "visit_id": str(uuid.uuid4())}


def _households(engine: Engine, who: Principal, today: dt.date) -> list[dict[str, Any]] | None:
    """A visitor's account's households, for the form to list (none for other accounts,
    whose areas may hold a region's)."""
    if who.visitor is None:
        return None
    with unit(engine, who) as session:
        return households_to_visit(session, who.visitor, actor=who.actor, today=today)


@router.get("/record", response_class=HTMLResponse)
def record_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: str = "",
) -> HTMLResponse:
    """The form, for the household given (a case file links here) or any; for a visitor's
    account, with the households it looks after."""
    form = _form(who.visitor or "", household.strip())
    return render(
        request,
        "record.html",
        who,
        today=today,
        form=form,
        sync=SYNC,
        codes=CODES,
        households=_households(engine, who, today),
    )


@router.post("/record", response_class=HTMLResponse)
def record(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: Annotated[str, Form()],
    visitor: Annotated[str, Form()],
    start: Annotated[dt.date, Form()],
    end: Annotated[dt.date | None, Form()] = None,
    note: Annotated[str, Form()] = "",
    visit_id: Annotated[str, Form()] = "",
    activity: Annotated[list[str] | None, Form()] = None,
    outcome: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    """The form sent without scripts (or by a browser that has none). Nothing ticked
    states no codes, as at the command line."""
    form = {
        "household": household,
        "visitor": visitor,
        "start": start,
        "end": end,
        "note": note,
        "visit_id": visit_id,
        "activity": activity or [],
        "outcome": outcome or [],
    }
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
        return render(
            request,
            "record.html",
            who,
            status=exc.status,
            today=today,
            form=form,
            sync=SYNC,
            codes=CODES,
            households=_households(engine, who, today),
            error=exc.message,
        )
    return render(
        request,
        "record.html",
        who,
        today=today,
        form=_form(visitor),
        sync=SYNC,
        codes=CODES,
        households=_households(engine, who, today),
        done=done,
        made=body,
    )


@router.post(SYNC, response_model=VisitRecorded)
def sync(
    body: VisitCreate,
    engine: EngineDep,
    who: Annotated[Principal, Depends(signed_in_or_401)],
    today: TodayDep,
) -> VisitRecorded:
    """A visit from the page's outbox, as the API records one (``POST /api/v1/visits``):
    sent again under its id, it answers ``recorded: false`` and records nothing more. A
    refusal is the API's problem document, whose ``detail`` the page shows."""
    return record_sent(engine, who, body, today)
