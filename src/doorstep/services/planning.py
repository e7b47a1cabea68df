"""Database-mode planning: plan the stored pairings of an area and list the work.

Re-planning replaces only planned visits from the start day on; recorded visits stay where
they are and count as history, so the first visit after a gap is pulled as early as the
constraints allow.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from doorstep.domain.enums import VisitStatus
from doorstep.engine.planning import (
    CadencePolicy,
    PlanningProblemBuilder,
    PlanParams,
    PlanResult,
    plan,
    public_holidays,
)
from doorstep.privacy.audit import record_event
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories import pairing as pairing_repo
from doorstep.storage.repositories import visits as repo

ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class PlanSettings:
    """What a database-mode plan needs besides the data."""

    start: dt.date
    months: int = 12
    policy: CadencePolicy = field(default_factory=CadencePolicy)
    country: str | None = None
    subdivision: str | None = None
    working_days: frozenset[int] = ALL_DAYS
    default_staff_cap: float | None = None
    min_away: int = 1
    travel_km: float = 50.0
    travel_days: int = 1
    seed: int = 0
    # Keep the planned visits of visitors nothing has changed for (see ``_affected``).
    keep_unaffected: bool = True


@dataclass(frozen=True)
class PlanSummary:
    pairings: int
    visits: int
    compliant_pairings: int
    infeasible: int
    reasons: dict[str, int]
    replaced: int
    kept: int
    seconds: float


def _day(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def _weekdays(text: str | None) -> list[int]:
    if not text:
        return []
    return [int(p) for p in text.split(";") if p.strip().isdigit() and 0 <= int(p) <= 6]


@dataclass(frozen=True)
class _Built:
    result: PlanResult
    pairs: pl.DataFrame
    path: str
    dropped_visits: list[int]  # planned visits to plan again
    kept_visits: int


Spans = dict[int, list[tuple[dt.date, dt.date]]]


def _overlaps(spans: list[tuple[dt.date, dt.date]], a: dt.date, z: dt.date) -> bool:
    return any(s <= z and a <= e for s, e in spans)


def _affected(
    pairs: pl.DataFrame,
    planned: pl.DataFrame,
    done: pl.DataFrame,
    missed: list[int],
    leave: Spans,
    blackouts: Spans,
) -> set[int]:
    """Visitors whose planned visits must be planned again; the others' visits stay.

    A visitor is affected by a pairing with no planned visit (new), a missed visit not yet
    made up, leave or a household blackout over a planned visit, or a recorded visit that
    overlaps a planned one (a visit made on other days than planned).
    """
    affected: set[int] = set()
    has_plan = set(planned["pairing_id"].to_list())
    visitor_of = dict(zip(pairs["id"].to_list(), pairs["visitor_id"].to_list(), strict=True))
    affected |= {v for p, v in visitor_of.items() if p not in has_plan}
    affected |= {visitor_of[p] for p in missed if p in visitor_of}
    done_by_visitor: Spans = {}
    for pid, a, z in done.iter_rows():
        done_by_visitor.setdefault(visitor_of[pid], []).append((a, z or a))
    for _, _, vid, hid, a, z in planned.iter_rows():
        if (
            _overlaps(leave.get(vid, []), a, z)
            or _overlaps(blackouts.get(hid, []), a, z)
            or _overlaps(done_by_visitor.get(vid, []), a, z)
        ):
            affected.add(vid)
    return affected


def build_result(
    session: Session, area_code: str, settings: PlanSettings, *, progress: Any = None
) -> _Built:
    """Plan the area's active pairings around recorded visits and the visits kept."""
    conn = session.connection()
    _, path, _ = pairing_repo.area_by_code(conn, area_code)
    pairs = repo.scope_pairings(conn, path, settings.start)
    b = PlanningProblemBuilder(
        settings.start, months=settings.months, default_policy=settings.policy
    )
    b.travel_threshold_m = settings.travel_km * 1000.0
    b.travel_days = settings.travel_days
    end = b.start + dt.timedelta(days=b.n_days)
    holidays = (
        public_holidays(settings.country, settings.start, end, subdivision=settings.subdivision)
        if settings.country
        else frozenset()
    )
    b.add_calendar(working_weekdays=settings.working_days, holidays=holidays)
    org_ids = [int(o) for o in pairs["organisation_id"].drop_nulls().unique().to_list()]
    orgs = repo.organisations_of(conn, org_ids)
    org_code = {}
    for oid, code, cap, staff in orgs.iter_rows():
        share = cap if cap is not None else settings.default_staff_cap
        b.add_organisation(code, staff=int(staff), max_away_share=share, min_away=settings.min_away)
        org_code[int(oid)] = code
    visitor_ids = [int(v) for v in pairs["visitor_id"].unique().to_list()]
    household_ids = [int(h) for h in pairs["household_id"].unique().to_list()]
    leave: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for vid, a, z in repo.spans(conn, "visitor_leave", "visitor_id", visitor_ids).iter_rows():
        leave.setdefault(int(vid), []).append((_day(a), _day(z)))  # type: ignore[arg-type]
    blackouts: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for hid, a, z in repo.spans(
        conn, "household_blackouts", "household_id", household_ids
    ).iter_rows():
        blackouts.setdefault(int(hid), []).append((_day(a), _day(z)))  # type: ignore[arg-type]
    seen_v: set[int] = set()
    seen_h: set[int] = set()
    for r in pairs.iter_rows(named=True):
        if r["visitor_id"] not in seen_v:
            seen_v.add(r["visitor_id"])
            b.add_visitor(
                r["visitor"],
                organisation=org_code.get(r["organisation_id"]) if r["organisation_id"] else None,
                leave=leave.get(r["visitor_id"], []),
            )
        if r["household_id"] not in seen_h:
            seen_h.add(r["household_id"])
            b.add_household(
                r["household"],
                lat=r["lat"],
                lon=r["lon"],
                blackouts=blackouts.get(r["household_id"], []),
                preferred_weekdays=_weekdays(r["preferred_weekdays"]),
            )
        b.add_pairing(
            r["household"],
            r["visitor"],
            active_from=_day(r["started_on"]),
            active_to=_day(r["ended_on"]),
        )
    history_from = settings.start - dt.timedelta(days=settings.policy.max_gap_days)
    done = repo.recorded_visits(conn, pairs["id"].to_list(), history_from)
    names = dict(
        zip(
            pairs["id"].to_list(),
            zip(pairs["household"], pairs["visitor"], strict=True),
            strict=True,
        )
    )
    for pid, a, z in done.iter_rows():
        h, v = names[pid]
        start, stop = _day(a), _day(z)
        assert start is not None
        b.add_fixed_visit(h, v, start, stop or start)
    planned = repo.planned_visits(conn, pairs["id"].to_list(), settings.start)
    if settings.keep_unaffected:
        missed = repo.missed_since(conn, pairs["id"].to_list(), history_from)
        affected = _affected(pairs, planned, done, missed, leave, blackouts)
    else:
        affected = set(visitor_ids)
    dropped: list[int] = []
    kept = 0
    for vis_id, pid, vid, _, a, z in planned.iter_rows():
        if vid in affected:
            dropped.append(vis_id)
        else:
            h, v = names[pid]
            b.add_fixed_visit(h, v, a, z)
            kept += 1
    problem = b.build()
    result = plan(problem, params=PlanParams(seed=settings.seed), progress=progress)
    return _Built(result, pairs, path, dropped, kept)


def plan_area(
    session: Session, area_code: str, settings: PlanSettings, *, actor: str, progress: Any = None
) -> PlanSummary:
    """Plan the area from ``settings.start``: affected visitors' planned visits are planned
    again, the others are kept (all are planned again with ``keep_unaffected=False``)."""
    built = build_result(session, area_code, settings, progress=progress)
    result, pairs = built.result, built.pairs
    conn = session.connection()
    replaced = repo.delete_visits(conn, built.dropped_visits)
    replaced += repo.delete_planned_of_ended(conn, built.path, settings.start)
    key = {
        (h, v): (pid, hid, vid)
        for pid, hid, vid, h, v in pairs.select(
            "id", "household_id", "visitor_id", "household", "visitor"
        ).iter_rows()
    }
    rows = [
        (*key[(r.household_id, r.visitor_id)], r.start, r.end) for r in result.rows() if not r.fixed
    ]
    new = pl.DataFrame(
        rows,
        schema={
            "pairing_id": pl.Int64,
            "household_id": pl.Int64,
            "visitor_id": pl.Int64,
            "planned_start": pl.Date,
            "planned_end": pl.Date,
        },
        orient="row",
    ).with_columns(
        pl.lit(VisitStatus.PLANNED.value).alias("status"),
        pl.col("planned_start").alias("window_start"),
        pl.col("planned_end").alias("window_end"),
    )
    bulk.insert_rows(conn, "visits", new)
    reasons = Counter(c.reason.value for c in result.non_compliant())
    summary = PlanSummary(
        pairings=len(result.compliant),
        visits=new.height + built.kept_visits,
        compliant_pairings=int(np.sum(result.compliant)),
        infeasible=int(len(result.compliant) - np.sum(result.compliant)),
        reasons=dict(reasons),
        replaced=replaced,
        kept=built.kept_visits,
        seconds=round(result.seconds, 3),
    )
    record_event(
        session,
        actor=actor,
        action="create",
        entity="visit_plan",
        detail={
            "area": area_code,
            "start": settings.start.isoformat(),
            "visits": new.height,
            "replaced": replaced,
        },
    )
    session.flush()
    return summary


def work_list(
    session: Session,
    kind: str,
    *,
    actor: str,
    today: dt.date,
    max_gap_days: int = 60,
    days: int = 14,
    visitor: str | None = None,
    team: str | None = None,
    area: str | None = None,
) -> list[dict[str, Any]]:
    """A coordinator's list of households: ``due``, ``overdue`` or ``upcoming`` visits."""
    if kind not in ("due", "overdue", "upcoming"):
        raise ValueError(kind)
    conn = session.connection()
    path = pairing_repo.area_by_code(conn, area)[1] if area else None
    rows = repo.work_list(
        conn,
        kind=kind,
        today=today,
        max_gap_days=max_gap_days,
        horizon_days=days,
        visitor=visitor,
        team=team,
        area_path=path,
    )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visits",
        detail={"list": kind, "rows": len(rows), "visitor": visitor, "team": team, "area": area},
    )
    return rows


def visitor_calendar(
    session: Session, visitor: str, *, actor: str, since: dt.date
) -> list[tuple[str, dt.date, dt.date]]:
    """``(household, first day, last day)`` of a visitor's planned visits from ``since``."""
    rows = repo.planned_for_visitor(session.connection(), visitor, since)
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visits",
        detail={"calendar": visitor, "rows": len(rows)},
    )
    return rows
