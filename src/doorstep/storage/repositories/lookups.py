"""Ids the user types, looked up: a visitor by its id, a team by its code.

Like ``pairing.area_by_code``, an unknown one is :class:`~doorstep.errors.NotFound`, so a
filter on it is an error rather than an empty list.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from doorstep.errors import NotFound


def visitor_by_external_id(conn: Connection, external_id: str) -> int:
    """The database id of the visitor with ``external_id``."""
    found = conn.execute(
        text("SELECT id FROM visitors WHERE external_id = :v"), {"v": external_id}
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no visitor with id {external_id!r}")
    return int(found)


def team_by_code(conn: Connection, code: str) -> int:
    """The database id of the team with ``code``."""
    found = conn.execute(
        text("SELECT id FROM teams WHERE code = :code"), {"code": code}
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no team with code {code!r}")
    return int(found)
