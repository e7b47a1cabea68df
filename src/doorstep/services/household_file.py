"""A household's case file: what a coordinator or its visitor looks up before a visit.

Who the household is and whether it consents today; its visitor now, and before; where its
cadence stands (measured as the due list measures it); its latest visits and the next ones
planned; its referrals, yearly indicators, activities and projects. The export
(:mod:`.household_rights`) hands over everything held, for the household itself; the file
is the working view, and is a read of the household in the audit trail like any other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.domain.reporting import (
    DEFAULT_POVERTY_LINE,
    below_line,
    check_poverty_line,
)
from doorstep.privacy.audit import record_event, record_events
from doorstep.services.cadence import gap_days
from doorstep.services.work_lists import due_rows
from doorstep.storage.repositories import household_data
from doorstep.storage.repositories import household_file as repo
from doorstep.storage.repositories.file_visits import visit_rows
from doorstep.storage.repositories.pairing import household_id

#: Visits listed each way (made or missed; planned) unless asked for more.
DEFAULT_VISITS = 5


def household_file(
    session: Session,
    external_id: str,
    *,
    actor: str,
    today: dt.date,
    max_gap_days: int | None = None,
    visits: int = DEFAULT_VISITS,
    poverty_line: float = DEFAULT_POVERTY_LINE,
) -> dict[str, Any]:
    """The household's case file as of ``today``, ready for ``json.dumps`` once its days are
    written out (the API and ``household show --json`` do): ``household`` (with its consent
    on ``today``), ``cadence`` (the due list's rows of the household: one per open pairing,
    each with its deadline after ``max_gap_days``; none when it does not consent today),
    ``pairings``, the latest ``visits`` visits made or missed and the next ``visits`` planned
    (with how many there are of each), ``referrals``, ``indicators`` (each year's income per
    head and whether it is below ``poverty_line``), ``activities`` and ``projects``.

    Recorded as a read of the household, and of each visitor it names (under their ids, as
    the work lists record theirs: a visitor's export lists who read about them).

    Raises:
        InvalidInput: a poverty line that is not a positive amount.
        NotFound: no such household (saying so if it was erased).
    """
    check_poverty_line(poverty_line)
    conn = session.connection()
    max_gap_days = gap_days(conn, max_gap_days)
    found = household_id(conn, external_id)
    if found is None:
        raise household_data.not_found(conn, external_id)
    household = repo.profile(conn, found, today)
    made, made_total = _visits(conn, found, "before", today, visits)
    planned, planned_total = _visits(conn, found, "planned", today, visits)
    cadence = [
        {
            k: v
            for k, v in row.items()
            if k not in ("household_id", "household", "head_name", "area")
        }
        for row in due_rows(conn, today, max_gap_days, household_id=found)
    ]
    indicators = [
        {**row, **_per_head(row["annual_income"], household["members"], poverty_line)}
        for row in repo.indicators(conn, found)
    ]
    out: dict[str, Any] = {
        "as_of": today,
        "max_gap_days": max_gap_days,
        "poverty_line": poverty_line,
        "household": household,
        "cadence": cadence,
        "pairings": repo.pairings(conn, found),
        "visits_made": made,
        "visits_made_total": made_total,
        "visits_planned": planned,
        "visits_planned_total": planned_total,
        "referrals": repo.referrals(conn, found),
        "indicators": indicators,
        "activities": repo.activities(conn, found),
        "projects": repo.projects(conn, found),
    }
    record_event(
        session,
        actor=actor,
        action="read",
        entity="household",
        entity_id=external_id,
        detail={"file": "household", "today": today.isoformat()},
    )
    session.flush()  # the household's event first: the visitors' are written at once
    record_events(
        session,
        actor=actor,
        entity="visitor",
        events=[("read", v, {"file": "household"}) for v in named_visitors(out)],
    )
    return out


def _visits(
    conn: Connection, household: int, when: Literal["before", "planned"], today: dt.date, n: int
) -> tuple[list[dict[str, Any]], int]:
    """The household's visits before ``today`` or planned from it, each with its visitor."""
    rows, total = visit_rows(
        conn, owner="household", owner_id=household, when=when, today=today, limit=n
    )
    shown = ("status", "start", "end", "visitor", "visitor_name")
    return [{k: r[k] for k in shown} for r in rows], total


def named_visitors(file: dict[str, Any]) -> list[str]:
    """The ids of the visitors a case file names, sorted."""
    rows = [
        *file["pairings"],
        *file["visits_made"],
        *file["visits_planned"],
        *file["referrals"],
    ]
    named = {r["visitor"] for r in rows if r.get("visitor")}
    named |= {r[k] for r in file["cadence"] for k in ("visitor", "next_visitor") if r.get(k)}
    return sorted(named)


def _per_head(income: float | None, members: int, line: float) -> dict[str, Any]:
    """A year's income per head over the household's members as recorded now (as the
    outcomes report counts it), and whether it is below the poverty line (unknown without
    an income)."""
    if income is None:
        return {"income_per_head": None, "below_poverty_line": None}
    per_head = income / members
    return {
        "income_per_head": round(per_head, 2),
        "below_poverty_line": below_line(income, members, line),
    }
