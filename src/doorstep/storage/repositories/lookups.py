"""Ids the user types, looked up: a visitor by its id, a team by its code, and which of
several ids a household or visitor holds.

Like ``pairing.area_by_code``, an unknown one is :class:`~doorstep.errors.NotFound`, so a
filter on it is an error rather than an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, bindparam, text

from doorstep.errors import NotFound
from doorstep.say import Say
from doorstep.storage.repositories.visitor_data import ERASED_NAME


def visitor_by_external_id(conn: Connection, external_id: str) -> int:
    """The database id of the visitor with ``external_id``; an erased visitor is no one to
    draw a work list or a calendar for, and is not found either."""
    found = conn.execute(
        text("SELECT id, name FROM visitors WHERE external_id = :v"), {"v": external_id}
    ).first()
    if found is None:
        raise NotFound(Say("no visitor with id %(visitor)s", visitor=repr(external_id)))
    if found[1] == ERASED_NAME:
        raise NotFound(
            Say("visitor %(visitor)s was erased: nothing about them is held", visitor=external_id)
        )
    return int(found[0])


def held_ids(
    conn: Connection, table: Literal["households", "visitors"], external_ids: Sequence[str]
) -> set[str]:
    """Of ``external_ids`` (a few), those a row of ``table`` holds (an erased visitor's
    row, kept under its id, among them)."""
    found = conn.execute(
        text(f"SELECT external_id FROM {table} WHERE external_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": list(external_ids)},
    ).scalars()
    return {str(f) for f in found}


def team_by_code(conn: Connection, code: str) -> int:
    """The database id of the team with ``code``."""
    found = conn.execute(
        text("SELECT id FROM teams WHERE code = :code"), {"code": code}
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(Say("no team with code %(team)s", team=repr(code)))
    return int(found)


def team_member_ids(conn: Connection, code: str) -> list[str]:
    """The ids of the visitors of the team with ``code``, in order (an erased visitor is
    no one's member: the erasure takes them off their team)."""
    team = team_by_code(conn, code)
    rows = conn.execute(
        text(
            "SELECT v.external_id FROM team_members m JOIN visitors v ON v.id = m.visitor_id "
            "WHERE m.team_id = :team AND v.name <> :erased ORDER BY v.external_id"
        ),
        {"team": team, "erased": ERASED_NAME},
    ).scalars()
    return [str(r) for r in rows]


def database_opened(conn: Connection) -> str:
    """The database ``conn`` opened, as an error may name it: a SQLite file by its absolute
    path (a relative one, the default ``var/doorstep.db`` among them, run from another
    folder opens a new, empty database there), another by its URL without the password."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def holds_none(conn: Connection, table: str) -> bool:
    """Whether ``table`` (areas, organisations, teams...) holds no row at all."""
    return conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is None
