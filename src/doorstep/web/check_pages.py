"""The checks' pages: stored data that today's rules would refuse, listed so an area's
accounts can correct it (``/checks/sizes``: the years of households with more members in
work than members, as `doorstep check sizes` lists them, a page at a time, and
``/checks/sizes.csv``: the whole list as its CSV file), through the API's route functions
(the same checks, service and trail)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from doorstep.api.deps import EngineDep
from doorstep.api.query_params import Offset
from doorstep.api.routes.checks import list_sizes, sizes_csv_response
from doorstep.errors import DoorstepError
from doorstep.services.list_pages import MOST_PAGE_ROWS, PAGE_ROWS
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/checks", include_in_schema=False)


@router.get("/sizes", response_class=HTMLResponse)
def sizes_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MOST_PAGE_ROWS)] = PAGE_ROWS,
    offset: Offset = 0,
) -> HTMLResponse:
    """A page of the years of the households in an area within the account's (default: its
    own) with more members in work than members, each household linked to its file, with
    what corrects it; links to the pages before and after and to the whole list's file."""
    try:
        page = list_sizes(engine, who, area or None, limit, offset)
    except DoorstepError as exc:
        return refused(request, who, exc)
    # The links keep the list's area and page size; the first page needs no offset.
    options = {"area": page.area or ""} | ({"limit": limit} if limit != PAGE_ROWS else {})
    back = max(offset - limit, 0)
    previous = urlencode(options | ({"offset": back} if back else {})) if offset else None
    following = page.next_offset
    return render(
        request,
        "checks/sizes.html",
        who,
        page=page,
        rows=page.rows,
        area=page.area or "",
        previous=previous,
        next=None if following is None else urlencode(options | {"offset": following}),
        default_rows=PAGE_ROWS,
        download=urlencode({"area": page.area} if page.area else {}),
    )


@router.get("/sizes.csv", response_model=None)
def sizes_csv(
    request: Request, engine: EngineDep, who: WebPrincipalDep, area: str | None = None
) -> Response:
    """The whole list as a CSV file, as `doorstep check sizes --format csv` writes it."""
    try:
        return sizes_csv_response(engine, who, area or None)
    except DoorstepError as exc:
        return refused(request, who, exc)
