"""Queries over the registry: summaries and export rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, text


@dataclass(frozen=True)
class LevelCount:
    level: str
    depth: int
    areas: int
    households: int
    consenting: int
    visitors: int


def _within(column: str, prefix: str | None) -> str:
    """SQL: ``column`` (an area id) lies in the subtree of the area whose path is bound as
    ``:prefix`` (``TRUE`` everywhere when ``prefix`` is ``None``)."""
    if prefix is None:
        return "1 = 1"
    return f"{column} IN (SELECT id FROM areas WHERE path LIKE :prefix)"


def area_choices(
    conn: Connection, prefix: str | None, most: int, typed: str = ""
) -> list[tuple[str, str]]:
    """Code and name of at most ``most`` areas of the subtree whose path starts with
    ``prefix`` (``None``: every area), the shallowest first, then by code; with ``typed``,
    only those whose code starts with it or whose name holds it, case aside (``%`` and
    ``_`` in it are themselves, not wildcards)."""
    sql = f"SELECT code, name FROM areas a WHERE {_within('a.id', prefix)}"
    params: dict[str, object] = {"prefix": f"{prefix}%", "most": most}
    if typed:
        literal = typed.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
        sql += (
            " AND (LOWER(a.code) LIKE :starts ESCAPE '!' OR LOWER(a.name) LIKE :holds ESCAPE '!')"
        )
        params |= {"starts": f"{literal}%", "holds": f"%{literal}%"}
    rows = conn.execute(text(sql + " ORDER BY depth, code LIMIT :most"), params)
    return [(str(c), str(n)) for c, n in rows]


def organisation_choices(conn: Connection, most: int) -> list[tuple[str, str]]:
    """Code and name of at most ``most`` organisations, by code."""
    rows = conn.execute(
        text("SELECT code, name FROM organisations ORDER BY code LIMIT :most"), {"most": most}
    )
    return [(str(c), str(n)) for c, n in rows]


def counts_by_level(
    conn: Connection, today: dt.date, prefix: str | None = None
) -> list[LevelCount]:
    """Per area level: areas, and the households and the visitors active on ``today`` whose
    own area is at that level; with ``prefix`` (an area's path), of its subtree only."""
    rows = conn.execute(
        text(
            f"""
            SELECT a.level, MIN(a.depth) AS depth, COUNT(*) AS areas,
                   COALESCE(SUM(h.n), 0) AS households, COALESCE(SUM(h.given), 0) AS consenting,
                   COALESCE(SUM(v.n), 0) AS visitors
            FROM areas a
            LEFT JOIN (
                SELECT area_id, COUNT(*) AS n,
                       SUM(CASE WHEN consent_state = 'given' THEN 1 ELSE 0 END) AS given
                FROM households GROUP BY area_id
            ) h ON h.area_id = a.id
            LEFT JOIN (
                SELECT home_area_id, COUNT(*) AS n FROM visitors WHERE {_ACTIVE}
                GROUP BY home_area_id
            ) v ON v.home_area_id = a.id
            WHERE {_within("a.id", prefix)}
            GROUP BY a.level
            ORDER BY MIN(a.depth), a.level
            """
        ),
        {"today": today, "prefix": f"{prefix}%"},
    ).all()
    return [LevelCount(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


#: A visitor who can take households on ``:today`` (its first and last active days
#: inclusive, as pairing reads them); an erased one (``name = ''``) never can.
_ACTIVE = (
    "name <> '' AND (active_from IS NULL OR active_from <= :today) "
    "AND (active_to IS NULL OR active_to >= :today)"
)


def totals(conn: Connection, today: dt.date, prefix: str | None = None) -> dict[str, int]:
    """Headline counts of the programme on ``today``. Visitors and their capacity count
    those active that day, the places pairing can use; those who left or have not started
    are counted apart, so the capacity is never read as usable when it is not.

    With ``prefix`` (an area's path), of its subtree only: its areas, the organisations
    and teams placed in it, the visitors living in it (``home_area_code``, as the counts by
    level count them), its households and their pairings."""

    def within(column: str) -> str:
        return _within(column, prefix)

    active = f"{_ACTIVE} AND {within('home_area_id')}"
    households = f"FROM households WHERE {within('area_id')}"
    q = {
        "areas": f"SELECT COUNT(*) FROM areas WHERE {within('id')}",
        "organisations": f"SELECT COUNT(*) FROM organisations WHERE {within('area_id')}",
        "teams": f"SELECT COUNT(*) FROM teams WHERE {within('area_id')}",
        "visitors": f"SELECT COUNT(*) FROM visitors WHERE {active}",
        "capacity": f"SELECT COALESCE(SUM(capacity), 0) FROM visitors WHERE {active}",
        "visitors_inactive": "SELECT COUNT(*) FROM visitors "
        f"WHERE name <> '' AND NOT ({_ACTIVE}) AND {within('home_area_id')}",
        "households": f"SELECT COUNT(*) {households}",
        "consenting": f"SELECT COUNT(*) {households} AND consent_state = 'given'",
        "members": f"SELECT COALESCE(SUM(members), 0) {households}",
        "active_pairings": "SELECT COUNT(*) FROM pairings WHERE ended_on IS NULL AND "
        f"household_id IN (SELECT id {households})",
    }
    params = {"today": today, "prefix": f"{prefix}%"}
    return {
        k: int(
            conn.execute(
                text(sql), {n: v for n, v in params.items() if f":{n}" in sql}
            ).scalar_one()
        )
        for k, sql in q.items()
    }


_EXPORT_SQL = {
    "areas": """
        SELECT a.code, a.name, p.code AS parent_code, a.level
        FROM areas a LEFT JOIN areas p ON p.id = a.parent_id ORDER BY a.depth, a.id""",
    "organisations": """
        SELECT o.code, o.name, o.kind, a.code AS area_code, o.staff_cap
        FROM organisations o LEFT JOIN areas a ON a.id = o.area_id ORDER BY o.id""",
    "teams": """
        SELECT t.code, t.name, a.code AS area_code, o.code AS organisation_code,
               t.starts_on, t.ends_on
        FROM teams t JOIN areas a ON a.id = t.area_id
        LEFT JOIN organisations o ON o.id = t.organisation_id ORDER BY t.id""",
    "visitors": """
        SELECT v.id AS visitor_row_id, v.external_id AS visitor_id, v.name,
               o.code AS organisation_code, ha.code AS home_area_code, v.lat, v.lon,
               v.languages, v.capacity,
               v.active_from, v.active_to, t.code AS team_code,
               COALESCE(tm.is_lead, false) AS is_team_lead, sa.code AS service_area_code,
               v.remote_pool
        FROM visitors v
        LEFT JOIN organisations o ON o.id = v.organisation_id
        LEFT JOIN areas ha ON ha.id = v.home_area_id
        LEFT JOIN areas sa ON sa.id = v.service_area_id
        LEFT JOIN team_members tm ON tm.visitor_id = v.id
        LEFT JOIN teams t ON t.id = tm.team_id
        WHERE v.name <> ''  -- an erased visitor (visitor_data.ERASED_NAME) is no one's row
        ORDER BY v.id""",
    "households": """
        SELECT h.id AS household_row_id, h.external_id AS household_id, h.head_name, h.address,
               a.code AS area_code, h.lat, h.lon, h.members, h.languages,
               h.consent_state AS consent, h.consent_since AS consent_date, h.remote_pool,
               h.preferred_weekdays
        FROM households h JOIN areas a ON a.id = h.area_id WHERE {area} ORDER BY h.id""",
    "indicators": """
        SELECT h.id AS household_row_id, h.external_id AS household_id, i.year, i.annual_income,
               i.members_in_work, i.services_enrolled
        FROM household_indicators i JOIN households h ON h.id = i.household_id
        WHERE {area} ORDER BY h.id, i.year""",
    "leave": """
        SELECT v.id AS visitor_row_id, v.external_id AS visitor_id, l.starts_on, l.ends_on
        FROM visitor_leave l JOIN visitors v ON v.id = l.visitor_id
        ORDER BY v.id, l.starts_on, l.id""",
    "blackouts": """
        SELECT h.id AS household_row_id, h.external_id AS household_id, b.starts_on, b.ends_on,
               b.reason
        FROM household_blackouts b JOIN households h ON h.id = b.household_id
        WHERE {area} ORDER BY h.id, b.starts_on, b.id""",
    # An erased household's rows went with it; an erased visitor's own rows (exclusions)
    # with them, while the households' records naming them stay, under their id alone: the
    # file names them as the household's export does, and no event names them (no one's).
    "exclusions": """
        SELECT h.id AS household_row_id, v.id AS visitor_row_id,
               h.external_id AS household_id, v.external_id AS visitor_id, e.reason
        FROM exclusions e JOIN households h ON h.id = e.household_id
        JOIN visitors v ON v.id = e.visitor_id
        WHERE v.name <> '' AND {area}
        ORDER BY h.id, v.id""",
    # A visit made shows the days it was made on, any other the days it was planned on.
    "visits": """
        SELECT h.id AS household_row_id,
               CASE WHEN v.name <> '' THEN v.id END AS visitor_row_id,
               vi.client_uuid AS visit_id, h.external_id AS household_id,
               v.external_id AS visitor_id,
               CASE WHEN vi.status = 'done' THEN vi.actual_start ELSE vi.planned_start END
                   AS start,
               CASE WHEN vi.status = 'done' THEN vi.actual_end ELSE vi.planned_end END
                   AS "end",
               vi.notes AS note, vi.activities, vi.outcome_codes, vi.status
        FROM visits vi JOIN households h ON h.id = vi.household_id
        JOIN visitors v ON v.id = vi.visitor_id
        WHERE {area}
        ORDER BY h.id, start, vi.id""",
    "activities": """
        SELECT s.code, s.kind, s.title, a.code AS area_code, o.code AS organisation_code,
               s.starts_on, s.ends_on
        FROM activities s JOIN areas a ON a.id = s.area_id
        LEFT JOIN organisations o ON o.id = s.organisation_id ORDER BY s.id""",
    # Each row is one person's (a visitor's attendance goes with their erasure).
    "attendance": """
        SELECT h.id AS household_row_id, v.id AS visitor_row_id, s.code AS activity_code,
               h.external_id AS household_id, v.external_id AS visitor_id
        FROM activity_attendance t JOIN activities s ON s.id = t.activity_id
        LEFT JOIN households h ON h.id = t.household_id
        LEFT JOIN visitors v ON v.id = t.visitor_id
        ORDER BY s.id, t.id""",
    "projects": """
        SELECT p.code, p.title, o.code AS sponsor_code, a.code AS area_code, p.starts_on,
               p.ends_on, p.status
        FROM projects p JOIN organisations o ON o.id = p.sponsor_id
        JOIN areas a ON a.id = p.area_id ORDER BY p.id""",
    "project_households": """
        SELECT h.id AS household_row_id, p.code AS project_code, h.external_id AS household_id
        FROM project_households t JOIN projects p ON p.id = t.project_id
        JOIN households h ON h.id = t.household_id
        ORDER BY p.id, t.id""",
    # The visitor who made a referral, erased since, is named by id alone, as in visits.
    "referrals": """
        SELECT h.id AS household_row_id,
               CASE WHEN v.name <> '' THEN v.id END AS visitor_row_id,
               r.id AS referral, h.external_id AS household_id,
               o.code AS organisation_code, r.service, r.made_on,
               v.external_id AS visitor_id, r.status, r.status_on
        FROM referrals r JOIN households h ON h.id = r.household_id
        JOIN organisations o ON o.id = r.organisation_id
        LEFT JOIN visitors v ON v.id = r.visitor_id
        WHERE {area}
        ORDER BY r.made_on, r.id""",
    # The distance is the one the commit that made the pairing proposed (none for a pairing
    # made otherwise, or before proposals kept it).
    "pairings": """
        SELECT h.id AS household_row_id,
               CASE WHEN v.name <> '' THEN v.id END AS visitor_row_id,
               h.external_id AS household_id, v.external_id AS visitor_id,
               p.started_on AS since, pp.distance_m, p.ended_on, p.end_reason
        FROM pairings p JOIN households h ON h.id = p.household_id
        JOIN visitors v ON v.id = p.visitor_id
        LEFT JOIN proposed_pairs pp ON pp.proposal_id = p.proposal_id
             AND pp.household_id = p.household_id AND pp.visitor_id = p.visitor_id
        WHERE (p.ended_on IS NULL OR :ended) AND {area}
        ORDER BY h.id, p.started_on, p.id""",
}


#: The entities whose rows are each a household's, which an export can take of one area.
BY_AREA = tuple(e for e, sql in _EXPORT_SQL.items() if "{area}" in sql)

#: A household of the area of path ``:prefix`` or below it.
_IN_AREA = "h.area_id IN (SELECT id FROM areas WHERE path LIKE :prefix)"


def export_frame(
    conn: Connection, entity: str, *, ended: bool = False, area_path: str | None = None
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """Rows of ``entity`` with the columns its file has, and for rows about people the
    database ids of the households and the visitors they name, by the entity an event
    names them under (``household``, ``visitor``), read by the same statement, for the
    audit. ``ended``: pairings ended too, not only current ones. ``area_path``: only the
    rows of households in that area or below it (an entity of :data:`BY_AREA`)."""
    sql = _EXPORT_SQL[entity]
    if area_path is not None and entity not in BY_AREA:
        raise ValueError(f"{entity} are not exported by area")
    sql = sql.replace("{area}", "1 = 1" if area_path is None else _IN_AREA)
    params = {"ended": ended} | ({} if area_path is None else {"prefix": area_path + "%"})
    result = conn.execute(text(sql), params)
    cols = list(result.keys())
    rows = result.all()
    got = pl.DataFrame(rows, schema=cols, orient="row", infer_schema_length=None)
    people = {
        c.removesuffix(_ROW_ID): got[c].drop_nulls().cast(pl.Int64)
        for c in cols
        if c.endswith(_ROW_ID)
    }
    return got.drop([c for c in cols if c.endswith(_ROW_ID)]), people


#: The suffix of the columns that give the database id of the person a row names.
_ROW_ID = "_row_id"
