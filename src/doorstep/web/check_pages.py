"""The checks' pages: stored data that today's rules would refuse, listed so an area's
accounts can correct it (``/checks/sizes``: the years of households with more members in
work than members, as `doorstep check sizes` lists them), through the API's route
function (the same checks, service and trail)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from doorstep.api.check_schemas import OverWorkListed
from doorstep.api.deps import EngineDep
from doorstep.api.routes.checks import list_sizes
from doorstep.errors import DoorstepError
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/checks", include_in_schema=False)


@router.get("/sizes", response_class=HTMLResponse)
def sizes_page(
    request: Request, engine: EngineDep, who: WebPrincipalDep, area: str | None = None
) -> HTMLResponse:
    """The years of the households in an area within the account's (default: its own) with
    more members in work than members, each household linked to its file, with what
    corrects it."""
    rows: list[OverWorkListed] = []
    try:
        rows = list_sizes(engine, who, area or None)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(request, "checks/sizes.html", who, rows=rows, area=area or who.area or "")
