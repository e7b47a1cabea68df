"""A small planned programme to record visits in."""

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing, planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday
#: A start ``doorstep plan --area`` takes whenever the tests run: it refuses one before today.
PLAN_START = max(START, dt.date.today()).isoformat()


def plan_day(days: int = 0) -> str:
    """The day ``days`` after PLAN_START, as ISO text: a day that keeps its place in a plan
    made from PLAN_START whenever the tests run."""
    return (dt.date.fromisoformat(PLAN_START) + dt.timedelta(days=days)).isoformat()


def plan_three(engine: Engine, tmp_path: Path, *, start: dt.date = START) -> None:
    """H0-H2 paired with V1 on ``start`` and planned for four months; V2 paired with
    nobody."""
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(3)]
    vv = [visitor(visitor_id="V1", capacity=3), visitor(visitor_id="V2", capacity=0)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pair_and_plan(engine, start)


def pair_and_plan(engine: Engine, start: dt.date, *, months: int = 4) -> None:
    """Area R's households imported so far paired (a proposal committed) and planned for
    ``months`` from ``start``, on ``start``."""
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=start)
        pairing.commit(s, view.id, actor="test", today=start)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=start, months=months), actor="test", today=start
        )


def first_planned(engine: Engine, household_id: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the household's first planned visit."""
    with engine.connect() as conn:
        a, z = conn.execute(
            text(
                "SELECT planned_start, planned_end FROM visits vi JOIN households h "
                "ON h.id = vi.household_id WHERE h.external_id = :h AND vi.status = 'planned' "
                "ORDER BY planned_start LIMIT 1"
            ),
            {"h": household_id},
        ).one()
    return dt.date.fromisoformat(str(a)[:10]), dt.date.fromisoformat(str(z)[:10])


def two_by_two(
    engine: Engine,
    tmp_path: Path,
    *,
    start: dt.date,
    households: tuple[str, str, str, str] = ("H0", "H1", "H2", "H3"),
) -> None:
    """Four ``households`` imported and paired by hand on ``start``: the first two with
    V1, the last two with V2 (a pairing by hand, so a reader knows who has whom)."""
    hh = [household(household_id=h, lat=26.58 + i / 1000) for i, h in enumerate(households)]
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with engine.begin() as conn:
        for i, h in enumerate(households):
            conn.execute(
                text(
                    "INSERT INTO pairings (household_id, visitor_id, started_on) "
                    "SELECT h.id, v.id, :s FROM households h, visitors v "
                    "WHERE h.external_id = :h AND v.external_id = :v"
                ),
                {"h": h, "v": "V1" if i < 2 else "V2", "s": start},
            )


def on_leave(engine: Engine, visitor_id: str, first: dt.date, last: dt.date) -> None:
    """Leave of ``visitor_id`` from ``first`` to ``last`` (both days away)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
                "SELECT id, :a, :z FROM visitors WHERE external_id = :v"
            ),
            {"a": first, "z": last, "v": visitor_id},
        )
