"""Queries behind database-mode planning and the coordinators' work lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

import polars as pl
from sqlalchemy import Connection, DateTime, bindparam, text

from doorstep.domain.days import end_of_day
from doorstep.storage.local_day import local_day
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.reads import detail_field, frame


def scope_pairings(conn: Connection, path: str, start: dt.date) -> pl.DataFrame:
    """Pairings active on or after ``start`` of households in the subtree at ``path``, with
    the household's consent (its current act's state, the state in force on ``start``, as
    the work lists decide it: ``consent_on``, the first day its current act counts:
    ``consent_act_from``, and the day a withdrawal dated later ends it: ``consent_ends_on``,
    as for a hand-over's stay), the visitor's active dates (inclusive) and whether the pair
    is excluded now (``excluded``: 1, its pairing waiting for the commit that ends it)."""
    return frame(
        conn,
        f"""
        SELECT p.id, p.household_id, p.visitor_id, p.started_on, p.ended_on,
               h.external_id AS household, v.external_id AS visitor,
               h.lat, h.lon, h.preferred_weekdays, v.organisation_id,
               h.consent_state, {consent_on(":start", conn)} AS consent_on_start,
               {consent_act_from(conn)} AS consent_act_from,
               {consent_until()} AS consent_ends_on,
               v.active_from AS visitor_from, v.active_to AS visitor_to,
               CASE WHEN EXISTS (
                   SELECT 1 FROM exclusions e
                   WHERE e.household_id = p.household_id AND e.visitor_id = p.visitor_id
               ) THEN 1 ELSE 0 END AS excluded
        FROM pairings p
        JOIN households h ON h.id = p.household_id
        JOIN areas a ON a.id = h.area_id
        JOIN visitors v ON v.id = p.visitor_id
        WHERE a.path LIKE :prefix AND (p.ended_on IS NULL OR p.ended_on > :start)
        ORDER BY p.id
        """,
        {"prefix": path + "%", "start": start},
        {
            "id": pl.Int64,
            "household_id": pl.Int64,
            "visitor_id": pl.Int64,
            "started_on": pl.Date,
            "ended_on": pl.Date,
            "household": pl.String,
            "visitor": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "preferred_weekdays": pl.String,
            "organisation_id": pl.Int64,
            "consent_state": pl.String,
            "consent_on_start": pl.String,
            "consent_act_from": pl.Date,
            "consent_ends_on": pl.Date,
            "visitor_from": pl.Date,
            "visitor_to": pl.Date,
            "excluded": pl.Int64,
        },
    )


def _ids_sql(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def organisations_of(conn: Connection, org_ids: list[int]) -> pl.DataFrame:
    """Each organisation's staff cap."""
    return frame(
        conn,
        f"SELECT id, code, staff_cap FROM organisations WHERE id IN ({_ids_sql(org_ids)})",
        {},
        {"id": pl.Int64, "code": pl.String, "staff_cap": pl.Float64},
    )


def staff_of(conn: Connection, org_ids: list[int]) -> pl.DataFrame:
    """Every visitor of these organisations (in any area) with their active days
    (inclusive, null for open ends): the staff a cap is a share of."""
    return frame(
        conn,
        f"""
        SELECT organisation_id, active_from, active_to FROM visitors
        WHERE organisation_id IN ({_ids_sql(org_ids)})
        """,
        {},
        {"organisation_id": pl.Int64, "active_from": pl.Date, "active_to": pl.Date},
    )


def spans(conn: Connection, table: str, owner: str, ids: list[int]) -> pl.DataFrame:
    """Leave or blackout spans of the given visitors or households."""
    return frame(
        conn,
        f"SELECT {owner}, starts_on, ends_on FROM {table} WHERE {owner} IN ({_ids_sql(ids)})",
        {},
        {owner: pl.Int64, "starts_on": pl.Date, "ends_on": pl.Date},
    )


def recorded_visits(conn: Connection, household_ids: list[int], since: dt.date) -> pl.DataFrame:
    """Visits made to these households (status done, by any of their pairings, ended or
    not): every one since ``since``, and each household's latest before it, however long
    ago (the cadence runs per household: the last visit sets the next deadline)."""
    ids = _ids_sql(household_ids)
    schema = {
        "household_id": pl.Int64,
        "pairing_id": pl.Int64,
        "visitor_id": pl.Int64,
        "actual_start": pl.Date,
        "actual_end": pl.Date,
    }
    recent = frame(
        conn,
        f"""
        SELECT household_id, pairing_id, visitor_id, actual_start, actual_end FROM visits
        WHERE status = 'done' AND household_id IN ({ids}) AND actual_start >= :since
        """,
        {"since": since},
        schema,
    )
    older = frame(
        conn,
        f"""
        SELECT household_id, NULL AS pairing_id, NULL AS visitor_id,
               MAX(actual_start) AS actual_start, NULL AS actual_end
        FROM visits WHERE status = 'done' AND household_id IN ({ids}) AND actual_start < :since
        GROUP BY household_id
        """,
        {"since": since},
        schema,
    )
    return pl.concat([recent, older])


def stays_of(conn: Connection, visitor_ids: list[int], since: dt.date) -> pl.DataFrame:
    """Every stay of these visitors (planned, or made: by the visit's own visitor, whatever
    pairing it is filed under) that ends on ``since`` or later, with its visit's id, its
    pairing and household. A visit planned on or after its pairing's end is no stay: nobody
    is to make it (the plan deletes it), so it must not keep its visitor from others."""
    return frame(
        conn,
        f"""
        SELECT id, visitor_id, pairing_id, household_id, status,
               COALESCE(actual_start, planned_start) AS starts_on,
               COALESCE(actual_end, actual_start, planned_end) AS ends_on
        FROM visits
        WHERE visitor_id IN ({_ids_sql(visitor_ids)})
          AND (status = 'planned' AND planned_end >= :since
               AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.id = visits.pairing_id
                               AND p.ended_on <= visits.planned_start)
               OR status = 'done' AND COALESCE(actual_end, actual_start) >= :since)
        """,
        {"since": since},
        {
            "id": pl.Int64,
            "visitor_id": pl.Int64,
            "pairing_id": pl.Int64,
            "household_id": pl.Int64,
            "status": pl.String,
            "starts_on": pl.Date,
            "ends_on": pl.Date,
        },
    )


def consent_on(day: str, conn: Connection) -> str:
    """SQL for the state of household ``h``'s consent in force on the day bound to the
    parameter ``day`` (``":today"``), on the database of ``conn``.

    It is the household's current act from the day it counts from (:func:`consent_act_from`:
    its date, else the day it was entered), else the latest by date (then by the order
    recorded) of the acts it replaced that counts by then (``consent_records``, each by its
    ``recorded_on``: its date, or undated the day it was entered): a form dated before a
    withdrawal but entered after it does not undo the withdrawal on later days. As of a past
    day, then, a household that consented then and has withdrawn since consents, and one
    that consented only later does not. An act replaced counts until the act replacing it
    does: from its date, or undated from the day it was entered, which is the day it
    replaced the other.

    A current act without a date counts from the day it was entered
    (``consent_entered_on``), whatever it says. One entered before migration 0028 has no
    such day, and is known only from when the row was written: a household with no replaced
    act has had its act since its row was created (``created_at``); one with replaced acts
    got it at some moment up to its row's last write (``updated_at``). Such an act giving
    consent counts from the local day of that moment (:func:`~doorstep.storage.local_day.
    local_day`: the day ``today`` was where the process runs, not the UTC day), the acts it
    replaced deciding before; one not giving consent counts on every day, so that no list
    shows a household as consenting on a day it may not have been.
    """
    return f"""CASE WHEN h.consent_since <= {day}
                 OR (h.consent_since IS NULL
                     AND (h.consent_entered_on <= {day}
                          OR (h.consent_entered_on IS NULL
                              AND (h.consent_state <> 'given'
                                   OR {_act_recorded_on(conn)} <= {day}))))
           THEN h.consent_state
           ELSE (SELECT r.action FROM consent_records r
                 WHERE r.household_id = h.id AND r.recorded_on <= {day}
                 ORDER BY r.recorded_on DESC, r.id DESC LIMIT 1) END"""


def _act_recorded_on(conn: Connection) -> str:
    """SQL for the local day household ``h``'s current act was recorded at the latest, as
    far as the row knows where it keeps no ``consent_entered_on`` (``consent_on``): its
    creation, or its last write once it has replaced acts."""
    return local_day(
        conn,
        """CASE WHEN EXISTS (SELECT 1 FROM consent_records c WHERE c.household_id = h.id)
                THEN h.updated_at ELSE h.created_at END""",
    )


def consent_act_from(conn: Connection) -> str:
    """SQL for the first day household ``h``'s current act counts from, as ``consent_on``
    decides it: its date, else (undated) the day it was entered; entered before migration
    0028, the day it was recorded as far as the row knows where it gives consent, and null
    where it does not, which then counts on every day."""
    return f"""COALESCE(h.consent_since, h.consent_entered_on,
                    CASE WHEN h.consent_state = 'given' THEN {_act_recorded_on(conn)} END)"""


def consent_until() -> str:
    """SQL for the day household ``h``'s current act ends its consent, where it does not
    give consent: the day it counts from (its date, else the day it was entered); null
    where it gives consent, and for an undated one entered before migration 0028, which
    counts on every day."""
    return """CASE WHEN h.consent_state <> 'given'
                   THEN COALESCE(h.consent_since, h.consent_entered_on) END"""


def _work_scope(
    conn: Connection, visitor: str | None, team: str | None, area_path: str | None
) -> tuple[list[str], dict[str, Any]]:
    """The conditions of a work list: households that consent on ``:today``
    (``consent_on``), and a visitor, team or area."""
    where = [f"{consent_on(':today', conn)} = 'given'"]
    params: dict[str, Any] = {}
    if visitor:
        where.append("v.external_id = :visitor")
        params["visitor"] = visitor
    if team:
        where.append(
            "v.id IN (SELECT m.visitor_id FROM team_members m JOIN teams t ON t.id = m.team_id "
            "WHERE t.code = :team)"
        )
        params["team"] = team
    if area_path:
        where.append("a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    return where, params


def _active_on_visit(p: str = "p", v: str = "v") -> list[str]:
    """The pairing ``p`` and its visitor ``v`` active on a visit's (``vi``) first day."""
    return [
        f"({p}.ended_on IS NULL OR {p}.ended_on > vi.planned_start)",
        f"({v}.active_from IS NULL OR {v}.active_from <= vi.planned_start)",
        f"({v}.active_to IS NULL OR {v}.active_to >= vi.planned_start)",
    ]


_ACTIVE_ON_VISIT = _active_on_visit()

# The household's planned visits from ``:today`` that someone is to make (their pairing and
# visitor active on the first day), whoever that is: a household handed to an incoming
# visitor has that visitor's planned visit next, not none.
_NEXT_PLANNED = f"""
    FROM visits vi JOIN pairings np ON np.id = vi.pairing_id
    JOIN visitors nv ON nv.id = np.visitor_id
    WHERE vi.household_id = p.household_id AND vi.status = 'planned'
      AND vi.planned_start >= :today AND {" AND ".join(_active_on_visit("np", "nv"))}
"""

# A planned stay of the household begun before ``:today`` and not over that someone is
# making (its pairing and visitor active on its first day), recorded only once it is over:
# the household is being visited, whoever's pairing it is now (the old visitor's on a
# hand-over day). One planned to begin that day is only its next planned visit.
_UNDER_WAY = f"""
    FROM visits vi JOIN pairings up ON up.id = vi.pairing_id
    JOIN visitors uv ON uv.id = up.visitor_id
    WHERE vi.household_id = p.household_id AND vi.status = 'planned'
      AND vi.planned_start < :today AND vi.planned_end >= :today
      AND {" AND ".join(_active_on_visit("up", "uv"))}
"""


def upcoming_visits(
    conn: Connection,
    *,
    today: dt.date,
    until: dt.date | None,
    visitor: str | None,
    team: str | None,
    area_path: str | None,
    over_before: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Planned visits starting in ``[today, until)`` (``until`` none: from ``today`` to the
    calendar's last day, which has no day after it to bound them), by day, where their pairing and
    visitor are active on the visit's first day (as the visitor's calendar lists them);
    with the visit's id (``visit_id``), which tells apart two rows alike in all else.
    Given ``over_before``, only those whose last planned day is before it: still planned
    once over, neither recorded as made nor marked missed."""
    where, params = _work_scope(conn, visitor, team, area_path)
    if over_before is not None:
        where = [*where, "COALESCE(vi.planned_end, vi.planned_start) < :over_before"]
        params["over_before"] = over_before
    if until is not None:
        where = [*where, "vi.planned_start < :until"]
        params["until"] = until
    sql = f"""
        SELECT vi.id AS visit_id, h.id AS household_id, h.external_id AS household,
               h.head_name, a.name AS area, v.external_id AS visitor, v.name AS visitor_name,
               vi.planned_start AS start, vi.planned_end AS end_day
        FROM visits vi
        JOIN pairings p ON p.id = vi.pairing_id
        JOIN households h ON h.id = p.household_id
        JOIN areas a ON a.id = h.area_id
        JOIN visitors v ON v.id = p.visitor_id
        WHERE {" AND ".join(where + _ACTIVE_ON_VISIT)} AND vi.status = 'planned'
          AND vi.planned_start >= :today
        ORDER BY vi.planned_start, v.external_id, h.external_id
    """
    params["today"] = today
    rows = [dict(r) for r in conn.execute(text(sql), params).mappings().all()]
    for r in rows:  # days on either database, so that the lists order them alike
        for key in ("start", "end_day"):
            if r[key] is not None:
                r[key] = _as_date(r[key])
    return rows


def open_pairings(
    conn: Connection,
    *,
    today: dt.date,
    visitor: str | None,
    team: str | None,
    area_path: str | None,
    household_id: int | None = None,
) -> list[dict[str, Any]]:
    """Pairings begun by ``today`` that end after it, of households that consent (of one
    household, given ``household_id``: its case file's cadence) (whether
    the pair is excluded now: ``excluded``, 1 or 0; whether
    their visitor has begun or left: ``visitor_from``, ``visitor_to``; a leaver's only
    where no other such pairing of its household has a visitor who has not left, and only
    the latest of a household's leavers' pairings), each
    with its household's last recorded visit by ``today`` (by any visitor), the first day
    of a planned stay of it begun before ``today``, not over and not yet recorded
    (``under_way``), and
    its next planned visit from ``today``, whoever is to make it (``next_visitor``)."""
    where, params = _work_scope(conn, visitor, team, area_path)
    if household_id is not None:
        where.append("p.household_id = :household_id")
        params["household_id"] = household_id
    where += [
        "p.started_on <= :today",
        "(p.ended_on IS NULL OR p.ended_on > :today)",
        # A leaver's pairing left open is listed only while its household has no visitor
        # now: paired with another visitor who has not left, the household is that
        # pairing's (and due as the household is, its cadence being the household's).
        """NOT (v.active_to IS NOT NULL AND v.active_to < :today AND EXISTS (
               SELECT 1 FROM pairings o JOIN visitors ov ON ov.id = o.visitor_id
               WHERE o.household_id = p.household_id AND o.id <> p.id
                 AND o.started_on <= :today AND (o.ended_on IS NULL OR o.ended_on > :today)
                 AND (ov.active_to IS NULL OR ov.active_to >= :today)))""",
        # Of several leavers' pairings left open (and no visitor now), the latest stands
        # for the household: it waits for one new visitor, not one per leaver.
        """NOT (v.active_to IS NOT NULL AND v.active_to < :today AND EXISTS (
               SELECT 1 FROM pairings o JOIN visitors ov ON ov.id = o.visitor_id
               WHERE o.household_id = p.household_id AND o.id <> p.id
                 AND o.started_on <= :today AND (o.ended_on IS NULL OR o.ended_on > :today)
                 AND ov.active_to IS NOT NULL AND ov.active_to < :today
                 AND (o.started_on > p.started_on
                      OR o.started_on = p.started_on AND o.id > p.id)))""",
    ]
    sql = f"""
        SELECT p.id AS pairing_id, p.household_id,
               h.external_id AS household, h.head_name, a.name AS area,
               v.external_id AS visitor, v.name AS visitor_name, p.started_on,
               v.active_from AS visitor_from, v.active_to AS visitor_to,
               CASE WHEN EXISTS (
                   SELECT 1 FROM exclusions e
                   WHERE e.household_id = p.household_id AND e.visitor_id = p.visitor_id
               ) THEN {_excluded_by(conn)} ELSE 0 END AS excluded,
               (SELECT MAX(vi.actual_start) FROM visits vi
                 WHERE vi.household_id = p.household_id AND vi.status = 'done'
                   AND vi.actual_start <= :today) AS last_visit,
               (SELECT MAX(vi.planned_start) {_UNDER_WAY}) AS under_way,
               (SELECT MIN(vi.planned_start) {_NEXT_PLANNED}) AS next_planned,
               (SELECT nv.external_id {_NEXT_PLANNED}
                ORDER BY vi.planned_start, nv.external_id LIMIT 1) AS next_visitor
        FROM pairings p
        JOIN households h ON h.id = p.household_id
        JOIN areas a ON a.id = h.area_id
        JOIN visitors v ON v.id = p.visitor_id
        WHERE {" AND ".join(where)}
    """
    params["today"] = today
    params["until"] = end_of_day(today)
    query = text(sql).bindparams(bindparam("until", type_=DateTime(timezone=True)))
    rows = [dict(r) for r in conn.execute(query, params).mappings().all()]
    for r in rows:  # SQLite hands dates back as ISO text
        for key in (
            "started_on",
            "visitor_from",
            "visitor_to",
            "last_visit",
            "under_way",
            "next_planned",
        ):
            if r[key] is not None:
                r[key] = _as_date(r[key])
    return rows


def _excluded_by(conn: Connection) -> str:
    """Whether a pair excluded now was excluded by the end of ``:today`` (before ``:until``,
    its next midnight UTC), 1 or 0, as the trail dates it (the table keeps no date): the
    pair's last exclusion or removal by then, under the visitor naming the household, is an
    exclusion; with none by then, only later ones, it was not yet. An exclusion the trail
    does not date (no events of it) is taken as made already. Read only for the few pairs
    excluded now, through the index on ``entity_id``."""

    def key(k: str) -> str:
        return detail_field(conn, k)

    events = f"""
        FROM audit_events ev
        WHERE ev.entity = 'visitor' AND ev.entity_id = v.external_id
          AND {key("table")} = 'exclusions' AND {key("household")} = h.external_id
          AND {key("outcome")} IS NULL
          AND (ev.action = 'create' OR ev.action = 'update' AND {key("removed")} IS NOT NULL)
    """
    return f"""COALESCE(
        (SELECT CASE WHEN ev.action = 'create' THEN 1 ELSE 0 END {events}
           AND ev.at < :until ORDER BY ev.at DESC, ev.id DESC LIMIT 1),
        CASE WHEN EXISTS (SELECT 1 {events}) THEN 0 ELSE 1 END)"""


def household_pairings(conn: Connection, household_ids: list[int]) -> pl.DataFrame:
    """Every pairing of these households, ended or not, begun or not."""
    return frame(
        conn,
        f"""
        SELECT id, household_id, started_on, ended_on FROM pairings
        WHERE household_id IN ({_ids_sql(household_ids)})
        """,
        {},
        {
            "id": pl.Int64,
            "household_id": pl.Int64,
            "started_on": pl.Date,
            "ended_on": pl.Date,
        },
    )


def _as_date(value: object) -> dt.date:
    """A date column's value (SQLite hands dates back as ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def planned_for_visitor(conn: Connection, visitor: str, since: dt.date) -> pl.DataFrame:
    """A visitor's planned visits that end on ``since`` or later (under way or to come), in
    order: as the work lists, none of a household that no longer consents, none on or after
    its pairing's end or the visitor's last day (the plan keeps them until it is run again;
    nobody is to make them); with the household's area name (``household, start, end, area,
    household_id``)."""
    return frame(
        conn,
        """
        SELECT h.external_id, vi.planned_start, vi.planned_end, a.name, h.id FROM visits vi
        JOIN visitors v ON v.id = vi.visitor_id
        JOIN households h ON h.id = vi.household_id
        JOIN areas a ON a.id = h.area_id
        LEFT JOIN pairings p ON p.id = vi.pairing_id
        WHERE v.external_id = :visitor AND vi.status = 'planned' AND vi.planned_end >= :since
          AND h.consent_state = 'given'
          AND (p.ended_on IS NULL OR p.ended_on > vi.planned_start)
          AND (v.active_to IS NULL OR v.active_to >= vi.planned_start)
        ORDER BY vi.planned_start, h.external_id
        """,
        {"visitor": visitor, "since": since},
        {
            "household": pl.String,
            "start": pl.Date,
            "end": pl.Date,
            "area": pl.String,
            "household_id": pl.Int64,
        },
    )


def recorded_for_visitor(conn: Connection, visitor: str, since: dt.date) -> pl.DataFrame:
    """A visitor's visits recorded as made whose recorded or planned days reach ``since``
    (a calendar may have listed the planned one), of households that consent: with the
    first day the event's UID comes from, the planned visit's if it took one over
    (``household, uid_start, start, end, area, household_id``; ``end`` its last day)."""
    return frame(
        conn,
        """
        SELECT h.external_id, COALESCE(vi.planned_start, vi.actual_start), vi.actual_start,
               COALESCE(vi.actual_end, vi.actual_start), a.name, h.id FROM visits vi
        JOIN visitors v ON v.id = vi.visitor_id
        JOIN households h ON h.id = vi.household_id
        JOIN areas a ON a.id = h.area_id
        WHERE v.external_id = :visitor AND vi.status = 'done' AND h.consent_state = 'given'
          AND (COALESCE(vi.actual_end, vi.actual_start) >= :since OR vi.planned_end >= :since)
        ORDER BY vi.actual_start, h.external_id
        """,
        {"visitor": visitor, "since": since},
        {
            "household": pl.String,
            "uid_start": pl.Date,
            "start": pl.Date,
            "end": pl.Date,
            "area": pl.String,
            "household_id": pl.Int64,
        },
    )


def planned_visits(conn: Connection, pairing_ids: list[int], since: dt.date) -> pl.DataFrame:
    """The planned (not yet recorded) visits of these pairings that end on ``since`` or
    later (those under way that day too), with the first day of the plan that laid each
    (null if none did)."""
    return frame(
        conn,
        f"""
        SELECT id, pairing_id, visitor_id, household_id, planned_start, planned_end,
               planned_from
        FROM visits WHERE status = 'planned' AND planned_end >= :since
          AND pairing_id IN ({_ids_sql(pairing_ids)})
        """,
        {"since": since},
        {
            "id": pl.Int64,
            "pairing_id": pl.Int64,
            "visitor_id": pl.Int64,
            "household_id": pl.Int64,
            "planned_start": pl.Date,
            "planned_end": pl.Date,
            "planned_from": pl.Date,
        },
    )


def last_unmade_before(conn: Connection, pairing_ids: list[int], start: dt.date) -> pl.DataFrame:
    """Per pairing, the first and last days of its latest planned stays over before
    ``start`` that were neither recorded nor marked missed (visits the plan meant and
    nobody made): ``pairing_id, unmade, unmade_end``."""
    return frame(
        conn,
        f"""
        SELECT pairing_id, MAX(planned_start) AS unmade, MAX(planned_end) AS unmade_end
        FROM visits WHERE status = 'planned' AND planned_end < :start
          AND pairing_id IN ({_ids_sql(pairing_ids)})
        GROUP BY pairing_id
        """,
        {"start": start},
        {"pairing_id": pl.Int64, "unmade": pl.Date, "unmade_end": pl.Date},
    )


def set_planned_from(conn: Connection, visit_ids: list[int], day: dt.date) -> None:
    """These planned visits were laid again, on the same days, by a plan from ``day``."""
    if visit_ids:
        conn.execute(
            text(f"UPDATE visits SET planned_from = :day WHERE id IN ({_ids_sql(visit_ids)})"),
            {"day": day},
        )


def under_way_of_ended(conn: Connection, path: str, day: dt.date) -> pl.DataFrame:
    """Planned stays of the households in the subtree at ``path`` under way on ``day``
    (begun before it, ending on it or later) of pairings ended by ``day`` but not before
    the stay began (a stay, as ``stays_of`` has it; a hand-over, say): ``id, visitor_id,
    household_id, planned_start, planned_end, unwanted, consent_until``. The visit is
    happening, though its pairing is over and no plan from ``day`` looks at it, unless it
    is ``unwanted`` (1): the household does not consent on ``day`` (``consent_on``) or the
    pair is excluded, as for a pairing that gets no visits. ``consent_until`` is the day a
    withdrawal dated after ``day`` takes effect (null: none), before which the stay ends."""
    return frame(
        conn,
        f"""
        SELECT vi.id, vi.visitor_id, vi.household_id, vi.planned_start, vi.planned_end,
               CASE WHEN {consent_on(":day", conn)} = 'given'
                     AND NOT EXISTS (
                       SELECT 1 FROM exclusions e
                       WHERE e.household_id = vi.household_id AND e.visitor_id = vi.visitor_id)
                    THEN 0 ELSE 1 END AS unwanted,
               {consent_until()} AS consent_until
        FROM visits vi
        JOIN pairings p ON p.id = vi.pairing_id
        JOIN households h ON h.id = vi.household_id JOIN areas a ON a.id = h.area_id
        WHERE vi.status = 'planned' AND a.path LIKE :prefix
          AND vi.planned_start < :day AND vi.planned_end >= :day
          AND p.ended_on <= :day AND p.ended_on > vi.planned_start
        ORDER BY vi.id
        """,
        {"day": day, "prefix": path + "%"},
        {
            "id": pl.Int64,
            "visitor_id": pl.Int64,
            "household_id": pl.Int64,
            "planned_start": pl.Date,
            "planned_end": pl.Date,
            "unwanted": pl.Int64,
            "consent_until": pl.Date,
        },
    )


def missed_since(
    conn: Connection,
    pairing_ids: list[int],
    since: dt.date,
    start: dt.date,
    *,
    not_made: Sequence[int] = (),
) -> list[int]:
    """Pairings with a missed visit since ``since`` not made up since: no recorded visit
    after it, nor a planned one after it already under way on ``start`` (begun before it,
    not over: one over by then and not recorded was not made either, as the plan takes
    every visit planned before its start that is neither recorded nor marked missed).

    ``not_made`` are planned stays under way that the plan knows did not happen (their
    visitor was recorded elsewhere on one of their days): they make nothing up."""
    skip = f"AND d.id NOT IN ({_ids_sql(list(not_made))})" if not_made else ""
    rows = conn.execute(
        text(
            f"""
            SELECT DISTINCT m.pairing_id FROM visits m
            WHERE m.status = 'missed' AND m.planned_start >= :since
              AND m.pairing_id IN ({_ids_sql(pairing_ids)})
              AND NOT EXISTS (
                SELECT 1 FROM visits d WHERE d.pairing_id = m.pairing_id
                  AND (d.status = 'done' AND d.actual_start >= m.planned_start
                       OR d.status = 'planned' AND d.planned_start > m.planned_start
                          AND d.planned_start < :start AND d.planned_end >= :start {skip}))
            """
        ),
        {"since": since, "start": start},
    ).scalars()
    return [int(r) for r in rows]


#: Planned visits about to be deleted, kept as cancelled (``cancelled_visits``) so that the
#: next calendar of their visitor cancels their events; once per household, visitor and day.
_CANCEL = """
    INSERT INTO cancelled_visits (household_id, visitor_id, starts_on, ends_on)
    SELECT household_id, visitor_id, planned_start, planned_end FROM visits
    WHERE status = 'planned' AND planned_start IS NOT NULL AND planned_end IS NOT NULL
      AND {where}
    ON CONFLICT (household_id, visitor_id, starts_on) DO NOTHING
"""


def unchanged_if_planned_again(conn: Connection, visit_ids: list[int]) -> pl.DataFrame:
    """Of these visits, the planned ones that hold nothing but their pairing and days (no
    device id, codes, notes or record; their window their planned days, as a plan writes
    it): ``id, pairing_id, planned_start, planned_end``. A plan that writes the same days
    again for the same pairing keeps such a row rather than replace it with its copy."""
    schema = {
        "id": pl.Int64,
        "pairing_id": pl.Int64,
        "planned_start": pl.Date,
        "planned_end": pl.Date,
    }
    if not visit_ids:
        return pl.DataFrame(schema=schema)
    return frame(
        conn,
        f"""
        SELECT id, pairing_id, planned_start, planned_end FROM visits
        WHERE id IN ({_ids_sql(visit_ids)}) AND status = 'planned' AND pairing_id IS NOT NULL
          AND window_start = planned_start AND window_end = planned_end
          AND client_uuid IS NULL AND actual_start IS NULL AND actual_end IS NULL
          AND days_stayed IS NULL AND activities IS NULL AND outcome_codes IS NULL
          AND notes IS NULL
        """,
        {},
        schema,
    )


def planned_not_over(
    conn: Connection,
    people: pl.Series,
    since: dt.date,
    *,
    of: Literal["household", "visitor"] = "household",
    unconsented: bool = False,
) -> pl.DataFrame:
    """The planned visits of ``people`` (database ids of households, or of visitors by
    ``of``; ``unconsented``: of households that do not consent now) not over before
    ``since`` (those under way that day included): ``id``, ``household_id``,
    ``visitor_id``, ``household`` and ``visitor`` (their ids as typed), ``start`` and
    ``end``, the day the household's consent act in force counts from (``consent_since``:
    its date, else the day it was entered; none for an undated act entered before
    migration 0028, which counts on every day)
    and the visitor's last day (``visitor_to``), by household, visitor and first day."""
    out = {
        "id": pl.Int64,
        "household_id": pl.Int64,
        "visitor_id": pl.Int64,
        "household": pl.String,
        "visitor": pl.String,
        "start": pl.Date,
        "end": pl.Date,
        "consent_since": pl.Date,
        "visitor_to": pl.Date,
    }
    if not people.len():
        return pl.DataFrame(schema=out)
    with bulk.id_table(conn, "_planned_of", people) as ids:
        found = frame(
            conn,
            "SELECT vi.id, vi.household_id, vi.visitor_id, h.external_id, v.external_id, "
            "COALESCE(vi.planned_start, vi.window_start), "
            "COALESCE(vi.planned_end, vi.planned_start, vi.window_end), "
            "COALESCE(h.consent_since, h.consent_entered_on), "
            "v.active_to "
            "FROM visits vi JOIN households h ON h.id = vi.household_id "
            "JOIN visitors v ON v.id = vi.visitor_id "
            f"WHERE vi.status = 'planned' AND vi.{of}_id IN (SELECT id FROM {ids}) "
            "AND COALESCE(vi.planned_end, vi.planned_start, vi.window_end) >= :since"
            + (" AND h.consent_state <> 'given'" if unconsented else ""),
            {"since": since},
            out,
        )
    return found.sort("household", "visitor", "start", "id")


def delete_visits(conn: Connection, visit_ids: list[int]) -> pl.DataFrame:
    """Delete the visits (the planned ones are kept as cancelled, see ``_CANCEL``); returns
    the ``household_id`` and ``visitor_id`` of each one deleted (for the audit)."""
    if not visit_ids:
        return pl.DataFrame(schema={"household_id": pl.Int64, "visitor_id": pl.Int64})
    ids = _ids_sql(visit_ids)
    conn.execute(text(_CANCEL.format(where=f"id IN ({ids})")))
    return _deleted(conn, f"DELETE FROM visits WHERE id IN ({ids})", {})


def shorten_visits(conn: Connection, cuts: pl.DataFrame) -> pl.DataFrame:
    """End these planned visits (``cuts``: ``id, cut_end``) on an earlier day; each one's
    ``id, household, visitor, planned_start, planned_end`` (the new last day) and
    ``was_end`` (for the audit). Its window ends there too: nothing is planned past it."""
    schema = {
        "id": pl.Int64,
        "household": pl.String,
        "visitor": pl.String,
        "planned_start": pl.Date,
        "was_end": pl.Date,
    }
    if cuts.is_empty():
        return pl.DataFrame(schema=schema | {"planned_end": pl.Date})
    before = frame(
        conn,
        f"""
        SELECT vi.id, h.external_id AS household, v.external_id AS visitor, vi.planned_start,
               vi.planned_end AS was_end
        FROM visits vi JOIN households h ON h.id = vi.household_id
        JOIN visitors v ON v.id = vi.visitor_id
        WHERE vi.id IN ({_ids_sql(cuts["id"].to_list())}) ORDER BY vi.id
        """,
        {},
        schema,
    )
    conn.execute(
        text(
            """
            UPDATE visits SET planned_end = :end, updated_at = CURRENT_TIMESTAMP,
                window_end = CASE WHEN window_end > :end THEN :end ELSE window_end END
            WHERE id = :id AND status = 'planned'
            """
        ),
        [{"id": int(i), "end": e} for i, e in cuts.select("id", "cut_end").iter_rows()],
    )
    return before.join(
        cuts.select("id", pl.col("cut_end").alias("planned_end")), on="id", maintain_order="left"
    )


def forget_cancelled_before(conn: Connection, day: dt.date) -> None:
    """Forget cancelled visits over before ``day``: no calendar from then lists them."""
    conn.execute(text("DELETE FROM cancelled_visits WHERE ends_on < :day"), {"day": day})


def delete_planned_of_ended(conn: Connection, path: str, since: dt.date) -> pl.DataFrame:
    """Delete the planned visits from ``since`` of the area's pairings that end before the
    visit (kept as cancelled, see ``_CANCEL``); returns the ``household_id`` and
    ``visitor_id`` of each one deleted (for the audit)."""
    where = """planned_start >= :since
              AND pairing_id IN (
                SELECT p.id FROM pairings p
                JOIN households h ON h.id = p.household_id JOIN areas a ON a.id = h.area_id
                WHERE a.path LIKE :prefix AND p.ended_on IS NOT NULL)
              AND planned_start >= (SELECT p.ended_on FROM pairings p WHERE p.id = pairing_id)"""
    params = {"since": since, "prefix": path + "%"}
    conn.execute(text(_CANCEL.format(where=where)), params)
    return _deleted(conn, f"DELETE FROM visits WHERE status = 'planned' AND {where}", params)


def _deleted(conn: Connection, delete: str, params: dict[str, object]) -> pl.DataFrame:
    """Run ``delete`` (of visits), reading each deleted row's household and visitor in the
    same statement, so what is audited is what was deleted."""
    return frame(
        conn,
        delete + " RETURNING household_id, visitor_id",
        params,
        {"household_id": pl.Int64, "visitor_id": pl.Int64},
    )
