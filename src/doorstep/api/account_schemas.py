"""What a manager's routes answer, as Pydantic models: the accounts it keeps
(``/accounts``) and the audit trail it reads (``/audit``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from doorstep.api.schemas import Moment
from doorstep.services import accounts
from doorstep.services.audit_trail import TrailPage, row
from doorstep.storage.base import as_utc


class AccountListed(BaseModel):
    """An account as the accounts routes show it (never a token)."""

    name: str
    role: str = Field(description="manager, coordinator or visitor")
    area: str | None = Field(description="Its area's code; none: the whole programme")
    visitor: str | None = Field(description="A visitor's account: the visitor's id")
    disabled_at: Moment | None = Field(description="When it was disabled (UTC); none: active")

    @classmethod
    def of(cls, account: accounts.AccountRow) -> AccountListed:
        """The account's row as the API shows it."""
        disabled = account.disabled_at
        return cls(
            name=account.name,
            role=account.role,
            area=account.area,
            visitor=account.visitor,
            disabled_at=None if disabled is None else as_utc(disabled),
        )


class AccountPage(BaseModel):
    """A page of the accounts of the caller's area, by name."""

    accounts: list[AccountListed]
    next: str | None = Field(description="Send as `after` for the next page; none: the last")


class TokenIssued(BaseModel):
    """A new token, shown this once: only its digest is stored."""

    account: str
    token: str = Field(description="The secret to send as `Authorization: Bearer ...`")
    expires_at: Moment = Field(description="When it stops working (UTC)")

    @classmethod
    def of(cls, made: accounts.Token) -> TokenIssued:
        """The token just made, as the API shows it."""
        return cls(account=made.account, token=made.secret, expires_at=as_utc(made.expires_at))


class AccountDisabled(BaseModel):
    """An account disabled, and how many of its tokens that revoked."""

    account: str
    tokens_revoked: int


class AuditEvent(BaseModel):
    """One event of the audit trail: who did what to whose data, and when."""

    id: int
    at: Moment = Field(description="When, in UTC to the second")
    actor: str = Field(description="api:NAME, or a user at the command line")
    action: str = Field(description="read, create, update, delete, import, export, ...")
    entity: str = Field(description="household, visitor, visits, visit_plan, account, ...")
    entity_id: str | None = Field(description="Whose: the household's or visitor's id, ...")
    detail: dict[str, Any] = Field(description="What else the event keeps; its keys vary")


class AuditPage(BaseModel):
    """A page of the audit trail, newest first."""

    events: list[AuditEvent]
    next: int | None = Field(description="Send as `before` for the next (older) page; none: last")

    @classmethod
    def of(cls, page: TrailPage) -> AuditPage:
        """The service's page of events, as the API shows it."""
        return cls(
            events=[AuditEvent.model_validate(row(e)) for e in page.events],
            next=page.next_before,
        )
