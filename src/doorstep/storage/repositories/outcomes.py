"""Queries behind ``doorstep outcomes``: households' yearly indicators (income, work,
services) counted by area and year in the database, never read row by row.

Groups are the report's (:func:`~doorstep.storage.repositories.report.fill_groups`): each
area the outcomes are broken into, and :data:`~doorstep.domain.reporting.TOTAL` for the
whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from doorstep.domain.reporting import AMOUNT_PLACES
from doorstep.storage.repositories.report import fill_groups


def outcome_counts(
    conn: Connection, *, root: int | None, groups: Sequence[int], poverty_line: float
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Per group and year with indicators, and per group the households on record now
    (what the reported ones are a part of), the groups' areas filled in once. Per group
    and year: the households reported, those with an income recorded, those whose income
    per head (the year's income over the household's members as recorded now) is below
    ``poverty_line`` (to :data:`~doorstep.domain.reporting.AMOUNT_PLACES`, as the household's
    file says), those that said how many members are in paid work and those with one,
    and those that named a service they are enrolled in."""
    fill_groups(conn, groups, root)
    rows = conn.execute(
        text(
            f"""
            SELECT g.group_id, i.year, COUNT(*) AS reported,
                   SUM(CASE WHEN i.annual_income IS NOT NULL THEN 1 ELSE 0 END) AS with_income,
                   SUM(CASE WHEN ROUND(CAST(i.annual_income - :line * h.members AS NUMERIC),
                                       {AMOUNT_PLACES}) < 0 THEN 1 ELSE 0 END)
                       AS below_line,
                   SUM(CASE WHEN i.members_in_work IS NOT NULL THEN 1 ELSE 0 END)
                       AS work_reported,
                   SUM(CASE WHEN i.members_in_work > 0 THEN 1 ELSE 0 END) AS in_work,
                   SUM(CASE WHEN REPLACE(REPLACE(COALESCE(i.services_enrolled, ''), ';', ''),
                                         ' ', '') <> '' THEN 1 ELSE 0 END)
                       AS with_services
            FROM household_indicators i
            JOIN households h ON h.id = i.household_id
            JOIN report_groups g ON g.area_id = h.area_id
            GROUP BY g.group_id, i.year
            ORDER BY g.group_id, i.year
            """
        ),
        {"line": poverty_line},
    ).mappings()
    counts = [{k: int(v or 0) for k, v in r.items()} for r in rows]
    households = conn.execute(
        text(
            """
            SELECT g.group_id, COUNT(*) FROM households h
            JOIN report_groups g ON g.area_id = h.area_id
            GROUP BY g.group_id
            """
        )
    ).all()
    return counts, {int(g): int(n) for g, n in households}
