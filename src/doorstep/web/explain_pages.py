"""A household's pairing explained (``/pairing/explain?household=ID``): its visitor and
distance in a proposal, or why it has none, and the nearest other visitors with why each
was not chosen, as `doorstep pair explain` and the API's ``/households/{id}/pairing`` give
it.

The page asks :func:`doorstep.privacy.access.check_household` and calls
:func:`~doorstep.services.pairing.explanations.explain_household` in one unit of work, as
the API's route does, so the trail records the same reads under the same actor. Its
reasons are codes, shown by their labels (:mod:`doorstep.web.labels`); why a proposal is
stale is the service's ``Say``. A nearby visitor whose home area is outside the account's
(:func:`doorstep.privacy.access.visitors_seen`) is listed as "a visitor outside your area",
by its distance and reason alone, and is not read in the trail. The proposal is named, and
linked only for an account that may open it (:func:`doorstep.privacy.access.may_read_proposal`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.domain.ids import MAX_PROPOSAL_ID, normal_id
from doorstep.errors import DoorstepError
from doorstep.privacy import access
from doorstep.web import i18n
from doorstep.web.labels import N_
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/pairing", include_in_schema=False)

#: The alternatives listed unless more are asked for, as the API and the command line list.
ALTERNATIVES = 5
#: The most a page lists, as the API's ``alternatives`` allows.
MOST_ALTERNATIVES = 100

#: What each reason an alternative was not chosen means, for the reasons a page shows
#: (docs/pairing.md, "Explanations"): a label alone ("continuity") leaves a reader guessing.
MEANINGS: dict[str, str] = {
    "full": N_("every place is taken by households that are better off with this visitor"),
    "farther": N_("has room, but is farther than the visitor chosen"),
    "as_near": N_("has room and is exactly as near as the visitor chosen"),
    "no_shared_language": N_("the household and the visitor share no language"),
    "excluded": N_("the household and the visitor are kept apart"),
    "outside_service_area": N_("the household lives outside the visitor's service area"),
    "other_pool": N_("the visitor is in a remote pool meant for other households"),
    "inactive": N_("the visitor is not active (not started yet, or gone)"),
    "no_consent": N_("the household does not consent to visits"),
    "continuity": N_(
        "nearer, but not by more than the proposal's continuity distance: the current visitor stays"
    ),
    "balance": N_("nearer with room, but the caseloads would be less even"),
    "no_gain": N_(
        "nearer with room, but the pairing as computed gained nothing by it (a run stopped "
        "early, or the visitor had no room when it was computed)"
    ),
}


@router.get("/explain", response_class=HTMLResponse)
def explain_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    household: str = "",
    proposal: Annotated[int | None, Query(ge=1, le=MAX_PROPOSAL_ID)] = None,
    alternatives: Annotated[int, Query(ge=1, le=MOST_ALTERNATIVES)] = ALTERNATIVES,
) -> HTMLResponse:
    """The form that asks for a household; with ``household``, why it has its visitor in
    the latest open or committed proposal that holds it (or ``proposal``), and why not the
    ``alternatives`` nearest others."""
    typed = normal_id(household.strip())
    if not typed:
        return render(request, "pairing/explain.html", who, household=None, found=None)
    from doorstep.services.pairing.explanations import explain_household

    try:
        with unit(engine, who) as session:
            conn = session.connection()
            access.check_household(conn, who, typed)
            found = explain_household(
                session,
                typed,
                actor=who.actor,
                proposal_id=proposal,
                limit=alternatives,
                today=today,
                sees=access.seer(conn, who),
            )
            linked = access.may_read_proposal(conn, who, found.proposal.id)
    except DoorstepError as exc:
        return refused(request, who, exc)
    rows = found.alternatives if found.in_area else ()
    _ = i18n.gettext_for(request)
    shown = dict.fromkeys(r.why for r in rows)
    return render(
        request,
        "pairing/explain.html",
        who,
        household=typed,
        found=found,
        e=found.explanation,
        view=found.proposal,
        linked=linked,
        stale_reason=None if found.stale_says is None else i18n.told(request, found.stale_says),
        rows=rows,
        meanings=[(why, _(MEANINGS[why])) for why in shown if why in MEANINGS],
        asked=alternatives,
        more=min(alternatives * 4, MOST_ALTERNATIVES),
    )
