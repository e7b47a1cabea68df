"""A visitor's file: what a coordinator looks up about a visitor, or a visitor about their
own work. Who they are (areas, organisation, teams, capacity, first and last day); how many
households they look after against their capacity; those households, each with its
deadline as the due list measures it; their leave still to come; their latest visits and
the next ones planned; the activities they took part in.

An area's account sees the visitor's households and visits within its area only, and how
many open pairings lie elsewhere: a visitor may look after households of several areas,
and those outside it are no business of the area's. The file is a read of the visitor and
of each household it names in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.privacy.audit import record_event, record_events, record_household_events
from doorstep.services.cadence import gap_days
from doorstep.services.household_file import DEFAULT_VISITS
from doorstep.services.work_lists import due_rows
from doorstep.storage.repositories import household_file as household_repo
from doorstep.storage.repositories import lookups
from doorstep.storage.repositories import visitor_file as repo
from doorstep.storage.repositories.file_visits import visit_rows


def visitor_file(
    session: Session,
    external_id: str,
    *,
    actor: str,
    today: dt.date,
    max_gap_days: int | None = None,
    visits: int = DEFAULT_VISITS,
    area_path: str | None = None,
) -> dict[str, Any]:
    """The visitor's file as of ``today``, ready for ``json.dumps`` once its days are
    written out: ``visitor`` (with ``teams``), ``caseload`` (open pairings in any area
    against ``capacity``), ``households`` (the due list's rows of their households, each
    deadline after ``max_gap_days``, the soonest first), ``households_elsewhere`` (open
    pairings of theirs outside ``area_path``), ``leave`` not over, the latest ``visits``
    visits made, missed or never recorded and the next ``visits`` planned (with how many
    there are of each), and ``activities``. Everything that names a household is read
    within ``area_path`` when given.

    Raises:
        NotFound: no such visitor, or one erased.
    """
    conn = session.connection()
    max_gap_days = gap_days(conn, max_gap_days)
    found = lookups.visitor_by_external_id(conn, external_id)
    visitor = repo.profile(conn, found)
    caseload = repo.open_pairings(conn, found, today)
    households = due_rows(conn, today, max_gap_days, visitor=external_id, area_path=area_path)
    everywhere = (
        len(due_rows(conn, today, max_gap_days, visitor=external_id))
        if area_path is not None
        else len(households)
    )
    made, made_total = _visits(conn, found, "before", today, visits, area_path)
    planned, planned_total = _visits(conn, found, "planned", today, visits, area_path)
    shown = pl.Series(
        sorted({r.pop("household_id") for r in [*households, *made, *planned]}), dtype=pl.Int64
    )
    out: dict[str, Any] = {
        "as_of": today,
        "max_gap_days": max_gap_days,
        "visitor": {**visitor, "teams": repo.teams(conn, found)},
        "caseload": {"households": caseload, "capacity": visitor["capacity"]},
        "households": [
            {k: v for k, v in r.items() if k not in ("visitor", "visitor_name")} for r in households
        ],
        "households_elsewhere": everywhere - len(households),
        "leave": repo.leave(conn, found, today),
        "visits_made": made,
        "visits_made_total": made_total,
        "visits_planned": planned,
        "visits_planned_total": planned_total,
        "activities": household_repo.activities(conn, found, "visitor"),
    }
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visitor",
        entity_id=external_id,
        detail={"file": "visitor", "today": today.isoformat()},
    )
    # And the households it showed, once each, under their ids (their exports list it).
    record_household_events(
        session, actor=actor, action="read", household_ids=shown, detail={"file": "visitor"}
    )
    # A household handed over names its next visitor, another one.
    others = sorted({r["next_visitor"] for r in households if r.get("next_visitor")})
    record_events(
        session,
        actor=actor,
        entity="visitor",
        events=[("read", v, {"file": "visitor"}) for v in others if v != external_id],
    )
    return out


#: What the record form lists of each of a visitor's households.
FORM_COLUMNS = ("household", "head_name", "area", "deadline", "days_left", "next_planned")
#: The most planned visits gone by the record form lists to record or mark missed.
FORM_UNRECORDED = 50


def record_form_lists(
    session: Session, external_id: str, *, actor: str, today: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """What the record form lists for a visitor: ``households``, those they look after
    today, the soonest due first (the due list's deadline after the programme's cadence),
    and ``unrecorded``, their planned visits begun by today and neither recorded nor marked
    missed (the latest :data:`FORM_UNRECORDED`). A field visitor picks a household rather
    than types its id, also from the phone's copy of the form with no network. A read of
    the visitor and of each household listed."""
    conn = session.connection()
    rows = due_rows(conn, today, gap_days(conn, None), visitor=external_id)
    gone_by = repo.unrecorded(
        conn, lookups.visitor_by_external_id(conn, external_id), today, FORM_UNRECORDED
    )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visitor",
        entity_id=external_id,
        detail={"households": "record form", "today": today.isoformat()},
    )
    shown = pl.Series(sorted({r.pop("household_id") for r in [*rows, *gone_by]}), dtype=pl.Int64)
    record_household_events(
        session, actor=actor, action="read", household_ids=shown, detail={"form": "record"}
    )
    return {
        "households": [{k: r[k] for k in FORM_COLUMNS} for r in rows],
        "unrecorded": gone_by,
    }


def _visits(
    conn: Connection,
    visitor: int,
    when: Literal["before", "planned"],
    today: dt.date,
    n: int,
    area_path: str | None,
) -> tuple[list[dict[str, Any]], int]:
    """The visitor's visits before ``today`` or planned from it (of households within
    ``area_path``, if given), each with its household (and its database id, for the
    trail)."""
    rows, total = visit_rows(
        conn,
        owner="visitor",
        owner_id=visitor,
        when=when,
        today=today,
        limit=n,
        area_path=area_path,
    )
    shown = ("household_id", "status", "start", "end", "household", "head_name")
    return [{k: r[k] for k in shown} for r in rows], total
