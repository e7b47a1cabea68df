"""The visits a household's or a visitor's file lists: the latest before a day, and the next
planned from it; a page of each, with how many there are in all."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Connection, text

from doorstep.storage.repositories.household_file import rows_of

#: Before ``:today``: made or missed by it, or planned, over before it and never recorded.
_BEFORE = """vi.status IN ('done', 'missed')
               AND COALESCE(vi.actual_start, vi.planned_start) <= :today
             OR vi.status = 'planned' AND COALESCE(vi.planned_end, vi.planned_start) < :today"""
#: Planned and not over by ``:today`` (one under way too).
_PLANNED = "vi.status = 'planned' AND COALESCE(vi.planned_end, vi.planned_start) >= :today"


def visit_rows(
    conn: Connection,
    *,
    owner: Literal["household", "visitor"],
    owner_id: int,
    when: Literal["before", "planned"],
    today: dt.date,
    limit: int,
    area_path: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The ``limit`` latest visits of the household or visitor (database id) before
    ``today`` (the latest first; a planned one over and never recorded has the status
    ``not recorded``), or the next ``limit`` planned (the earliest first), of households
    within ``area_path`` when given; and how many there are in all. A visit made is dated
    by the days it was made, the others by the days they were planned for. Each row names
    its household and visitor (``household_id``: the household's database id)."""
    where = f"""
        FROM visits vi
        JOIN households h ON h.id = vi.household_id
        JOIN areas a ON a.id = h.area_id
        JOIN visitors v ON v.id = vi.visitor_id
        WHERE vi.{owner}_id = :owner AND ({_BEFORE if when == "before" else _PLANNED})
    """
    params: dict[str, Any] = {"owner": owner_id, "today": today, "limit": limit}
    if area_path is not None:
        where += " AND a.path LIKE :prefix"
        params["prefix"] = area_path + "%"
    order = (
        "COALESCE(vi.actual_start, vi.planned_start) DESC, vi.id DESC"
        if when == "before"
        else "vi.planned_start, vi.id"
    )
    rows = rows_of(
        conn,
        f"""SELECT vi.household_id,
                   CASE WHEN vi.status = 'planned' AND COALESCE(vi.planned_end,
                        vi.planned_start) < :today THEN 'not recorded' ELSE vi.status END
                     AS status,
                   COALESCE(vi.actual_start, vi.planned_start) AS start,
                   COALESCE(vi.actual_end, vi.actual_start, vi.planned_end) AS "end",
                   h.external_id AS household, h.head_name, a.code AS area,
                   v.external_id AS visitor, v.name AS visitor_name
            {where}
            ORDER BY {order}
            LIMIT :limit""",
        params,
    )
    total = conn.execute(text(f"SELECT COUNT(*) {where}"), params).scalar_one()
    return rows, int(total)
