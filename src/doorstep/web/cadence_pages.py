"""The programme's cadence as a page (``/cadence``): shown to every account, set by a
manager of the whole programme, through the API's route functions (the same check, service
and trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.cadence import put_cadence, read_cadence
from doorstep.api.schemas import CadenceSet
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.say import Say
from doorstep.web import i18n
from doorstep.web.pages import form_error, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/cadence", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def cadence_page(request: Request, engine: EngineDep, who: WebPrincipalDep) -> HTMLResponse:
    return render(request, "cadence.html", who, cadence=read_cadence(engine, who))


@router.post("", response_class=HTMLResponse)
def set_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    max_gap_days: Annotated[str, Form()] = "",
    stay_days: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Set it; then the page, with the cadence now, or the refusal."""
    typed = {"max_gap_days": max_gap_days.strip(), "stay_days": stay_days.strip()}
    try:
        if not any(typed.values()):  # said in the form's words, not the API's fields
            raise InvalidInput(
                Say(
                    "fill in the most days between two visits, the days in one stay or both: "
                    "there is nothing to set"
                )
            )
        try:
            body = CadenceSet.model_validate({k: v for k, v in typed.items() if v})
        except ValidationError as exc:
            raise form_error(request, exc) from None
        done = put_cadence(body, engine, who, today)
    except DoorstepError as exc:
        return render(
            request,
            "cadence.html",
            who,
            status=exc.status,
            cadence=read_cadence(engine, who),
            error=i18n.told(request, exc),
            form=typed,
        )
    return render(request, "cadence.html", who, cadence=done, saved=True)
