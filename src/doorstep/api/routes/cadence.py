"""The programme's cadence: read by any account, set by a manager of the whole programme."""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.schemas import CadenceRead, CadenceSet
from doorstep.privacy import access
from doorstep.services.cadence import Cadence, programme_cadence, set_cadence

router = APIRouter(prefix="/cadence", tags=["cadence"])


def _read(cadence: Cadence) -> CadenceRead:
    return CadenceRead(
        max_gap_days=cadence.max_gap_days,
        stay_days=cadence.stay_days,
        set_on=cadence.set_on,
        set_by=cadence.set_by,
    )


@router.get("", response_model=CadenceRead)
def read_cadence(engine: EngineDep, who: PrincipalDep) -> CadenceRead:
    """The programme's cadence: at most how many days between two visits and how long a
    stay lasts, the default of every list, report, file and plan."""
    with unit(engine, who) as session:
        return _read(programme_cadence(session.connection()))


@router.put("", response_model=CadenceRead)
def put_cadence(
    body: CadenceSet, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> CadenceRead:
    """Set the programme's cadence (what is not given stays as it is), as `doorstep cadence
    set` does: a manager of the whole programme only. Audited, with the cadence before."""
    access.check_cadence(who)
    # It reads the cadence it changes (the trail keeps the one before): the writer's lock
    # first, as `doorstep cadence set` takes it, or another's write meanwhile refused it.
    with unit(engine, who, lock_first=True) as session:
        _, now = set_cadence(
            session,
            max_gap_days=body.max_gap_days,
            stay_days=body.stay_days,
            actor=who.actor,
            today=today,
        )
    return _read(now)
