"""Queries of API accounts and tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, Row, Select, func, insert, select, update
from sqlalchemy.orm import aliased

from doorstep.storage.repositories.visitor_data import ERASED_NAME
from doorstep.storage.tables import (
    Account,
    Activity,
    ApiToken,
    Area,
    Household,
    Pairing,
    Project,
    Referral,
    Visitor,
)


@dataclass(frozen=True)
class AccountRow:
    """An account as the API and the command line see it: its area by code and path, its
    visitor by their id."""

    id: int
    name: str
    role: str
    area: str | None
    area_path: str | None
    visitor: str | None
    disabled_at: dt.datetime | None


def _select() -> Select[int, str, str, str | None, str | None, str | None, dt.datetime | None]:
    return (
        select(
            Account.id,
            Account.name,
            Account.role,
            Area.code,
            Area.path,
            Visitor.external_id,
            Account.disabled_at,
        )
        .outerjoin(Area, Area.id == Account.area_id)
        .outerjoin(Visitor, Visitor.id == Account.visitor_id)
    )


def _row(
    r: Row[int, str, str, str | None, str | None, str | None, dt.datetime | None],
) -> AccountRow:
    return AccountRow(*r)


def by_name(conn: Connection, name: str) -> AccountRow | None:
    found = conn.execute(_select().where(Account.name == name)).first()
    return None if found is None else _row(found)


def by_visitor(conn: Connection, visitor_id: int) -> str | None:
    """The name of the account a visitor has, if any."""
    return conn.execute(
        select(Account.name).where(Account.visitor_id == visitor_id)
    ).scalar_one_or_none()


def all_accounts(conn: Connection) -> list[AccountRow]:
    return [_row(r) for r in conn.execute(_select().order_by(Account.name))]


def accounts_within(
    conn: Connection, path: str | None, *, after: str | None, limit: int
) -> list[AccountRow]:
    """Up to ``limit`` accounts by name (after ``after``) whose area, or whose visitor's home
    area, is within the area at ``path`` (``None``: every account)."""
    home = aliased(Area)
    query = _select().outerjoin(home, home.id == Visitor.home_area_id)
    if path is not None:
        query = query.where(func.coalesce(Area.path, home.path).startswith(path, autoescape=True))
    if after is not None:
        query = query.where(Account.name > after)
    return [_row(r) for r in conn.execute(query.order_by(Account.name).limit(limit))]


def add(
    conn: Connection, *, name: str, role: str, area_id: int | None, visitor_id: int | None
) -> int:
    return int(
        conn.execute(
            insert(Account)
            .values(name=name, role=role, area_id=area_id, visitor_id=visitor_id)
            .returning(Account.id)
        ).scalar_one()
    )


def disable(conn: Connection, account_id: int, at: dt.datetime) -> int:
    """Disable the account and revoke its live tokens; how many tokens were revoked."""
    conn.execute(update(Account).where(Account.id == account_id).values(disabled_at=at))
    return revoke_tokens(conn, account_id, at)


def revoke_tokens(conn: Connection, account_id: int, at: dt.datetime) -> int:
    done = conn.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(done.rowcount)


def add_token(
    conn: Connection, account_id: int, digest: str, created: dt.datetime, expires: dt.datetime
) -> None:
    conn.execute(
        insert(ApiToken).values(
            account_id=account_id, digest=digest, created_at=created, expires_at=expires
        )
    )


def token_holder(
    conn: Connection, digest: str
) -> tuple[AccountRow, dt.datetime, dt.datetime | None]:
    """``(account, expires_at, revoked_at)`` of the token with ``digest``, in one query (every
    request asks), or raise ``LookupError``."""
    found = conn.execute(
        _select()
        .add_columns(ApiToken.expires_at, ApiToken.revoked_at)
        .join(ApiToken, ApiToken.account_id == Account.id)
        .where(ApiToken.digest == digest)
    ).first()
    if found is None:
        raise LookupError(digest)
    return AccountRow(*found[:7]), found[7], found[8]


def area_path(conn: Connection, code: str) -> str | None:
    """The path of the area with ``code``, or ``None`` if no such area."""
    return conn.execute(select(Area.path).where(Area.code == code)).scalar_one_or_none()


def household_area_path(conn: Connection, external_id: str) -> str | None:
    """The path of the area a household lives in, or ``None`` if no such household."""
    return conn.execute(
        select(Area.path)
        .join(Household, Household.area_id == Area.id)
        .where(Household.external_id == external_id)
    ).scalar_one_or_none()


def activity_area_path(conn: Connection, code: str) -> tuple[str, str] | None:
    """The code and path of the area a group activity is held in, or ``None`` if no such
    activity."""
    return _area_of(conn, Activity, code)


def project_area_path(conn: Connection, code: str) -> tuple[str, str] | None:
    """The code and path of a development project's area, or ``None`` if no such project."""
    return _area_of(conn, Project, code)


def _area_of(
    conn: Connection, table: type[Activity] | type[Project], code: str
) -> tuple[str, str] | None:
    found = conn.execute(
        select(Area.code, Area.path).join(table, table.area_id == Area.id).where(table.code == code)
    ).first()
    return None if found is None else (str(found[0]), str(found[1]))


def referral_household(conn: Connection, number: int) -> str | None:
    """The id of the household a referral is of, or ``None`` if no such referral."""
    return conn.execute(
        select(Household.external_id)
        .join(Referral, Referral.household_id == Household.id)
        .where(Referral.id == number)
    ).scalar_one_or_none()


def paired_on(conn: Connection, household: str, visitor: str, day: dt.date) -> bool:
    """Whether the household and the visitor (ids as typed) are paired on ``day``."""
    found = conn.execute(
        select(Pairing.id)
        .join(Household, Household.id == Pairing.household_id)
        .join(Visitor, Visitor.id == Pairing.visitor_id)
        .where(
            Household.external_id == household,
            Visitor.external_id == visitor,
            Pairing.started_on <= day,
            (Pairing.ended_on.is_(None)) | (Pairing.ended_on > day),  # its end day is not its
        )
        .limit(1)
    ).first()
    return found is not None


def visitor_home_path(conn: Connection, external_id: str) -> tuple[str | None, bool] | None:
    """The path of the visitor's home area (``None``: they have none) and whether they were
    erased (an erased visitor's row is kept, with no name and no area), or ``None`` if no
    visitor has that id."""
    found = conn.execute(
        select(Area.path, Visitor.name)
        .select_from(Visitor)
        .outerjoin(Area, Area.id == Visitor.home_area_id)
        .where(Visitor.external_id == external_id)
    ).first()
    return None if found is None else (found[0], found[1] == ERASED_NAME)


def visitor_home_paths(conn: Connection, external_ids: Collection[str]) -> dict[str, str | None]:
    """The path of each of ``external_ids``' home area (``None``: they have none, or were
    erased: an erased visitor's row keeps no area); an unknown id is left out."""
    if not external_ids:
        return {}
    rows = conn.execute(
        select(Visitor.external_id, Area.path)
        .select_from(Visitor)
        .outerjoin(Area, Area.id == Visitor.home_area_id)
        .where(Visitor.external_id.in_(sorted(set(external_ids))))
    )
    return {str(v): p for v, p in rows}
