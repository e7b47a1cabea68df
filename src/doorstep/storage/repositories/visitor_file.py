"""What a coordinator looks up about one visitor, or a visitor about themself: their file
(its visits: :mod:`.file_visits`). Each read is of one visitor's rows, by the indexes on
``visitor_id``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from doorstep.storage.repositories.household_file import rows_of


def profile(conn: Connection, visitor: int) -> dict[str, Any]:
    """The visitor's own row as the file shows it: home and service areas, organisation."""
    sql = """
        SELECT v.external_id AS visitor, v.name, v.languages, v.capacity, v.active_from,
               v.active_to, v.remote_pool, home.code AS home_area, home.name AS home_area_name,
               served.code AS service_area, o.code AS organisation,
               o.name AS organisation_name
        FROM visitors v
        LEFT JOIN areas home ON home.id = v.home_area_id
        LEFT JOIN areas served ON served.id = v.service_area_id
        LEFT JOIN organisations o ON o.id = v.organisation_id
        WHERE v.id = :visitor
    """
    return rows_of(conn, sql, {"visitor": visitor})[0]


def teams(conn: Connection, visitor: int) -> list[dict[str, Any]]:
    """The teams the visitor belongs to, with their areas, the latest begun first."""
    sql = """
        SELECT t.code, t.name, a.code AS area, t.starts_on, t.ends_on, m.is_lead
        FROM team_members m JOIN teams t ON t.id = m.team_id JOIN areas a ON a.id = t.area_id
        WHERE m.visitor_id = :visitor
        ORDER BY t.starts_on DESC, t.code
    """
    rows = rows_of(conn, sql, {"visitor": visitor})
    for r in rows:
        r["is_lead"] = bool(r["is_lead"])
    return rows


def open_pairings(conn: Connection, visitor: int, today: dt.date) -> int:
    """How many households the visitor looks after on ``today``, in any area (a count: the
    caseload their capacity is measured against)."""
    sql = """
        SELECT COUNT(*) FROM pairings
        WHERE visitor_id = :visitor AND started_on <= :today
          AND (ended_on IS NULL OR ended_on > :today)
    """
    return int(conn.execute(text(sql), {"visitor": visitor, "today": today}).scalar_one())


def leave(conn: Connection, visitor: int, today: dt.date) -> list[dict[str, Any]]:
    """The visitor's leave not over by ``today``, the earliest first."""
    sql = """
        SELECT starts_on, ends_on FROM visitor_leave
        WHERE visitor_id = :visitor AND ends_on >= :today
        ORDER BY starts_on, ends_on
    """
    return rows_of(conn, sql, {"visitor": visitor, "today": today})


def unrecorded(conn: Connection, visitor: int, today: dt.date, limit: int) -> list[dict[str, Any]]:
    """The visitor's planned visits begun by ``today`` and neither recorded as made nor
    marked missed, the latest first: each is to be recorded or marked missed. Each names
    its household (``household_id``: its database id)."""
    return rows_of(
        conn,
        """SELECT vi.household_id, h.external_id AS household, h.head_name,
                  a.code AS area, vi.planned_start AS start,
                  COALESCE(vi.planned_end, vi.planned_start) AS "end"
           FROM visits vi
           JOIN households h ON h.id = vi.household_id
           JOIN areas a ON a.id = h.area_id
           WHERE vi.visitor_id = :visitor AND vi.status = 'planned'
             AND vi.planned_start <= :today
           ORDER BY vi.planned_start DESC, vi.id DESC
           LIMIT :limit""",
        {"visitor": visitor, "today": today, "limit": limit},
    )
