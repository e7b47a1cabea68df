"""Households and visitors found by what a coordinator or visitor remembers of them: an id
or its start, part of a name (or of a household's address)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from doorstep.storage.repositories.household_file import rows_of
from doorstep.storage.repositories.visitor_data import ERASED_NAME
from doorstep.storage.repositories.visits import consent_on


def _like(text: str) -> str:
    """``text`` as a LIKE pattern's literal part (``\\`` escapes ``%``, ``_`` and itself)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(id_column: str, text_columns: tuple[str, ...]) -> str:
    """SQL: the id is ``:exact`` or begins with it, or a text column holds it; each both
    lowered and as typed (SQLite lowers ASCII letters only, so an accented capital is
    found as typed)."""
    tests = [
        f"{id_column} = :exact",
        f"LOWER({id_column}) LIKE :start ESCAPE '\\'",
        f"{id_column} LIKE :start_typed ESCAPE '\\'",
    ]
    for column in text_columns:
        tests += [
            f"LOWER({column}) LIKE :inside ESCAPE '\\'",
            f"{column} LIKE :inside_typed ESCAPE '\\'",
        ]
    return "(" + " OR ".join(tests) + ")"


def _patterns(text: str) -> dict[str, str]:
    return {
        "exact": text,
        "start": _like(text.lower()) + "%",
        "start_typed": _like(text) + "%",
        "inside": "%" + _like(text.lower()) + "%",
        "inside_typed": "%" + _like(text) + "%",
    }


def households(
    conn: Connection,
    text: str,
    *,
    limit: int,
    today: dt.date,
    area_path: str | None = None,
    visitor: str | None = None,
) -> list[dict[str, Any]]:
    """Up to ``limit`` households whose id is ``text`` or begins with it, or whose head's
    name or address holds it (any case), within ``area_path`` or, given ``visitor``, among
    those the visitor looks after on ``today``; the id asked for first, then by id. Each
    with its database id (``household_id``), head, area and consent on ``today``."""
    where = [_matching("h.external_id", ("h.head_name", "h.address"))]
    params: dict[str, Any] = {**_patterns(text), "limit": limit, "today": today}
    if area_path is not None:
        where.append("a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    if visitor is not None:
        where.append(
            """EXISTS (SELECT 1 FROM pairings p JOIN visitors v ON v.id = p.visitor_id
                       WHERE p.household_id = h.id AND v.external_id = :visitor
                         AND p.started_on <= :today
                         AND (p.ended_on IS NULL OR p.ended_on > :today))"""
        )
        params["visitor"] = visitor
    sql = f"""
        SELECT h.id AS household_id, h.external_id AS household, h.head_name, h.address,
               a.code AS area, a.name AS area_name, {consent_on(":today")} AS consent
        FROM households h JOIN areas a ON a.id = h.area_id
        WHERE {" AND ".join(where)}
        ORDER BY CASE WHEN h.external_id = :exact THEN 0 ELSE 1 END, h.external_id
        LIMIT :limit
    """
    return rows_of(conn, sql, params)


def visitors(
    conn: Connection, text: str, *, limit: int, area_path: str | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` visitors whose id is ``text`` or begins with it, or whose name holds
    it (any case), living within ``area_path`` if given; erased ones are not found. The id
    asked for first, then by id; each with its home area, capacity and last day."""
    where = [_matching("v.external_id", ("v.name",)), "v.name <> :erased"]
    params: dict[str, Any] = {**_patterns(text), "limit": limit, "erased": ERASED_NAME}
    if area_path is not None:
        where.append("a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    sql = f"""
        SELECT v.external_id AS visitor, v.name, a.code AS home_area, v.capacity,
               v.active_to
        FROM visitors v LEFT JOIN areas a ON a.id = v.home_area_id
        WHERE {" AND ".join(where)}
        ORDER BY CASE WHEN v.external_id = :exact THEN 0 ELSE 1 END, v.external_id
        LIMIT :limit
    """
    return rows_of(conn, sql, params)
