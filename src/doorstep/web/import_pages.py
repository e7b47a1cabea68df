"""The import page: a manager or a coordinator uploads a registry file, as
`doorstep import` imports it (all rows or none), through the API's route function; a file
refused shows its errors by row and column, and nothing was written. An area's account
imports the rows of its own area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from doorstep.api.deps import EngineDep, TodayDep
from doorstep.api.routes.imports import (
    MAX_LISTED,
    UploadRejected,
    import_sent,
    template_response,
)
from doorstep.errors import DoorstepError
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.services.importing import IMPORTS
from doorstep.services.importing.columns import PERIODS
from doorstep.web import i18n
from doorstep.web.labels import RECORDS, named
from doorstep.web.pages import refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/imports", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def imports_page(request: Request, who: WebPrincipalDep, kind: str = "") -> HTMLResponse:
    """The form, ``kind`` chosen (a page that says what file corrects its rows links here
    with it)."""
    try:
        access.check_import(who)  # a visitor's account is told before it picks a file
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _page(request, who, kind)


@router.get("/{kind}.xlsx", response_model=None)
def import_template(request: Request, who: WebPrincipalDep, kind: str) -> Response:
    """An empty workbook for a file of ``kind``: its columns as the header, each one's note
    in the page's language (as the API's ``GET /imports/{entity}/template.xlsx``). It
    holds no one's data, so it is not the trail's."""
    _ = i18n.gettext_for(request)
    try:
        return template_response(
            who,
            kind,
            _told(request),
            lambda required: _("required") if required else _("optional"),
        )
    except DoorstepError as exc:
        return refused(request, who, exc)


@router.post("", response_class=HTMLResponse)
def import_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    today: TodayDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    replace: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Import the file; then the page, with what was written or why nothing was."""

    def tell(said: Say) -> str:
        return i18n.told(request, said)

    try:
        done = import_sent(kind, file, engine, who, today, replace, tell=tell)
    except UploadRejected as exc:
        return _page(request, who, kind, rejected=exc.told(tell), status=exc.status)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    sheet = f" ({done.sheet})" if done.sheet else ""
    said = _(
        "Imported %(file)s as %(entity)s: %(rows)s, %(added)s added, %(updated)s updated, "
        "%(unchanged)s unchanged."
    ) % {
        "file": f"{done.file}{sheet}",
        "entity": named(i18n.translations(i18n.language(request)).pgettext, RECORDS, done.entity),
        "rows": _rows(request, done.rows),
        "added": f"{done.created:,}",
        "updated": f"{done.updated:,}",
        "unchanged": f"{done.unchanged:,}",
    }
    return _page(request, who, kind, said=said, notes=done.notes)


def _page(
    request: Request,
    who: Principal,
    kind: str = "",
    *,
    said: str = "",
    notes: list[str] | None = None,
    rejected: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "imports.html",
        who,
        status=status,
        told=_told(request),
        schemas=list(IMPORTS.values()),
        periods=list(PERIODS),
        chosen=kind,
        said=said,
        notes=notes or [],
        rejected=rejected,
        most=MAX_LISTED,
    )


def _rows(request: Request, n: int) -> str:
    ngettext = i18n.translations(i18n.language(request)).ngettext
    return ngettext("%(n)s row", "%(n)s rows", n) % {"n": f"{n:,}"}


def _told(request: Request) -> Callable[[str | Say], str]:
    """How the page says a file's summary or a column's help: in its language."""

    def told(text: str | Say) -> str:
        return i18n.told(request, text) if isinstance(text, Say) else text

    return told
