"""The audit trail page: a manager reads who did what to whose data, filtered by actor,
person, area and days, newest first, through the API's route function (the same check,
service and trail: the reading is recorded)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from doorstep.api.deps import EngineDep
from doorstep.api.query_params import EventsBefore
from doorstep.api.routes.audit import read_trail
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.say import Say
from doorstep.services.audit_trail import ACTIONS
from doorstep.web.labels import RECORDS
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/audit", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def audit_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    actor: str = "",
    action: str = "",
    entity: str = "",
    household: str = "",
    visitor: str = "",
    area: str = "",
    since: str = "",
    until: str = "",
    before: EventsBefore = None,
) -> HTMLResponse:
    asked = {
        "actor": actor.strip(),
        "action": action.strip(),
        "entity": entity.strip(),
        "household": household.strip(),
        "visitor": visitor.strip(),
        "area": area.strip(),
        "since": since.strip(),
        "until": until.strip(),
    }
    try:
        page = read_trail(
            engine,
            who,
            actor=asked["actor"] or None,
            action=asked["action"] or None,
            entity=asked["entity"] or None,
            household=asked["household"] or None,
            visitor=asked["visitor"] or None,
            area=asked["area"] or None,
            since=_day("since", asked["since"]),
            until=_day("until", asked["until"]),
            before=before,
        )
    except DoorstepError as exc:
        return refused(request, who, exc)
    more = {k: v for k, v in asked.items() if v} | {"before": page.next}
    return render(
        request,
        "audit.html",
        who,
        events=page.events,
        asked=asked,
        more=more,
        next=page.next,
        actions=ACTIONS,
        records=list(RECORDS),
    )


def _day(name: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            Say("%(name)s is not a day (YYYY-MM-DD): %(text)s", name=name, text=repr(text))
        ) from None
