"""API accounts: made, given tokens and disabled at the command line, or by a manager over
the API and the web app (within its area: ``privacy.access.check_account``); checked per
request.

A token is 32 random bytes shown once, when it is made; the database keeps its SHA-256
digest only, so a copy of the database lets no one in. Making, disabling and token events
are audited under entity ``account`` (a visitor's account also under the visitor: it is
their data, and their export lists it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from doorstep.domain.ids import NOT_IN_AN_ID
from doorstep.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import record_event, record_events
from doorstep.say import Code, Say
from doorstep.storage.base import as_utc, utcnow
from doorstep.storage.repositories import accounts as repo
from doorstep.storage.repositories import lookups
from doorstep.storage.repositories import pairing as pairing_repo
from doorstep.storage.repositories.claims import claim
from doorstep.storage.tables.accounts import ROLES as ROLES  # the roles, for the front doors

#: An account as the front doors show it.
AccountRow = repo.AccountRow

#: How long a token lasts unless told otherwise: a quarter, so a lost phone's token dies.
DEFAULT_TOKEN_DAYS = 90
#: The longest a token may last.
MAX_TOKEN_DAYS = 366
#: What a token starts with: a reader of a log or a file can tell one at a glance.
TOKEN_PREFIX = "dst_"


@dataclass(frozen=True)
class Token:
    """A token just made: ``secret`` is shown once and never stored."""

    account: str
    secret: str
    expires_at: dt.datetime


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _audit(
    session: Session, actor: str, action: str, row: repo.AccountRow, **detail: object
) -> None:
    """The event under the account, naming its area (whose manager reads it in the trail),
    and, for a visitor's account, one under the visitor."""
    where = {} if row.area is None else {"area": row.area}
    record_event(
        session,
        actor=actor,
        action=action,
        entity="account",
        entity_id=row.name,
        detail={**detail, **where},
    )
    if row.visitor is not None:
        record_event(
            session,
            actor=actor,
            action=action,
            entity="visitor",
            entity_id=row.visitor,
            detail={"account": row.name, **detail},
        )


def _get(session: Session, name: str) -> repo.AccountRow:
    found = repo.by_name(session.connection(), name)
    if found is None:
        raise NotFound(Say("no account %(name)s", name=repr(name)))
    return found


def add_account(
    session: Session,
    name: str,
    role: str,
    *,
    actor: str,
    area: str | None = None,
    visitor: str | None = None,
) -> repo.AccountRow:
    """Make an account. A coordinator's needs an area; a visitor's names the visitor and no
    area (it sees its visitor's own work wherever it is); a manager's area is optional (none:
    the whole programme).

    Raises
    ------
    InvalidInput
        An unknown role, a name that is empty, too long or holds a space, a control character
        or a text-direction mark, or a role without what it needs.
    NotFound
        No such area or visitor.
    Conflict
        The name is taken, or the visitor has an account already.
    """
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidInput(
            Say("an account name is 1 to 100 characters with no spaces: %(name)s", name=repr(name))
        )
    # As a code is (``column_fit.check_plain``): a name with a control character or a mark
    # turning the text around shows as another account's, in the trail and on the pages.
    if re.search(NOT_IN_AN_ID, name):
        raise InvalidInput(
            Say(
                "account name %(name)s holds a control character or a text-direction mark; an "
                "account name is plain text on one line",
                name=repr(name),
            )
        )
    if role not in ROLES:
        raise InvalidInput(
            Say("unknown role %(role)s: one of %(roles)s", role=repr(role), roles=", ".join(ROLES))
        )
    if role == "coordinator" and area is None:
        raise InvalidInput(Say("a coordinator's account needs an area: the one it coordinates"))
    if role == "visitor" and (visitor is None or area is not None):
        raise InvalidInput(
            Say(
                "a visitor's account needs a visitor, whose work it sees, and no area: it sees "
                "its visitor's work wherever it is"
            )
        )
    if role != "visitor" and visitor is not None:
        raise InvalidInput(
            Say("a visitor is given to a visitor's account, not a %(role)s's", role=Code(role))
        )
    conn = session.connection()
    # One account made at a time: its name and its visitor are each checked, then held.
    claim(conn, "accounts")
    if repo.by_name(conn, name) is not None:
        raise Conflict(Say("account %(name)s exists already", name=repr(name)))
    area_id = pairing_repo.area_by_code(conn, area)[0] if area is not None else None
    visitor_id = lookups.visitor_by_external_id(conn, visitor) if visitor is not None else None
    if visitor_id is not None and (held := repo.by_visitor(conn, visitor_id)) is not None:
        raise Conflict(
            Say(
                "visitor %(visitor)s has an account already: %(held)s",
                visitor=str(visitor),
                held=repr(held),
            )
        )
    repo.add(conn, name=name, role=role, area_id=area_id, visitor_id=visitor_id)
    row = _get(session, name)
    _audit(session, actor, "create", row, role=role, area=area)
    session.flush()
    return row


def list_accounts(session: Session) -> list[repo.AccountRow]:
    return repo.all_accounts(session.connection())


#: The most accounts one page of :func:`accounts_within` lists.
MAX_LISTED = 1000


def accounts_within(
    session: Session,
    within: str | None,
    *,
    actor: str,
    after: str | None = None,
    limit: int = 200,
) -> tuple[list[repo.AccountRow], bool]:
    """A page of the accounts of an area (by its ``within`` path, ``None``: all), by name
    after ``after``, and whether more follow; a visitor's account is its visitor's home
    area's. Each visitor named is read in the trail: that a person has an account is their
    data."""
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidInput(
            Say("a page lists 1 to %(most)s accounts, not %(limit)s", most=MAX_LISTED, limit=limit)
        )
    rows = repo.accounts_within(session.connection(), within, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    events = [
        ("read", r.visitor, {"account": r.name, "list": "accounts"})
        for r in rows
        if r.visitor is not None
    ]
    record_events(session, actor=actor, entity="visitor", events=events)
    return rows, more


def issue_token(
    session: Session, name: str, *, actor: str, days: int = DEFAULT_TOKEN_DAYS
) -> Token:
    """A new token for the account, valid for ``days``; its others stay valid."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            Say("a token lasts 1 to %(most)s days, not %(days)s", most=MAX_TOKEN_DAYS, days=days)
        )
    row = _get(session, name)
    if row.disabled_at is not None:
        raise Conflict(Say("account %(name)s is disabled: it gets no token", name=repr(name)))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(days=days)
    repo.add_token(session.connection(), row.id, digest(secret), now, expires)
    _audit(session, actor, "update", row, token="issued", expires_at=expires.isoformat())
    session.flush()
    return Token(name, secret, expires)


def disable_account(session: Session, name: str, *, actor: str) -> int:
    """Disable the account and revoke its tokens (how many); it stays in the trail."""
    # Disabled twice at once, the second waits and is told "disabled already".
    claim(session.connection(), "accounts")
    row = _get(session, name)
    if row.disabled_at is not None:
        raise Conflict(Say("account %(name)s is disabled already", name=repr(name)))
    revoked = repo.disable(session.connection(), row.id, utcnow())
    _audit(session, actor, "update", row, disabled=True, tokens_revoked=revoked)
    session.flush()
    return revoked


def authenticate(session: Session, secret: str) -> Principal:
    """The account a token belongs to, if the token is live and the account enabled."""
    conn = session.connection()
    try:
        row, expires, revoked = repo.token_holder(conn, digest(secret))
    except LookupError:
        raise NotAuthenticated(Say("unknown token")) from None
    if revoked is not None:
        raise NotAuthenticated(Say("the token was revoked"))
    if as_utc(expires) <= utcnow():
        raise NotAuthenticated(Say("the token has expired: ask for a new one"))
    if row.disabled_at is not None:
        raise NotAuthenticated(Say("account %(name)s is disabled", name=row.name))
    return Principal(row.name, row.role, row.area, row.area_path, row.visitor)
