"""Queries behind database-mode pairing: the scope of an area, proposals, pairings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

from doorstep.errors import NotFound


def area_by_code(conn: Connection, code: str) -> tuple[int, str, str]:
    """``(id, path, name)`` of the area with ``code``."""
    row = conn.execute(
        text("SELECT id, path, name FROM areas WHERE code = :code"), {"code": code}
    ).one_or_none()
    if row is None:
        raise NotFound(f"no area with code {code!r}")
    return int(row[0]), str(row[1]), str(row[2])


def frame(
    conn: Connection, sql: str, params: dict[str, object], schema: dict[str, Any]
) -> pl.DataFrame:
    """Rows of ``sql`` as a frame; date columns are dates on both databases."""
    dates = [c for c, t in schema.items() if t == pl.Date]
    rows = conn.execute(text(sql), params).all()
    if conn.dialect.name != "sqlite" or not dates:
        return pl.DataFrame(rows, schema=schema, orient="row")
    # SQLite hands dates back as ISO text.
    as_text = {c: (pl.String if c in dates else t) for c, t in schema.items()}
    return pl.DataFrame(rows, schema=as_text, orient="row").with_columns(
        pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d") for c in dates
    )


def scope_households(conn: Connection, path: str) -> pl.DataFrame:
    """Every household in the subtree, with its current visitor (if any)."""
    return frame(
        conn,
        """
        SELECT h.id, h.external_id, h.lat, h.lon, h.languages, h.consent_state, h.area_id,
               h.remote_pool, p.visitor_id AS current_visitor
        FROM households h JOIN areas a ON a.id = h.area_id
        LEFT JOIN pairings p ON p.household_id = h.id AND p.ended_on IS NULL
        WHERE a.path LIKE :prefix
        ORDER BY h.id
        """,
        {"prefix": path + "%"},
        {
            "id": pl.Int64,
            "external_id": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "languages": pl.String,
            "consent_state": pl.String,
            "area_id": pl.Int64,
            "remote_pool": pl.String,
            "current_visitor": pl.Int64,
        },
    )


def scope_visitors(conn: Connection, path: str) -> pl.DataFrame:
    """Visitors who live or serve in the subtree, look after one of its households, or
    travel in a remote pool meant for one of them.

    ``busy_elsewhere`` counts their active pairings outside the subtree: that much of their
    capacity is not free for this area.
    """
    return frame(
        conn,
        """
        WITH scope_h AS (
            SELECT h.id FROM households h JOIN areas a ON a.id = h.area_id
            WHERE a.path LIKE :prefix
        ), scope_v AS (
            SELECT v.id FROM visitors v
            LEFT JOIN areas ha ON ha.id = v.home_area_id
            LEFT JOIN areas sa ON sa.id = v.service_area_id
            WHERE ha.path LIKE :prefix OR sa.path LIKE :prefix
            UNION
            SELECT p.visitor_id FROM pairings p
            WHERE p.ended_on IS NULL AND p.household_id IN (SELECT id FROM scope_h)
            UNION
            SELECT v.id FROM visitors v
            WHERE v.remote_pool IN (
                SELECT h.remote_pool FROM households h WHERE h.id IN (SELECT id FROM scope_h)
            )
        )
        SELECT v.id, v.external_id, v.lat, v.lon, v.languages, v.capacity,
               v.active_from, v.active_to, v.service_area_id, v.remote_pool,
               (SELECT COUNT(*) FROM pairings p
                 WHERE p.visitor_id = v.id AND p.ended_on IS NULL
                   AND p.household_id NOT IN (SELECT id FROM scope_h)) AS busy_elsewhere
        FROM visitors v WHERE v.id IN (SELECT id FROM scope_v)
        ORDER BY v.id
        """,
        {"prefix": path + "%"},
        {
            "id": pl.Int64,
            "external_id": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "languages": pl.String,
            "capacity": pl.Int64,
            "active_from": pl.Date,
            "active_to": pl.Date,
            "service_area_id": pl.Int64,
            "remote_pool": pl.String,
            "busy_elsewhere": pl.Int64,
        },
    )


def all_areas(conn: Connection) -> pl.DataFrame:
    return frame(
        conn,
        "SELECT id, parent_id, depth FROM areas ORDER BY depth, id",
        {},
        {"id": pl.Int64, "parent_id": pl.Int64, "depth": pl.Int64},
    )


def exclusions(conn: Connection) -> pl.DataFrame:
    return frame(
        conn,
        "SELECT household_id, visitor_id FROM exclusions",
        {},
        {"household_id": pl.Int64, "visitor_id": pl.Int64},
    )


def proposed_pairs(conn: Connection, proposal_id: int) -> pl.DataFrame:
    return frame(
        conn,
        """
        SELECT pp.household_id, h.external_id AS household, pp.visitor_id,
               v.external_id AS visitor, pp.distance_m, pp.reason,
               cur.visitor_id AS current_visitor_id, cv.external_id AS current_visitor
        FROM proposed_pairs pp
        JOIN households h ON h.id = pp.household_id
        LEFT JOIN visitors v ON v.id = pp.visitor_id
        LEFT JOIN pairings cur ON cur.household_id = pp.household_id AND cur.ended_on IS NULL
        LEFT JOIN visitors cv ON cv.id = cur.visitor_id
        WHERE pp.proposal_id = :pid
        ORDER BY pp.household_id
        """,
        {"pid": proposal_id},
        {
            "household_id": pl.Int64,
            "household": pl.String,
            "visitor_id": pl.Int64,
            "visitor": pl.String,
            "distance_m": pl.Int64,
            "reason": pl.String,
            "current_visitor_id": pl.Int64,
            "current_visitor": pl.String,
        },
    )


def end_pairings(conn: Connection, household_ids: list[int], on: dt.date, reason: str) -> None:
    if not household_ids:
        return
    conn.execute(
        text(
            "UPDATE pairings SET ended_on = :on, end_reason = :reason "
            "WHERE ended_on IS NULL AND household_id = :hid"
        ),
        [{"on": on, "reason": reason, "hid": h} for h in household_ids],
    )
