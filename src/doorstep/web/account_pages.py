"""The accounts page: a manager lists the accounts of its area, makes one, gives one a
token (shown on the page this once, to hand over) and disables one, through the API's
route functions (the same checks, services and trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.api.account_schemas import TokenIssued
from doorstep.api.deps import EngineDep
from doorstep.api.routes.accounts import (
    AccountCreate,
    TokenCreate,
    add_account,
    disable_account,
    issue_token,
    list_accounts,
)
from doorstep.errors import DoorstepError
from doorstep.privacy.access import Principal
from doorstep.services.accounts import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, ROLES
from doorstep.web import i18n
from doorstep.web.labels import label
from doorstep.web.pages import form_error, refused, render
from doorstep.web.session import WebPrincipalDep

router = APIRouter(prefix="/accounts", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def accounts_page(
    request: Request, engine: EngineDep, who: WebPrincipalDep, after: str | None = None
) -> HTMLResponse:
    return _listing(request, engine, who, after or None)


@router.post("", response_class=HTMLResponse)
def add_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    area: Annotated[str, Form()] = "",
    visitor: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Make the account; then the list, saying how to give it a token."""
    try:
        body = AccountCreate(
            name=name.strip(),
            role=role,
            area=area.strip() or None,
            visitor=visitor.strip() or None,
        )
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        row = add_account(body, engine, who)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("Made account %(name)s (%(role)s). Give it a token below.") % {
        "name": row.name,
        "role": label(_, row.role),
    }
    return _listing(request, engine, who, None, said=said, chosen=row.name)


@router.post("/token", response_class=HTMLResponse)
def token_form(
    request: Request,
    engine: EngineDep,
    who: WebPrincipalDep,
    name: Annotated[str, Form()],
    days: Annotated[int, Form()] = DEFAULT_TOKEN_DAYS,
) -> HTMLResponse:
    """A new token, shown once on the page that answers."""
    try:
        body = TokenCreate(days=days)
    except ValidationError as exc:
        return refused(request, who, form_error(request, exc))
    try:
        made = issue_token(name.strip(), engine, who, body)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return _listing(request, engine, who, None, token=made, chosen=made.account)


@router.post("/disable", response_class=HTMLResponse)
def disable_form(
    request: Request, engine: EngineDep, who: WebPrincipalDep, name: Annotated[str, Form()]
) -> HTMLResponse:
    try:
        out = disable_account(name.strip(), engine, who)
    except DoorstepError as exc:
        return refused(request, who, exc)
    _ = i18n.gettext_for(request)
    said = _("Disabled account %(name)s; %(n)s token(s) revoked.") % {
        "name": out.account,
        "n": out.tokens_revoked,
    }
    return _listing(request, engine, who, None, said=said)


def _listing(
    request: Request,
    engine: EngineDep,
    who: Principal,
    after: str | None,
    *,
    said: str = "",
    token: TokenIssued | None = None,
    chosen: str = "",
) -> HTMLResponse:
    try:
        page = list_accounts(engine, who, after)
    except DoorstepError as exc:
        return refused(request, who, exc)
    return render(
        request,
        "accounts.html",
        who,
        rows=page.accounts,
        next=page.next,
        said=said,
        token=token,
        chosen=chosen,
        roles=ROLES,
        days=DEFAULT_TOKEN_DAYS,
        max_days=MAX_TOKEN_DAYS,
    )
