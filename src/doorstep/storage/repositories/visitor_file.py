"""What a coordinator looks up about one visitor, or a visitor about themself: their file.

Each read is of one visitor's rows, by the indexes on ``visitor_id``. The households a
visitor's visits name are read within an area's subtree when one is given (``area_path``):
a coordinator sees the visitor's work in its own area, and only how much of it lies
elsewhere.
"""

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


def _visits(
    conn: Connection,
    visitor: int,
    condition: str,
    order: str,
    params: dict[str, Any],
    area_path: str | None,
) -> tuple[list[dict[str, Any]], int]:
    where = f"""
        FROM visits vi
        JOIN households h ON h.id = vi.household_id
        JOIN areas a ON a.id = h.area_id
        WHERE vi.visitor_id = :visitor AND ({condition})
    """
    params = {**params, "visitor": visitor}
    if area_path is not None:
        where += " AND a.path LIKE :prefix"
        params["prefix"] = area_path + "%"
    rows = rows_of(
        conn,
        f"""SELECT vi.household_id,
                   CASE WHEN vi.status = 'planned' AND COALESCE(vi.planned_end,
                        vi.planned_start) < :today THEN 'not recorded' ELSE vi.status END
                     AS status,
                   COALESCE(vi.actual_start, vi.planned_start) AS start,
                   COALESCE(vi.actual_end, vi.actual_start, vi.planned_end) AS "end",
                   h.external_id AS household, h.head_name, a.code AS area
            {where}
            ORDER BY {order}
            LIMIT :limit""",
        params,
    )
    total = conn.execute(text(f"SELECT COUNT(*) {where}"), params).scalar_one()
    return rows, int(total)


def visits_before(
    conn: Connection, visitor: int, today: dt.date, limit: int, area_path: str | None
) -> tuple[list[dict[str, Any]], int]:
    """The visitor's latest ``limit`` visits made or missed by ``today``, and those planned
    that were over before it and never recorded (``not recorded``), the latest first
    (within ``area_path``, if given); and how many there are in all."""
    return _visits(
        conn,
        visitor,
        """vi.status IN ('done', 'missed')
             AND COALESCE(vi.actual_start, vi.planned_start) <= :today
           OR vi.status = 'planned' AND COALESCE(vi.planned_end, vi.planned_start) < :today""",
        "COALESCE(vi.actual_start, vi.planned_start) DESC, vi.id DESC",
        {"today": today, "limit": limit},
        area_path,
    )


def visits_planned(
    conn: Connection, visitor: int, today: dt.date, limit: int, area_path: str | None
) -> tuple[list[dict[str, Any]], int]:
    """The visitor's next ``limit`` planned visits not over by ``today`` (within
    ``area_path``, if given), and how many there are in all."""
    return _visits(
        conn,
        visitor,
        "vi.status = 'planned' AND COALESCE(vi.planned_end, vi.planned_start) >= :today",
        "vi.planned_start, vi.id",
        {"today": today, "limit": limit},
        area_path,
    )


def activities(conn: Connection, visitor: int) -> list[dict[str, Any]]:
    """The group activities the visitor took part in, the latest first."""
    sql = """
        SELECT a.code, a.kind, a.title, a.starts_on, a.ends_on
        FROM activity_attendance t JOIN activities a ON a.id = t.activity_id
        WHERE t.visitor_id = :visitor
        ORDER BY a.starts_on DESC, a.code
    """
    return rows_of(conn, sql, {"visitor": visitor})
