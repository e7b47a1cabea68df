"""The pairing pages of a coordinator: the proposals of their area, making one, and one
proposal's figures and changes with buttons to commit or discard it.

They ask :mod:`doorstep.privacy.access` and call the services as the API's pairing routes
do (:mod:`doorstep.api.routes.pairing`), so the trail records the same acts under the same
actor; a refused commit is recorded as an attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.domain.ids import MAX_OFFSET, MAX_PROPOSAL_ID
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import Attempt
from doorstep.say import Say
from doorstep.web import i18n
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/pairing", include_in_schema=False)

ProposalId = Annotated[int, Path(ge=1, le=MAX_PROPOSAL_ID)]
#: Where a page of a list starts (below 0 is the start, as before).
Offset = Annotated[int, Query(le=MAX_OFFSET)]
#: The proposals, and a proposal's changes, shown on a page at a time.
PAGE = 100


@router.get("", response_class=HTMLResponse)
def proposals(
    request: Request, engine: EngineDep, who: WebPrincipalDep, offset: Offset = 0
) -> HTMLResponse:
    """The proposals of the account's area, newest first, and a form to make one."""
    return _listing(request, engine, who, max(offset, 0))


def _listing(
    request: Request,
    engine: EngineDep,
    who: Principal,
    offset: int = 0,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    from doorstep.services import pairing

    try:
        under = access.pairing_scope(who)
        with unit(engine, who) as session:
            page = pairing.list_proposals(session, under=under, limit=PAGE, offset=offset)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(
        request,
        "pairing/list.html",
        who,
        status=status,
        page=page,
        offset=offset,
        limit=PAGE,
        error=error,
        form=form or {"area": who.area or "", "max_km": 30},
    )


@router.post("", response_model=None)
def propose(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: Annotated[str, Form()],
    max_km: Annotated[float, Form()] = 30.0,
    keep_km: Annotated[str, Form()] = "",
    new_only: Annotated[bool, Form()] = False,
) -> Response:
    """Make a proposal for an area, as the API's ``POST /pairing/proposals`` does; then its
    page."""
    from doorstep.services import pairing
    from doorstep.services.pairing.settings import solve_params

    area = area.strip()
    form = {"area": area, "max_km": max_km, "keep_km": keep_km, "new_only": new_only}
    tried = Attempt(who.actor, "create", "pairing_proposal", detail={"area": area})
    try:
        # As the API's route: the writer's lock only to store the answer.
        with unit(engine, who, tried, lock_first=False) as session:
            access.check_pairing_area(session.connection(), who, area)
            params = solve_params(max_km=max_km, keep_km=_km(keep_km, "keep_km"), balance_m=0)
            view = pairing.propose(
                session, area, params=params, actor=who.actor, today=today, new_only=new_only
            )
    except DoorstepError as exc:
        return _listing(
            request, engine, who, status=exc.status, error=i18n.told(request, exc), form=form
        )
    return RedirectResponse(f"/pairing/{view.id}", status_code=303)


def _km(text: str, name: str) -> float | None:
    """A distance typed in a form, or none when left empty."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(
            Say("%(name)s must be a number of km, not %(text)s", name=name, text=repr(text))
        ) from None


@router.get("/{proposal}", response_class=HTMLResponse)
def proposal_page(
    request: Request,
    proposal: ProposalId,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    offset: Offset = 0,
) -> HTMLResponse:
    """One proposal: its figures, caseloads and churn, a page of its changes, and the
    buttons to commit or discard it."""
    return _proposal(request, engine, who, today, proposal, max(offset, 0))


def _proposal(
    request: Request,
    engine: EngineDep,
    who: Principal,
    today: dt.date,
    proposal: int,
    offset: int = 0,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    from doorstep.services import pairing

    try:
        with unit(engine, who) as session:
            conn = session.connection()
            access.check_proposal(conn, who, proposal)
            # A stale note naming a visitor outside the account's area names no one.
            sees = access.seer(conn, who)
            view = pairing.show(session, proposal, actor=who.actor, today=today, sees=sees)
            changes = pairing.diff(
                session,
                proposal,
                actor=who.actor,
                limit=PAGE,
                offset=offset,
                today=today,
                sees=sees,
            )
    except DoorstepError as exc:
        return refused(request, who, exc)
    f = view.figures
    return render(
        request,
        "pairing/proposal.html",
        who,
        status=status,
        view=view,
        stale_reason=None if view.stale_says is None else i18n.told(request, view.stale_says),
        f=f,
        caseloads=sorted(f["caseloads"].items(), key=lambda kv: int(kv[0])),
        changes=changes,
        offset=offset,
        limit=PAGE,
        error=error,
        done=done,
    )


@router.post("/{proposal}/commit", response_class=HTMLResponse)
def commit(
    request: Request, proposal: ProposalId, engine: EngineDep, who: WebPrincipalDep, today: TodayDep
) -> HTMLResponse:
    """Commit the proposal, as the API's commit does: a stale one is refused (409) with
    commit's reason, shown above its figures."""
    from doorstep.services import pairing

    tried = Attempt(who.actor, "update", "pairing_proposal", str(proposal))
    try:
        with unit(engine, who, tried) as session:
            conn = session.connection()
            access.check_proposal(conn, who, proposal)
            counts = pairing.commit(
                session, proposal, actor=who.actor, today=today, sees=access.seer(conn, who)
            )
    except DoorstepError as exc:
        return _refused_act(request, engine, who, today, proposal, exc)
    _ = i18n.gettext_for(request)
    done = _(
        "Committed: %(started)s pairings started, %(ended)s ended, %(kept)s households unchanged."
    ) % {k: f"{counts[k]:,}" for k in ("started", "ended", "kept")}
    return _proposal(request, engine, who, today, proposal, done=done)


@router.post("/{proposal}/discard", response_class=HTMLResponse)
def discard(
    request: Request, proposal: ProposalId, engine: EngineDep, who: WebPrincipalDep, today: TodayDep
) -> HTMLResponse:
    """Discard the proposal without changing any pairing."""
    from doorstep.services import pairing

    try:
        with unit(engine, who) as session:
            access.check_proposal(session.connection(), who, proposal)
            pairing.discard(session, proposal, actor=who.actor)
    except DoorstepError as exc:
        return _refused_act(request, engine, who, today, proposal, exc)
    _ = i18n.gettext_for(request)
    return _proposal(request, engine, who, today, proposal, done=_("Discarded."))


def _refused_act(
    request: Request,
    engine: EngineDep,
    who: Principal,
    today: dt.date,
    proposal: int,
    exc: DoorstepError,
) -> HTMLResponse:
    """A refused commit or discard: on the proposal's page when the account may see it
    (a stale one, say), else the refusal alone."""
    if exc.status in (401, 403, 404, 422):
        return refused(request, who, exc)
    return _proposal(
        request, engine, who, today, proposal, status=exc.status, error=i18n.told(request, exc)
    )
