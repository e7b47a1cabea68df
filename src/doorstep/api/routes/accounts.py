"""Accounts kept over the API, as `doorstep account add|token|list|disable` keeps them at the
command line: by a manager, for the accounts of its own area (a visitor's account is its
visitor's home area's), never one that would see more than the manager does.

A token is shown once, in the answer that makes it: only its digest is stored. An account
does not disable itself here (it would lock its manager out); another manager, or the
command line, does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from doorstep.api.account_schemas import AccountDisabled, AccountListed, AccountPage, TokenIssued
from doorstep.api.deps import EngineDep, PrincipalDep, unit
from doorstep.domain.ids import normal_id
from doorstep.domain.lengths import ACCOUNT_NAME_MAX
from doorstep.errors import Conflict
from doorstep.privacy import access
from doorstep.privacy.audit import Attempt
from doorstep.say import Say
from doorstep.services import accounts

router = APIRouter(prefix="/accounts", tags=["accounts"])

AccountName = Annotated[str, Path(min_length=1, max_length=ACCOUNT_NAME_MAX)]


class AccountCreate(BaseModel):
    """An account to make, with the options of `doorstep account add`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=ACCOUNT_NAME_MAX,
        description="No spaces, control characters or text-direction marks",
    )
    # The service refuses another role in its own words; the spec states the choices.
    role: str = Field(
        description="manager, coordinator or visitor",
        json_schema_extra={"enum": list(accounts.ROLES)},
    )
    area: str | None = Field(
        None,
        description="The area whose subtree it sees: a coordinator's is required, a "
        "manager's optional (none: the whole programme), a visitor's account has none",
    )
    visitor: str | None = Field(None, description="A visitor's account: whose work it sees")


class TokenCreate(BaseModel):
    """How long a new token lasts."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(accounts.DEFAULT_TOKEN_DAYS, ge=1, le=accounts.MAX_TOKEN_DAYS)


@router.get("")
def list_accounts(
    engine: EngineDep,
    who: PrincipalDep,
    after: Annotated[str | None, Query(description="The last name of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=accounts.MAX_LISTED)] = 200,
) -> AccountPage:
    """The accounts of the caller's area by name, a page at a time: ``next`` is the ``after``
    of the next page (none: the last page)."""
    with unit(engine, who) as session:
        scope = access.check_accounts(who)
        rows, more = accounts.accounts_within(
            session, scope, actor=who.actor, after=after, limit=limit
        )
    return AccountPage(
        accounts=[AccountListed.of(r) for r in rows], next=rows[-1].name if more else None
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def add_account(body: AccountCreate, engine: EngineDep, who: PrincipalDep) -> AccountListed:
    """Make an account (201); give it a token with ``POST /accounts/{name}/tokens``."""
    visitor = normal_id(body.visitor) if body.visitor is not None else None
    area = normal_id(body.area) if body.area is not None else None
    tried = Attempt(
        who.actor,
        "create",
        "account",
        body.name,
        {"role": body.role, "area": area},
        visitor=None if visitor is None else (visitor, {"account": body.name}),
    )
    with unit(engine, who, tried) as session:
        access.check_new_account(session.connection(), who, body.role, area, visitor)
        row = accounts.add_account(
            session, body.name, body.role, actor=who.actor, area=area, visitor=visitor
        )
    return AccountListed.of(row)


@router.post("/{name}/tokens", status_code=status.HTTP_201_CREATED)
def issue_token(
    name: AccountName, engine: EngineDep, who: PrincipalDep, body: TokenCreate | None = None
) -> TokenIssued:
    """A new token for the account (201), shown this once: hand it to the account's holder.
    Its other tokens stay valid."""
    days = (body or TokenCreate()).days
    tried = Attempt(who.actor, "update", "account", name, {"token": "issued"})
    with unit(engine, who, tried) as session:
        access.check_account(session.connection(), who, name)
        made = accounts.issue_token(session, name, actor=who.actor, days=days)
    return TokenIssued.of(made)


@router.post("/{name}/disable")
def disable_account(name: AccountName, engine: EngineDep, who: PrincipalDep) -> AccountDisabled:
    """Disable the account and revoke its tokens at once; it stays in the audit trail."""
    tried = Attempt(who.actor, "update", "account", name, {"disabled": True})
    with unit(engine, who, tried) as session:
        access.check_account(session.connection(), who, name)
        if name == who.name:
            raise Conflict(
                Say(
                    "account %(name)s does not disable itself: another manager does, or "
                    "`doorstep account disable` on the server",
                    name=name,
                )
            )
        revoked = accounts.disable_account(session, name, actor=who.actor)
    return AccountDisabled(account=name, tokens_revoked=revoked)
