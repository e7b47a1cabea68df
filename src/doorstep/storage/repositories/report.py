"""Queries behind ``doorstep report``: the programme's figures by area and month, counted
in the database.

Every figure is an aggregate computed by one statement over the subtree: nothing reads
households, visitors or visits into Python one by one, so a region of 1.69M households
costs what its aggregates cost. Rows come back per *group*: each area the report breaks
the subtree into (:data:`TOTAL` for the whole subtree), found through ``report_groups``, a
temporary table filled by a recursive walk of the area tree from the groups down (one row
per area and group it is in) and indexed, so that a household's area finds its group by
an index lookup: joined as a CTE, SQLite scanned every group's areas for every row.

Due and overdue are measured as the work lists (``doorstep visits due|overdue``) measure
them, with the same SQL for consent, a stay under way and the next planned visit, and the
clock of a household never visited (its uninterrupted run of pairings) computed with
window functions rather than in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from doorstep.domain.days import shifted
from doorstep.domain.reporting import (
    ACTIVITY_COLUMNS,
    OUTCOME_COLUMNS,
    TOTAL,
    MonthSpan,
    ReportArea,
)
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.errors import InvalidInput
from doorstep.storage.repositories.pairing import area_by_code
from doorstep.storage.repositories.visits import _NEXT_PLANNED, _UNDER_WAY, consent_on
from doorstep.storage.session import temporary_writes

#: A day after every pairing's end: an open pairing reaches it in the clock's runs.
_FAR = dt.date(9999, 12, 31)


def _area(row: Sequence[Any]) -> ReportArea:
    return ReportArea(int(row[0]), str(row[1]), str(row[2]), str(row[3]))


def report_scope(
    conn: Connection, code: str | None, level: str | None
) -> tuple[ReportArea | None, str, list[ReportArea]]:
    """The area a report covers (``None``: every root, for a programme of several), its
    path prefix, and the areas it is broken into: those at ``level`` within it, else its
    children (an area without children: none, the report is its whole area's)."""
    if code is None:
        roots = conn.execute(
            text("SELECT id, code, name, level FROM areas WHERE parent_id IS NULL ORDER BY code")
        ).all()
        if len(roots) == 1:
            code = str(roots[0][1])
    if code is None:
        root, prefix = None, ""
        where, params = "parent_id IS NULL", dict[str, object]()
    else:
        root_id, path, _ = area_by_code(conn, code)
        root = _area(
            conn.execute(
                text("SELECT id, code, name, level FROM areas WHERE id = :id"), {"id": root_id}
            ).one()
        )
        prefix = path
        where, params = "parent_id = :root", {"root": root_id}
    if level is not None:
        where = "level = :level AND path LIKE :prefix"
        params = {"level": level, "prefix": prefix + "%"}
    rows = conn.execute(
        text(f"SELECT id, code, name, level FROM areas WHERE {where} ORDER BY code"), params
    ).all()
    if level is not None and not rows:
        levels = conn.execute(
            text("SELECT DISTINCT level FROM areas WHERE path LIKE :prefix ORDER BY level"),
            {"prefix": prefix + "%"},
        ).scalars()
        within = f"in {code}" if code else "in the programme"
        raise InvalidInput(
            f"no area at level {level!r} {within}; its levels are: {', '.join(levels)}"
        )
    # An area without children is its own whole: no rows besides the whole area's.
    return root, prefix, [_area(r) for r in rows]


def fill_groups(conn: Connection, groups: Sequence[int], root: int | None) -> None:
    """Fill ``report_groups(area_id, group_id)`` (a temporary table of this connection):
    every area of each group's subtree, and of the whole subtree under :data:`TOTAL` (ids
    are integers, written into the statement)."""
    ids = ",".join(str(int(g)) for g in groups) or "NULL"
    whole = "parent_id IS NULL" if root is None else f"id = {int(root)}"
    conn.execute(text("DROP TABLE IF EXISTS report_groups"))
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE report_groups "
            "(area_id INTEGER NOT NULL, group_id INTEGER NOT NULL)"
        )
    )
    with temporary_writes(conn):  # a table to read by: no write of the report's
        conn.execute(
            text(
                f"""
                INSERT INTO report_groups (area_id, group_id)
                WITH RECURSIVE grp(area_id, group_id) AS (
                    SELECT id, id FROM areas WHERE id IN ({ids})
                    UNION ALL
                    SELECT id, {TOTAL} FROM areas WHERE {whole}
                    UNION ALL
                    SELECT c.id, g.group_id FROM areas c JOIN grp g ON c.parent_id = g.area_id
                )
                SELECT area_id, group_id FROM grp
                """
            )
        )
    conn.execute(text("CREATE INDEX report_groups_area ON report_groups (area_id, group_id)"))
    if conn.dialect.name == "postgresql":  # a new table has no statistics: plan on its size
        conn.execute(text("ANALYZE report_groups"))


#: ``clocks(id, clock_from)``: for each pairing of the subtree's households, the first day
#: of its household's uninterrupted run of pairings (``services.planning_inputs.
#: clock_starts``, in SQL): a run ends where the household went a day without a pairing.
_CLOCKS = """
    runs AS (
        SELECT p.id, p.household_id, p.started_on,
               MAX(COALESCE(p.ended_on, :far)) OVER (
                   PARTITION BY p.household_id ORDER BY p.started_on, p.id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
        FROM pairings p JOIN households h ON h.id = p.household_id
        JOIN areas a ON a.id = h.area_id
        WHERE a.path LIKE :prefix
    ),
    numbered AS (
        SELECT id, household_id, started_on,
               SUM(CASE WHEN reached IS NULL OR reached < started_on THEN 1 ELSE 0 END) OVER (
                   PARTITION BY household_id ORDER BY started_on, id
                   ROWS UNBOUNDED PRECEDING) AS run
        FROM runs
    ),
    clocks AS (
        SELECT id, MIN(started_on) OVER (PARTITION BY household_id, run) AS clock_from
        FROM numbered
    )"""


def _active(v: str, day: str) -> str:
    """Visitor ``v`` active on ``day`` (an erased one never is)."""
    return (
        f"{v}.name <> '' AND ({v}.active_from IS NULL OR {v}.active_from <= {day}) "
        f"AND ({v}.active_to IS NULL OR {v}.active_to >= {day})"
    )


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(text(sql), params).mappings().all()]


def now_counts(
    conn: Connection,
    *,
    root: int | None,
    prefix: str,
    groups: Sequence[int],
    today: dt.date,
    max_gap_days: int,
    days: int,
) -> list[dict[str, Any]]:
    """Per group, on ``today``: ``households``, ``consenting`` (consent in force that day),
    and of those paired (a pairing begun by then, not ended), ``paired``, ``visitors``
    (active that day), ``planned`` (a visit planned from that day that someone is to
    make), ``due`` (deadline within ``days``) and ``overdue`` (deadline passed), each a
    number of households (visitors: of visitors)."""
    fill_groups(conn, groups, root)
    people = _rows(
        conn,
        f"""
        SELECT g.group_id, COUNT(*) AS households,
               SUM(CASE WHEN {consent_on(":today", conn)} = 'given' THEN 1 ELSE 0 END) AS consenting
        FROM households h JOIN report_groups g ON g.area_id = h.area_id
        GROUP BY g.group_id
        """,
        {"today": today},
    )
    paired = _rows(
        conn,
        f"""
        WITH {_CLOCKS},
        pairs AS MATERIALIZED (
            SELECT h.area_id, p.household_id,
                   CASE WHEN {_active("v", ":today")} THEN p.visitor_id END AS visitor,
                   c.clock_from,
                   (SELECT MAX(vi.actual_start) FROM visits vi
                     WHERE vi.household_id = p.household_id AND vi.status = 'done'
                       AND vi.actual_start <= :today) AS last_visit,
                   (SELECT MAX(vi.planned_start) {_UNDER_WAY}) AS under_way,
                   CASE WHEN EXISTS (SELECT 1 {_NEXT_PLANNED})
                        THEN p.household_id END AS planned
            FROM pairings p
            JOIN households h ON h.id = p.household_id
            JOIN visitors v ON v.id = p.visitor_id
            JOIN clocks c ON c.id = p.id
            WHERE p.started_on <= :today AND (p.ended_on IS NULL OR p.ended_on > :today)
              AND {consent_on(":today", conn)} = 'given'
        ),
        anchored AS (
            SELECT area_id, household_id, visitor, planned,
                   CASE WHEN last_visit IS NULL AND under_way IS NULL THEN clock_from
                        WHEN under_way IS NULL OR last_visit >= under_way THEN last_visit
                        ELSE under_way END AS anchor
            FROM pairs
        )
        SELECT g.group_id, COUNT(DISTINCT household_id) AS paired,
               COUNT(DISTINCT visitor) AS visitors, COUNT(DISTINCT planned) AS planned,
               COUNT(DISTINCT CASE WHEN anchor >= :overdue_before AND anchor <= :due_last
                                   THEN household_id END) AS due,
               COUNT(DISTINCT CASE WHEN anchor < :overdue_before
                                   THEN household_id END) AS overdue
        FROM anchored JOIN report_groups g ON g.area_id = anchored.area_id
        GROUP BY g.group_id
        """,
        {
            "today": today,
            "prefix": prefix + "%",
            "far": _FAR,
            # deadline = anchor + max_gap_days: overdue before today, due up to today + days.
            # Both bounds stop at the calendar's ends, where they still hold every anchor
            # they would (none is before the first day, none after the last).
            "overdue_before": shifted(today, -max_gap_days),
            "due_last": shifted(today, days - max_gap_days),
        },
    )
    return _merge(people, paired, keys=("group_id",))


def _months_cte(months: Sequence[MonthSpan], dialect: str) -> tuple[str, dict[str, Any]]:
    """``months(month, first_day, last_day, cutoff)`` from bound values."""

    def day(name: str) -> str:
        # PostgreSQL needs the type to compare; SQLite stores days as ISO text already.
        return f"CAST(:{name} AS DATE)" if dialect == "postgresql" else f":{name}"

    selects: list[str] = []
    params: dict[str, Any] = {}
    for i, m in enumerate(months):
        selects.append(
            f"SELECT CAST(:m{i} AS VARCHAR(7)) AS month, {day(f'f{i}')} AS first_day, "
            f"{day(f'l{i}')} AS last_day, {day(f'c{i}')} AS cutoff"
        )
        params |= {f"m{i}": m.label, f"f{i}": m.first, f"l{i}": m.last, f"c{i}": m.cutoff}
    return "months AS (" + " UNION ALL ".join(selects) + ")", params


def _code_sums() -> tuple[str, dict[str, str]]:
    """A count of the visits made holding each code (codes are stored ';'-joined, each
    once: a code is in the list when ``;list;`` holds ``;code;``)."""
    sums, params = [], {}
    for column, stored, codes in (
        ("activities", ACTIVITY_COLUMNS, ACTIVITIES.codes),
        ("outcome_codes", OUTCOME_COLUMNS, OUTCOMES.codes),
    ):
        for name, code in zip(stored, codes, strict=True):
            params[name] = "%;" + code.replace("_", "!_") + ";%"
            sums.append(
                f"SUM(CASE WHEN vi.status = 'done' AND ';' || vi.{column} || ';' "
                f"LIKE :{name} ESCAPE '!' THEN 1 ELSE 0 END) AS {name}"
            )
    return ",\n".join(sums), params


def month_counts(
    conn: Connection,
    *,
    root: int | None,
    prefix: str,
    groups: Sequence[int],
    months: Sequence[MonthSpan],
) -> list[dict[str, Any]]:
    """Per group and month: the visits made (``visits_made``, by their first day made) and
    missed (``visits_missed``, by their planned first day), ``households_visited`` and the
    count of visits made with each activity and outcome code; and on the month's last day
    (within the period), households paired (``paired``: consenting that day, with a pairing
    open), their active ``visitors``, and ``within_cadence``: those whose last visit made by
    then, or never visited, whose run of pairings, began on or after the month's
    ``cutoff``; and of its households' referrals, those made (``referrals_made``, by the
    day made) and completed (``referrals_completed``, by the day the service followed)."""
    if not months:
        return []
    fill_groups(conn, groups, root)
    cte, params = _months_cte(months, conn.dialect.name)
    sums, patterns = _code_sums()
    # Counted per area and month, then summed into the groups: a household lies in one
    # area, so even its distinct count adds up (and no visit row is joined to every group
    # it is in). The months are the inner loop (CROSS JOIN, on SQLite): with them outer,
    # every month looked up every visit made or missed again.
    figures = (
        "visits_made",
        "visits_missed",
        "households_visited",
        *ACTIVITY_COLUMNS,
        *OUTCOME_COLUMNS,
    )
    visits = _rows(
        conn,
        f"""
        WITH {cte},
        per_area AS (
            SELECT h.area_id, m.month,
                   SUM(CASE WHEN vi.status = 'done' THEN 1 ELSE 0 END) AS visits_made,
                   SUM(CASE WHEN vi.status = 'missed' THEN 1 ELSE 0 END) AS visits_missed,
                   COUNT(DISTINCT CASE WHEN vi.status = 'done' THEN vi.household_id END)
                       AS households_visited,
                   {sums}
            FROM visits vi
            JOIN households h ON h.id = vi.household_id
            CROSS JOIN months m
            WHERE ((vi.status = 'done' AND vi.actual_start BETWEEN :first AND :last)
                   OR (vi.status = 'missed' AND vi.planned_start BETWEEN :first AND :last))
              AND CASE WHEN vi.status = 'done' THEN vi.actual_start
                       ELSE vi.planned_start END BETWEEN m.first_day AND m.last_day
            GROUP BY h.area_id, m.month
        )
        SELECT g.group_id, pa.month,
               {", ".join(f"SUM(pa.{f}) AS {f}" for f in figures)}
        FROM per_area pa JOIN report_groups g ON g.area_id = pa.area_id
        GROUP BY g.group_id, pa.month
        """,
        params | patterns | {"first": months[0].first, "last": months[-1].last},
    )
    paired = _rows(
        conn,
        f"""
        WITH {cte}, {_CLOCKS},
        monthly AS MATERIALIZED (
            SELECT m.month, h.area_id, p.household_id,
                   CASE WHEN {_active("v", "m.last_day")} THEN p.visitor_id END AS visitor,
                   CASE WHEN COALESCE(
                       (SELECT MAX(vi.actual_start) FROM visits vi
                         WHERE vi.household_id = p.household_id AND vi.status = 'done'
                           AND vi.actual_start <= m.last_day), c.clock_from) >= m.cutoff
                        THEN p.household_id END AS within
            FROM months m
            JOIN pairings p ON p.started_on <= m.last_day
                 AND (p.ended_on IS NULL OR p.ended_on > m.last_day)
            JOIN households h ON h.id = p.household_id
            JOIN visitors v ON v.id = p.visitor_id
            JOIN clocks c ON c.id = p.id
            WHERE {consent_on("m.last_day", conn)} = 'given'
        )
        SELECT g.group_id, monthly.month, COUNT(DISTINCT household_id) AS paired,
               COUNT(DISTINCT visitor) AS visitors, COUNT(DISTINCT within) AS within_cadence
        FROM monthly JOIN report_groups g ON g.area_id = monthly.area_id
        GROUP BY g.group_id, monthly.month
        """,
        params | {"prefix": prefix + "%", "far": _FAR},
    )
    referred = _rows(
        conn,
        f"""
        WITH {cte},
        per_area AS (
            SELECT h.area_id, m.month,
                   SUM(CASE WHEN r.made_on BETWEEN m.first_day AND m.last_day
                            THEN 1 ELSE 0 END) AS referrals_made,
                   SUM(CASE WHEN r.status = 'completed'
                             AND r.status_on BETWEEN m.first_day AND m.last_day
                            THEN 1 ELSE 0 END) AS referrals_completed
            FROM referrals r
            JOIN households h ON h.id = r.household_id
            CROSS JOIN months m
            WHERE r.made_on BETWEEN :first AND :last
               OR (r.status = 'completed' AND r.status_on BETWEEN :first AND :last)
            GROUP BY h.area_id, m.month
        )
        SELECT g.group_id, pa.month, SUM(pa.referrals_made) AS referrals_made,
               SUM(pa.referrals_completed) AS referrals_completed
        FROM per_area pa JOIN report_groups g ON g.area_id = pa.area_id
        GROUP BY g.group_id, pa.month
        """,
        params | {"first": months[0].first, "last": months[-1].last},
    )
    keys = ("group_id", "month")
    return _merge(_merge(visits, paired, keys=keys), referred, keys=keys)


def period_visited(
    conn: Connection,
    *,
    root: int | None,
    groups: Sequence[int],
    first: dt.date,
    last: dt.date,
) -> dict[int, int]:
    """Per group, the households with a visit made that began in ``[first, last]``."""
    fill_groups(conn, groups, root)
    rows = conn.execute(
        text(
            """
            SELECT g.group_id, COUNT(DISTINCT vi.household_id)
            FROM visits vi
            JOIN households h ON h.id = vi.household_id
            JOIN report_groups g ON g.area_id = h.area_id
            WHERE vi.status = 'done' AND vi.actual_start BETWEEN :first AND :last
            GROUP BY g.group_id
            """
        ),
        {"first": first, "last": last},
    ).all()
    return {int(g): int(n) for g, n in rows}


def _merge(
    a: list[dict[str, Any]], b: list[dict[str, Any]], *, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows of ``a`` and ``b`` joined on ``keys`` (a key in one only keeps its figures;
    the build fills the others with 0), every figure an int."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in (*a, *b):
        key = tuple(row[k] for k in keys)
        merged = out.setdefault(key, {k: row[k] for k in keys})
        merged.update({k: int(v or 0) for k, v in row.items() if k not in keys})
    return list(out.values())
