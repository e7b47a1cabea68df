"""What a coordinator or visitor looks up about one household at a time: its case file.

Each read is of one household's rows (its own, its pairings, visits, referrals, indicators,
activities and projects), by the indexes on ``household_id``; the export
(:mod:`.household_data`) reads every table, this reads what the file shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Connection, String, bindparam, text

from doorstep.storage.repositories.visit_records import _day as as_day
from doorstep.storage.repositories.visits import consent_on

#: Days and times come back as ISO text from SQLite, as dates from PostgreSQL.
_DAYS = (
    "consent_since",
    "started_on",
    "ended_on",
    "start",
    "end",
    "made_on",
    "status_on",
    "starts_on",
    "ends_on",
    "active_from",
    "active_to",
)


def rows_of(
    conn: Connection, sql: str, params: dict[str, Any], *, inline: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts, their days as dates on either database. The parameters
    named in ``inline`` are written into the statement as literals (quoted by the dialect),
    so that the database plans it for their values: a statement run often with only its
    parameters changed is planned once for any values on PostgreSQL (psycopg prepares it
    after five runs)."""
    query = text(sql).bindparams(
        *(bindparam(k, type_=String(), literal_execute=True) for k in inline if f":{k}" in sql)
    )
    rows = [dict(r) for r in conn.execute(query, params).mappings().all()]
    for r in rows:
        for key in _DAYS:
            if r.get(key) is not None:
                r[key] = as_day(r[key])
    return rows


def profile(conn: Connection, household: int, today: dt.date) -> dict[str, Any]:
    """The household's own row as the file shows it, with its area's code and name, and its
    consent on ``today`` (an act dated later is not in force yet)."""
    sql = f"""
        SELECT h.external_id AS household, h.head_name, h.address, h.members, h.languages,
               h.preferred_weekdays, a.code AS area, a.name AS area_name,
               {consent_on(":today", conn)} AS consent, h.consent_state AS consent_act,
               h.consent_since
        FROM households h JOIN areas a ON a.id = h.area_id
        WHERE h.id = :household
    """
    return rows_of(conn, sql, {"household": household, "today": today})[0]


def pairings(conn: Connection, household: int) -> list[dict[str, Any]]:
    """Every pairing of the household, the latest begun first, with its visitor."""
    sql = """
        SELECT v.external_id AS visitor, v.name AS visitor_name, p.started_on, p.ended_on,
               p.end_reason
        FROM pairings p JOIN visitors v ON v.id = p.visitor_id
        WHERE p.household_id = :household
        ORDER BY p.started_on DESC, p.id DESC
    """
    return rows_of(conn, sql, {"household": household})


def referrals(conn: Connection, household: int) -> list[dict[str, Any]]:
    """The household's referrals, the latest made first, with the organisation referred to
    and the visitor who made each (none: made by the office)."""
    sql = """
        SELECT r.id AS number, o.code AS organisation, o.name AS organisation_name,
               r.service, r.made_on, r.status, r.status_on, v.external_id AS visitor
        FROM referrals r
        JOIN organisations o ON o.id = r.organisation_id
        LEFT JOIN visitors v ON v.id = r.visitor_id
        WHERE r.household_id = :household
        ORDER BY r.made_on DESC, r.id DESC
    """
    return rows_of(conn, sql, {"household": household})


def indicators(conn: Connection, household: int) -> list[dict[str, Any]]:
    """The household's yearly indicators, the latest year first."""
    sql = """
        SELECT year, annual_income, members_in_work, services_enrolled
        FROM household_indicators WHERE household_id = :household ORDER BY year DESC
    """
    return rows_of(conn, sql, {"household": household})


def activities(
    conn: Connection, owner_id: int, owner: Literal["household", "visitor"] = "household"
) -> list[dict[str, Any]]:
    """The group activities the household (or visitor) took part in, the latest first."""
    sql = f"""
        SELECT a.code, a.kind, a.title, a.starts_on, a.ends_on
        FROM activity_attendance t JOIN activities a ON a.id = t.activity_id
        WHERE t.{owner}_id = :owner
        ORDER BY a.starts_on DESC, a.code
    """
    return rows_of(conn, sql, {"owner": owner_id})


def projects(conn: Connection, household: int) -> list[dict[str, Any]]:
    """The development projects that count the household among their beneficiaries, the
    latest begun first, with their sponsor."""
    sql = """
        SELECT p.code, p.title, o.code AS sponsor, p.starts_on, p.ends_on, p.status
        FROM project_households ph
        JOIN projects p ON p.id = ph.project_id
        JOIN organisations o ON o.id = p.sponsor_id
        WHERE ph.household_id = :household
        ORDER BY p.starts_on DESC, p.code
    """
    return rows_of(conn, sql, {"household": household})
