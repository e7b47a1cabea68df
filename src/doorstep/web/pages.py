"""The pages: sign in, the work lists, recording a visit, the report, a household's or a
visitor's data (its export, its erasure).

Each page asks :mod:`doorstep.privacy.access` what the account may see, as the API does,
and calls the same services in one unit of work (:func:`doorstep.api.deps.unit`), so the
trail records a page's reads and writes as it records the API's. A refusal is shown on the
page, with its status, in the words the command line uses.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError
from sqlalchemy import Engine

from doorstep.api import errors as api_errors
from doorstep.api.app import PREFIX
from doorstep.api.deps import EngineDep, TodayDep, unit
from doorstep.api.query_params import PovertyLine
from doorstep.api.routes import rights
from doorstep.api.routes.visits import Kind, calendar_response, work_list_file
from doorstep.domain.days import FIRST_DAY, FIRST_YEAR
from doorstep.domain.ids import file_stem, normal_id
from doorstep.domain.lengths import LONGEST, TITLE_MAX
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE
from doorstep.domain.work_lists import DEFAULT_DAYS
from doorstep.errors import DoorstepError, InvalidInput, NotAuthenticated
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.reports.build import By, ProgrammeReport
from doorstep.reports.outcomes_render import outcomes_chart_svg
from doorstep.reports.render import XLSX_TYPE, chart_svg
from doorstep.say import Say
from doorstep.services import (
    accounts,
    household_rights,
    list_pages,
    outcomes,
    registry,
    reporting,
    rights_json,
    visitor_rights,
    work_lists,
)
from doorstep.services.cadence import programme_cadence
from doorstep.services.list_pages import MOST_PAGE_ROWS, PAGE_ROWS
from doorstep.storage.session import unit_of_work
from doorstep.web import field_reasons, i18n, trail_detail
from doorstep.web.labels import ACTIONS, LABELS, N_, RECORDS, label, named
from doorstep.web.session import COOKIE, SignInNeeded, WebPrincipalDep, signed_in

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)

_Answer = TypeVar("_Answer", bound=Response)


def _templates(tag: str) -> Jinja2Templates:
    """The pages in one language: an environment of its own, its catalogue installed, so a
    macro imported without the page's context translates too and no request can see
    another's language."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    # Whitespace inside {% trans %} is folded, as babel.cfg extracts it.
    env.policies["ext.i18n.trimmed"] = True
    words = i18n.translations(tag)
    env.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    env.filters["label"] = lambda code: label(words.gettext, code)
    # The audit trail's and the imports' names of records and actions.
    env.filters["record"] = lambda code: named(words.pgettext, RECORDS, code)
    env.filters["action"] = lambda code: named(words.pgettext, ACTIONS, code)
    # An audit event's detail: each key by its label, its codes by their names.
    env.filters["detail"] = lambda detail: trail_detail.shown(detail, words.gettext, words.pgettext)
    # A line a service wrote (a work list's status) in the page's language.
    env.filters["said"] = lambda value: i18n.shown_in(tag, value)
    env.globals.update(
        lang=tag,
        languages={t: n for t, (n, _) in i18n.LANGUAGES.items()},
        # Every code's label, for the page's scripts (outbox.js) to show.
        code_labels=lambda: {code: label(words.gettext, code) for code in LABELS},
        # The forms' maxlength: the columns' sizes.
        longest=LONGEST,
        # The forms' min of a day and a year: the first day a record may hold.
        first_day=FIRST_DAY.isoformat(),
        first_year=FIRST_YEAR,
    )
    return Jinja2Templates(env=env)


templates = {tag: _templates(tag) for tag in i18n.LANGUAGES}


#: The pages with a box for an area's code, which offers the account's areas to pick
#: (``list="areas"``: the ``<datalist>`` base.html writes from ``area_choices``).
AREA_FORMS = frozenset(
    {
        *("accounts.html", "activities.html", "audit.html", "exclusions.html", "figures.html"),
        *("list.html", "outcomes.html", "planning.html", "projects.html", "referrals.html"),
        *("checks/sizes.html", "pairing/list.html"),
    }
)


#: The pages with a box for an organisation's code, which offers the programme's
#: organisations to pick (``list="organisations"``, written by base.html).
ORGANISATION_FORMS = frozenset({"activities.html", "projects.html", "refer.html", "referrals.html"})


def _in_language(answer: _Answer, tag: str) -> _Answer:
    """``answer`` marked as said in the language ``tag``: the same address answers in the
    language the cookie or the header asks for, so a cache keeps each apart."""
    answer.headers["Content-Language"] = tag
    answer.headers["Vary"] = "Accept-Language, Cookie"
    return answer


def _to_pick(request: Request, name: str, who: Principal) -> dict[str, Any]:
    """What the page's boxes offer to pick (base.html's lists), read in one unit: the
    account's areas (not a visitor's, who chooses none) and the organisations."""
    areas = who.role != "visitor" and name in AREA_FORMS
    organisations = name in ORGANISATION_FORMS
    lists: dict[str, Any] = {}
    if not (areas or organisations):
        return lists
    with unit_of_work(request.app.state.engine) as session:
        if areas:
            lists["area_choices"] = registry.area_choices(session, who.area_path)
            lists["more_areas"] = len(lists["area_choices"]) >= registry.AREA_CHOICES
        if organisations:
            lists["organisation_choices"] = registry.organisation_choices(session)
    return lists


def render(
    request: Request, name: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    tag = i18n.language(request)
    if who is not None:
        context |= _to_pick(request, name, who)
    page = templates[tag].TemplateResponse(
        request, name, {"who": who, **context}, status_code=status
    )
    return _in_language(page, tag)


def refused(request: Request, who: Principal | None, error: DoorstepError) -> HTMLResponse:
    return render(request, "error.html", who, status=error.status, error=i18n.told(request, error))


def form_error(request: Request, exc: ValidationError) -> InvalidInput:
    """A form's fields the route's model refuses, named, with the first reason (pydantic's,
    in the page's language)."""
    _ = i18n.gettext_for(request)
    fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
    return InvalidInput(
        _("check %(fields)s: %(why)s")
        % {"fields": fields, "why": field_reasons.why(request, exc.errors()[0])}
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", None)


@router.post("/login", response_model=None)
def login(request: Request, engine: EngineDep, token: Annotated[str, Form()]) -> Response:
    try:
        with unit_of_work(engine) as session:
            accounts.authenticate(session, token.strip())
    except NotAuthenticated as exc:
        return render(request, "login.html", None, status=401, error=i18n.told(request, exc))
    done = RedirectResponse("/", status_code=303)
    done.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return done


@router.post("/logout")
def logout() -> RedirectResponse:
    done = RedirectResponse("/login", status_code=303)
    done.delete_cookie(COOKIE)
    return done


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: WebPrincipalDep) -> HTMLResponse:
    return render(request, "home.html", who)


@router.get("/areas/choices")
def area_matches(
    engine: EngineDep, who: WebPrincipalDep, q: Annotated[str, Query(max_length=TITLE_MAX)] = ""
) -> list[tuple[str, str]]:
    """The account's areas whose code starts with ``q`` or whose name holds it, as
    ``[code, name]``: what an area's box offers as it is typed in, where the page's own
    list was cut short (``site.js``). A visitor's account chooses no area: none."""
    if who.role == "visitor":
        return []
    with unit_of_work(engine) as session:
        return registry.area_choices(session, who.area_path, q, registry.AREA_MATCHES)


#: Each list's title, as its page says it (list.html) and its workbook names its sheet:
#: one table for both.
LIST_TITLES = {
    "due": N_("Due"),
    "overdue": N_("Overdue"),
    "upcoming": N_("Upcoming"),
    "unrecorded": N_("Not recorded"),
}


@router.get("/lists/{kind}.xlsx", response_model=None)
def work_list_xlsx(
    request: Request,
    kind: Kind,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
    days: Annotated[int | None, Query(ge=0, le=366)] = None,
    visitor: str | None = None,
) -> Response:
    """The whole list, every page of it, as a spreadsheet: its columns labelled as the
    page labels them and its statuses in the page's language, read in the trail as the
    page's rows are (as `GET /api/v1/visits/{kind}.xlsx`, whose columns are the API's)."""
    tag = i18n.language(request)
    words = i18n.translations(tag).gettext
    try:
        answer = work_list_file(
            engine,
            who,
            kind,
            today,
            area=area or None,
            visitor=visitor or None,
            days=days,
            heading=lambda column: label(words, column).capitalize(),  # as list.html's
            shown=lambda value: i18n.shown_in(tag, value),
            sheet=words(LIST_TITLES[kind]),
        )
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _in_language(answer, tag)


@router.get("/lists/{kind}", response_class=HTMLResponse)
def work_list(
    request: Request,
    kind: Kind,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
    days: Annotated[int | None, Query(ge=0, le=366)] = None,
    limit: Annotated[int, Query(ge=1, le=MOST_PAGE_ROWS)] = PAGE_ROWS,
    after: str | None = None,
) -> HTMLResponse:
    days = DEFAULT_DAYS[kind] if days is None else days
    try:
        with unit(engine, who) as session:
            shown = access.list_area(session.connection(), who, area or None)
            # The web's lists take no cadence of their own: the programme's, read once
            # here in the list's own transaction and said on the page.
            gap = programme_cadence(session.connection()).max_gap_days
            page = work_lists.work_list_page(
                session,
                kind,
                actor=who.actor,
                today=today,
                max_gap_days=gap,
                days=days,
                visitor=access.list_visitor(who, None),
                area=shown,
                limit=limit,
                after=list_pages.position(kind, after) if after else None,
            )
    except DoorstepError as exc:
        return refused(request, who, exc)
    # The links keep the list's options; the first page needs no cursor.
    options = {"area": shown or "", "days": days, "limit": limit}
    previous = next_ = None
    if page.start > 0:
        back = page.previous_after
        previous = urlencode(options | ({"after": list_pages.cursor(kind, back)} if back else {}))
    if page.next_after is not None:
        next_ = urlencode(options | {"after": list_pages.cursor(kind, page.next_after)})
    # The whole list to take away, chosen as the page chose it: its area and days.
    download = urlencode(({"area": shown} if shown else {}) | {"days": days})
    return render(
        request,
        "list.html",
        who,
        kind=kind,
        area=shown,
        days=days,
        gap=gap if kind in ("due", "overdue") else None,
        today=today,
        page=page,
        page_rows=limit,
        previous=previous,
        next=next_,
        download=download,
        columns=work_lists.COLUMNS[kind],
        title=LIST_TITLES[kind],
    )


@router.get("/calendar.ics", response_model=None)
def calendar(
    request: Request, engine: EngineDep, who: WebPrincipalDep, today: TodayDep
) -> Response:
    """A visitor's own calendar file, to open in a calendar app."""
    try:
        return calendar_response(engine, who, None, today)
    except DoorstepError as exc:
        return refused(request, who, exc)


def _figures(
    engine: Engine,
    who: Principal,
    today: dt.date,
    area: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> ProgrammeReport:
    """The figures the page shows and its file holds: one report read, one trail event."""
    access.check_report(who)
    with unit(engine, who) as session:
        shown = access.list_area(session.connection(), who, area or None)
        return reporting.programme_report(
            session, actor=who.actor, today=today, area=shown, start=start, end=end
        )


FromDay = Annotated[dt.date | None, Query(alias="from")]
ToDay = Annotated[dt.date | None, Query(alias="to")]


@router.get("/figures", response_class=HTMLResponse)
def figures(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
    start: FromDay = None,
    end: ToDay = None,
) -> HTMLResponse:
    """An area's figures by the areas within it (each a link to its own) and by month,
    from ``from`` to ``to`` (default: the twelve months up to today), as `doorstep
    report` gives them, with the chart of visits made and missed and links to them as
    spreadsheets."""
    try:
        built = _figures(engine, who, today, area, start, end)
    except DoorstepError as exc:
        return refused(request, who, exc)
    period = {"from": built.start, "to": built.end}
    return render(
        request,
        "figures.html",
        who,
        report=built,
        months=built.total_months(),
        rows=[dataclasses.asdict(a) for a in built.areas],
        # In the page, not a second request: one report read, one audit event.
        # No visit made or missed in the period: a sentence says so, not an empty chart.
        chart=_chart(request, functools.partial(chart_svg, built)) if built.any_visit else None,
        period=period,
        files={
            by: urlencode(({"area": built.area.code} if built.area else {}) | period | {"by": by})
            for by in By
        },
    )


@router.get("/figures.xlsx", response_model=None)
def figures_file(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    area: str | None = None,
    start: FromDay = None,
    end: ToDay = None,
    by: By = By.area,
) -> Response:
    """The page's figures as a spreadsheet, as `doorstep report --by BY --out FILE.xlsx`
    writes them (the code counts too)."""
    try:
        built = _figures(engine, who, today, area, start, end)
    except DoorstepError as exc:
        return refused(request, who, exc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.xlsx"
        reporting.write_report(built, by, path)
        data = path.read_bytes()
    stem = file_stem(built.area.code) if built.area else "programme"
    name = f"figures-{stem}-{by}-{built.start}-{built.end}.xlsx"
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _chart(request: Request, svg: Callable[[Callable[[Say], str]], bytes]) -> str:
    """A chart drawn in the page's language, for ``<img src="data:image/svg+xml;base64,">``:
    SVG, whose words the browser draws with its own fonts (Chinese too, which the charts'
    bundled font has no glyphs for)."""
    return base64.b64encode(svg(lambda words: i18n.told(request, words))).decode("ascii")


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    area: str | None = None,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=2200)] = None,
    poverty_line: PovertyLine = DEFAULT_POVERTY_LINE,
) -> HTMLResponse:
    """The households' outcomes of an area, as `doorstep outcomes` gives them, with the
    chart of its shares by year."""
    try:
        access.check_report(who)
        with unit(engine, who) as session:
            shown = access.list_area(session.connection(), who, area or None)
            built = outcomes.household_outcomes(
                session, actor=who.actor, area=shown, year=year, poverty_line=poverty_line
            )
    except DoorstepError as exc:
        return refused(request, who, exc)
    drawn = bool(built.by_year)  # none reported: no chart of nothing, as at the command line
    return render(
        request,
        "outcomes.html",
        who,
        report=built,
        chart=_chart(request, functools.partial(outcomes_chart_svg, built)) if drawn else None,
    )


def typed_ids(typed: str) -> list[str]:
    """Ids typed in a form's box: one a line, or separated by commas or spaces."""
    return [part for part in re.split(r"[\s,;]+", typed) if part]


Subject = Literal["household", "visitor"]


def _subject_page(
    request: Request,
    engine: EngineDep,
    who: Principal,
    subject: Subject,
    given: str | None,
) -> HTMLResponse:
    """The page of a household's or visitor's data: the id to open, its export to download
    and, for a manager, the form that erases it. An id outside the account's scope is
    refused here, as its export would be; one within it is shown, and so read in the trail
    under it (as the id alone tells the account that this person is on record)."""
    if not given:
        return render(request, "rights.html", who, subject=subject, id=None)
    external_id = normal_id(given)
    try:
        with unit(engine, who) as session:
            check = (
                access.check_household_export
                if subject == "household"
                else access.check_visitor_export
            )
            check(session.connection(), who, external_id)
            # As its export would: an id no one has (or had) is said so, not shown as one.
            found = (
                household_rights.on_record if subject == "household" else visitor_rights.on_record
            )
            found(session, external_id)
            rights_json.rights_page_read(
                session, entity=subject, external_id=external_id, actor=who.actor
            )
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(request, "rights.html", who, subject=subject, id=external_id)


def _erase(
    request: Request,
    engine: EngineDep,
    who: Principal,
    today: dt.date,
    subject: Subject,
    given: str,
    confirm: str,
) -> HTMLResponse:
    erase = rights.erase_household if subject == "household" else rights.erase_visitor
    try:
        done = erase(engine, who, given, confirm, today)
    except DoorstepError as exc:
        return render(
            request,
            "rights.html",
            who,
            status=exc.status,
            subject=subject,
            id=normal_id(given),
            error=i18n.told(request, exc),
        )
    return render(request, "rights.html", who, subject=subject, id=None, erased=done)


@router.get("/household", response_class=HTMLResponse)
def household_page(
    request: Request, engine: EngineDep, who: WebPrincipalDep, id: str | None = None
) -> HTMLResponse:
    return _subject_page(request, engine, who, "household", id)


@router.get("/household/export", response_model=None)
def household_export(
    request: Request, engine: EngineDep, who: WebPrincipalDep, id: str
) -> Response:
    """Everything held about the household, as `doorstep household export` writes it."""
    try:
        return rights.export_response(engine, who, "household", id)
    except DoorstepError as exc:
        return refused(request, who, exc)


@router.post("/household/erase", response_class=HTMLResponse)
def household_erase(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    id: Annotated[str, Form()],
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    return _erase(request, engine, who, today, "household", id, confirm)


@router.get("/visitor", response_class=HTMLResponse)
def visitor_page(
    request: Request, engine: EngineDep, who: WebPrincipalDep, id: str | None = None
) -> HTMLResponse:
    return _subject_page(request, engine, who, "visitor", id)


@router.get("/visitor/export", response_model=None)
def visitor_export(request: Request, engine: EngineDep, who: WebPrincipalDep, id: str) -> Response:
    """Everything held about the visitor, as `doorstep visitor export` writes it."""
    try:
        return rights.export_response(engine, who, "visitor", id)
    except DoorstepError as exc:
        return refused(request, who, exc)


@router.post("/visitor/erase", response_class=HTMLResponse)
def visitor_erase(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    id: Annotated[str, Form()],
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    return _erase(request, engine, who, today, "visitor", id, confirm)


def install(app: FastAPI) -> None:
    """Add the pages to ``app``: a page asked for without signing in sends the browser to
    the sign-in page."""

    async def to_login(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    def invalid(request: Request, exc: Exception) -> Response:
        """A page's address or form its types refuse (``days=abc``, a year before 1900):
        the page saying which field and why, where the API gets a problem document (and a
        page's script, which sends JSON, one whose ``detail`` is the page's words)."""
        assert isinstance(exc, RequestValidationError)
        path = request.url.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return api_errors.invalid(exc)
        checked = field_reasons.checked(
            request, ((str(e["loc"][-1]), e) for e in exc.errors() if e["loc"])
        )
        if request.headers.get("content-type", "").startswith("application/json"):
            # A page's script (the outbox), which shows the ``detail``: the page's words.
            return _in_language(api_errors.invalid(exc, detail=checked), i18n.language(request))
        try:
            who = signed_in(request, request.app.state.engine)
        except SignInNeeded:
            if path == "/login" and request.method == "POST":  # the sign-in form: said on it
                return render(request, "login.html", None, status=422, error=checked)
            return RedirectResponse("/login", status_code=303)
        return refused(request, who, InvalidInput(checked))

    def refused_script(request: Request, exc: Exception) -> Response:
        """A refusal answered to a page's script (the outbox's sync addresses), whose
        ``detail`` the page shows: in the page's language. The API's, under its prefix,
        stays in English, the same for every client."""
        assert isinstance(exc, DoorstepError)
        path = request.url.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return api_errors.problem(exc)
        answer = api_errors.problem(exc, detail=i18n.told(request, exc))
        return _in_language(answer, i18n.language(request))

    app.add_exception_handler(SignInNeeded, to_login)
    app.add_exception_handler(RequestValidationError, invalid)
    # In place of the API's handler (the site is one app): the same document, in the
    # page's language off the API's prefix.
    app.add_exception_handler(DoorstepError, refused_script)
    app.include_router(router)
    app.include_router(i18n.router)
