"""Work lists and recording visits: what a field visitor's phone and a coordinator need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import Engine

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.schemas import CancelledVisitRead, MissedCreate, VisitCreate, VisitRecorded
from doorstep.api.work_list_schemas import (
    DueList,
    DueListed,
    PlannedVisitList,
    PlannedVisitListed,
    WorkList,
)
from doorstep.domain.enums import VisitStatus
from doorstep.domain.ids import file_stem
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import Attempt
from doorstep.reports.calendar import ics_filename
from doorstep.reports.render import XLSX_TYPE
from doorstep.services import calendars, list_pages, list_xlsx, visit_records, work_lists
from doorstep.services.list_pages import MOST_PAGE_ROWS, PAGE_ROWS

router = APIRouter(prefix="/visits", tags=["visits"])

#: A work list's kinds, as its routes take them.
Kind = Literal["due", "overdue", "upcoming", "unrecorded"]

_XLSX: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {XLSX_TYPE: {}},
        "description": "The whole list as a workbook: a header of the rows' fields, then "
        "every row, days as dates and ids as text",
    }
}


@router.get("/calendar", response_class=Response)
def calendar(
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    visitor: str | None = None,
    since: Annotated[dt.date | None, Query(description="From this day (default today)")] = None,
) -> Response:
    """The visitor's visits as an iCalendar file, as `doorstep visits calendar` writes it:
    each visit keeps its UID, and one no longer planned comes back cancelled."""
    return calendar_response(engine, who, visitor, since or today)


def calendar_response(
    engine: Engine, who: Principal, visitor: str | None, since: dt.date
) -> Response:
    """The calendar file of the visitor ``who`` may draw (:func:`access.calendar_visitor`),
    read as one audited read: the API's route and the web app's page both serve this."""
    whose = access.calendar_visitor(who, visitor)
    tried = Attempt(who.actor, "read", "visits", detail={"calendar": whose})
    with unit(engine, who, tried) as session:
        events = calendars.calendar_events(session, whose, actor=who.actor, since=since)
    data, _, _ = calendars.calendar_file(whose, events)
    return Response(
        data,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{ics_filename(whose)}"'},
    )


@router.get("/{kind}.xlsx", response_class=Response, responses=_XLSX)
def work_list_xlsx(
    kind: Kind,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    area: str | None = None,
    visitor: str | None = None,
    team: str | None = None,
    days: Annotated[
        int | None,
        Query(ge=0, le=366, description="Default: 14 for due, 30 for upcoming and unrecorded"),
    ] = None,
    max_gap_days: Annotated[int | None, Query(ge=1, le=3660)] = None,
    as_of: Annotated[dt.date | None, Query(description="The day listed (default: today)")] = None,
) -> Response:
    """The whole list, every page of it, as a spreadsheet (.xlsx): its columns by the rows'
    field names, and read in the trail as its pages are, under each household and visitor
    in it. A list longer than a sheet holds is refused (422)."""
    return work_list_file(
        engine,
        who,
        kind,
        as_of or today,
        area=area,
        visitor=visitor,
        team=team,
        days=days,
        max_gap_days=max_gap_days,
    )


def work_list_file(
    engine: Engine,
    who: Principal,
    kind: str,
    day: dt.date,
    *,
    area: str | None,
    visitor: str | None,
    team: str | None = None,
    days: int | None = None,
    max_gap_days: int | None = None,
    heading: Callable[[str], str] = str,
    shown: Callable[[object], object] = lambda value: value,
    sheet: str | None = None,
) -> Response:
    """The whole ``kind`` list ``who`` may draw (:func:`access.list_area`,
    :func:`access.list_visitor`) as a workbook, its columns headed by ``heading`` and its
    values as ``shown`` shows them (by default the API's words), read as one audited read
    of every row: the API's route and the list pages' download both serve this."""
    with unit(engine, who) as session:
        conn = session.connection()
        area = access.list_area(conn, who, area)
        visitor = access.list_visitor(who, visitor)
        rows = work_lists.work_list(
            session,
            kind,
            actor=who.actor,
            today=day,
            max_gap_days=max_gap_days,
            days=days,
            visitor=visitor,
            team=team,
            area=area,
        )
        list_xlsx.fits_a_sheet(len(rows))  # refused before the commit: nothing read
    columns = work_lists.COLUMNS[kind]
    data = list_xlsx.list_xlsx(
        columns,
        rows,
        header=[heading(c) for c in columns],
        sheet=sheet or kind,
        days=work_lists.DAY_COLUMNS,
        numbers=work_lists.NUMBER_COLUMNS,
        shown=shown,
    )
    whose = "-".join(file_stem(part) for part in (area, team, visitor) if part) or "programme"
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{kind}-{whose}-{day}.xlsx"'},
    )


@router.get("/{kind}", response_model=WorkList)
def work_list(
    kind: Kind,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    area: str | None = None,
    visitor: str | None = None,
    team: str | None = None,
    days: Annotated[
        int | None,
        Query(ge=0, le=366, description="Default: 14 for due, 30 for upcoming and unrecorded"),
    ] = None,
    max_gap_days: Annotated[int | None, Query(ge=1, le=3660)] = None,
    as_of: Annotated[dt.date | None, Query(description="The day listed (default: today)")] = None,
    limit: Annotated[int, Query(ge=1, le=MOST_PAGE_ROWS, description="Rows on the page")] = (
        PAGE_ROWS
    ),
    after: Annotated[
        str | None, Query(description="The `next` of the previous page (none: the first page)")
    ] = None,
) -> DueList | PlannedVisitList:
    """A page of the households due or overdue a visit, or of the visits coming up or gone
    by unrecorded, within the caller's scope."""
    day = as_of or today
    with unit(engine, who) as session:
        conn = session.connection()
        area = access.list_area(conn, who, area)
        visitor = access.list_visitor(who, visitor)
        page = work_lists.work_list_page(
            session,
            kind,
            actor=who.actor,
            today=day,
            max_gap_days=max_gap_days,
            days=days,
            visitor=visitor,
            team=team,
            area=area,
            limit=limit,
            after=None if after is None else list_pages.position(kind, after),
        )
    following = None if page.next_after is None else list_pages.cursor(kind, page.next_after)
    # One route, two shapes of row: the answer's ``kind`` tells a client which.
    if kind in ("due", "overdue"):
        return DueList(
            kind=kind,
            today=day,
            area=area,
            visitor=visitor,
            rows=[DueListed.model_validate(r) for r in page.rows],
            total=page.total,
            start=page.start,
            limit=limit,
            next=following,
        )
    return PlannedVisitList(
        kind=kind,
        today=day,
        area=area,
        visitor=visitor,
        rows=[PlannedVisitListed.model_validate(r) for r in page.rows],
        total=page.total,
        start=page.start,
        limit=limit,
        next=following,
    )


@router.post(
    "",
    response_model=VisitRecorded,
    status_code=status.HTTP_201_CREATED,
    # The answer to a visit sent again: a client must find it in the spec too.
    responses={200: {"model": VisitRecorded, "description": "Sent again: recorded already"}},
)
def record(
    body: VisitCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep, response: Response
) -> VisitRecorded:
    """Record a visit as made; sent again under its ``visit_id``, it is recorded once."""
    done = record_sent(engine, who, body, today)
    if not done.recorded:
        response.status_code = status.HTTP_200_OK
    return done


def record_sent(engine: Engine, who: Principal, body: VisitCreate, today: dt.date) -> VisitRecorded:
    """Record ``body`` as a visit made, in one audited unit, or raise saying why not; sent
    again under its ``visit_id``, answer that it is recorded already. The API's route and
    the web app's outbox (a visit kept on a phone while offline) both send visits here."""
    tried = visit_records.visit_attempt(
        who.actor, body.household, body.visitor, body.start, VisitStatus.DONE
    )
    with unit(engine, who, tried) as session:
        access.check_visit(session.connection(), who, body.household, body.visitor)
        made = visit_records.MadeVisit(
            body.household,
            body.visitor,
            body.start,
            body.end,
            body.note,
            visit_id=body.visit_id,
            activities=tuple(body.activities) if body.activities is not None else None,
            outcome_codes=tuple(body.outcomes) if body.outcomes is not None else None,
        )
        if visit_records.sent_again(session, made, actor=who.actor):
            assert made.visit_id is not None
            return VisitRecorded(visit_id=made.visit_id, recorded=False)
        done = visit_records.record_visit(session, made, actor=who.actor, today=today)
        leave = visit_records.leave_during(
            session, made.visitor, made.start, made.last, actor=who.actor
        )
    assert done.visit_id is not None
    return VisitRecorded(
        visit_id=done.visit_id,
        recorded=True,
        planned_from=done.was_planned,
        cancelled=[CancelledVisitRead(household=h, start=d) for h, d in done.cancelled],
        leave=leave,
    )


@router.post("/missed", status_code=status.HTTP_204_NO_CONTENT)
def missed(body: MissedCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep) -> None:
    """Mark a planned visit as not made: the next plan pulls the household's next visit
    forward. Sent again, it is marked once (and answered the same)."""
    mark_sent(engine, who, body, today)


def mark_sent(
    engine: Engine, who: Principal, body: MissedCreate, today: dt.date
) -> visit_records.Missed:
    """Mark ``body``'s planned visit missed, in one audited unit, or raise saying why not
    (the API's route and the web app's outbox both send here)."""
    tried = visit_records.visit_attempt(
        who.actor, body.household, body.visitor, body.start, VisitStatus.MISSED
    )
    with unit(engine, who, tried) as session:
        access.check_visit(session.connection(), who, body.household, body.visitor)
        return visit_records.mark_missed(
            session, body.household, body.visitor, body.start, actor=who.actor, today=today
        )
