"""Stored data that today's rules would refuse, as `doorstep check` finds it, so that an
area's accounts can correct it: the years of households with more members in work than
members, a page at a time or as the command's CSV file."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Engine

from doorstep.api.check_schemas import OverWorkList, OverWorkListed
from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.domain.ids import MAX_OFFSET, file_stem
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.services import size_check
from doorstep.services.list_csv import csv_text
from doorstep.services.list_pages import MOST_PAGE_ROWS, PAGE_ROWS

router = APIRouter(prefix="/checks", tags=["checks"])

_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The list, as `check sizes --format csv`"}
}


@router.get("/sizes", response_model=OverWorkList)
def list_sizes(
    engine: EngineDep,
    who: PrincipalDep,
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MOST_PAGE_ROWS, description="Rows on the page")] = (
        PAGE_ROWS
    ),
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="The first row's index in the list")
    ] = 0,
) -> OverWorkList:
    """A page of the years of the households in an area within the caller's (default: its
    own) whose members in work are more than their members, by household then year: `check
    sizes`, read in the trail as it reads them (area accounts only); ``next_offset`` asks
    for the next page."""
    access.check_sizes(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area)
        page = size_check.over_work_page(
            session, actor=who.actor, area=shown, limit=limit, offset=offset
        )
    following = offset + len(page.rows)
    return OverWorkList(
        area=shown,
        total=page.total,
        offset=offset,
        limit=limit,
        next_offset=following if page.rows and following < page.total else None,
        rows=[OverWorkListed.model_validate(r) for r in page.rows],
    )


@router.get("/sizes.csv", response_class=Response, responses=_CSV)
def sizes_csv(engine: EngineDep, who: PrincipalDep, area: str | None = None) -> Response:
    """The whole list as a CSV file, as `doorstep check sizes --format csv` writes it and
    read in the trail as it reads it: to correct in a spreadsheet and import."""
    return sizes_csv_response(engine, who, area)


def sizes_csv_response(engine: Engine, who: Principal, area: str | None) -> Response:
    """The list of the area ``who`` may list (:func:`access.list_area`) as a CSV file, read
    as the command reads it: the API's route and the web app's download both serve this."""
    access.check_sizes(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area)
        rows = size_check.over_work(session, actor=who.actor, area=shown)
    name = f"household-sizes-{file_stem(shown)}.csv" if shown else "household-sizes.csv"
    return Response(
        csv_text(size_check.COLUMNS, [asdict(r) for r in rows]),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
