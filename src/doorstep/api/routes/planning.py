"""Planning an area's visits, as `doorstep plan --area` does: the plan is computed and
stored in the request, and answered with its summary and the first pairings whose cadence
it does not meet.

The engine runs in this process: fine for an area (seconds), not for a region, whose plan
belongs to the command line (docs/api.md). The list of pairings that miss their cadence
exists only while the plan is made (it is the planner's verdict, stored nowhere), so it is
given in the plan's answer, its first ``unmet_limit`` rows; the whole list is the command
line's ``--compliance FILE``.
"""

from __future__ import annotations

import time

from fastapi import APIRouter

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.schemas import PlanCreate, PlanRead, UnmetRead
from doorstep.privacy import access
from doorstep.privacy.audit import Attempt

router = APIRouter(prefix="/plans", tags=["planning"])


@router.post("", response_model=PlanRead)
def make_plan(body: PlanCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep) -> PlanRead:
    """Plan the area's stored pairings from ``start`` and store the planned visits."""
    return plan_for(engine, who, today, body)


def plan_for(
    engine: EngineDep, who: access.Principal, today: TodayDep, body: PlanCreate
) -> PlanRead:
    """The plan ``body`` asks for, made under ``who``'s name and recorded as `plan --area`
    records it (refused or failed: as an attempt); the web page's plan too."""
    # The planning services load the engine's compiled kernels: only when asked.
    from doorstep.services import planning, planning_unmet
    from doorstep.services.cadence import programme_cadence
    from doorstep.services.planning_settings import area_settings, summary_figures

    t0 = time.perf_counter()
    start = body.start or today
    detail = {"area": body.area, "start": start.isoformat()}
    tried = Attempt(who.actor, "create", "visit_plan", detail=detail)
    # The writer's lock once the plan is made (planning.plan_area): visits sent meanwhile
    # are not held up for the minutes a large area's plan takes.
    with unit(engine, who, tried, lock_first=False) as session:
        access.check_plan_area(session.connection(), who, body.area)
        settings = area_settings(
            start=start,
            today=today,
            cadence=programme_cadence(session.connection()),
            **body.model_dump(exclude={"area", "start", "unmet_limit"}),
        )
        summary = planning.plan_area(session, body.area, settings, actor=who.actor, today=today)
        shown = planning_unmet.read_unmet_page(
            session,
            summary.unmet,
            actor=who.actor,
            area=body.area,
            start=start.isoformat(),
            limit=body.unmet_limit,
        )
    figures = summary_figures(summary, settings, time.perf_counter() - t0)
    return PlanRead(
        area=body.area,
        start=start,
        months=settings.months,
        max_gap_days=figures["max_gap_days"],
        pairings=figures["pairings"],
        visits=figures["visits"],
        kept=summary.kept,
        new=summary.visits - summary.kept,
        removed=summary.replaced,
        compliant_pairings=figures["compliant_pairings"],
        infeasible=figures["infeasible"],
        not_met=dict(sorted(summary.reasons.items(), key=lambda kv: -kv[1])),
        not_planned=figures["not_planned"],
        seconds=figures["seconds"],
        read_again=summary.read_again,
        unmet_total=summary.unmet.height,
        unmet=[
            UnmetRead(
                household=r["household_id"],
                visitor=r["visitor_id"],
                visits=r["visits"],
                longest_gap_days=r["longest_gap_days"],
                gap_from=r["gap_from"],
                gap_to=r["gap_to"],
                reason=r["reason"],
                failed_rules=[f for f in r["failed_rules"].split(";") if f],
            )
            for r in shown.iter_rows(named=True)
        ],
    )
