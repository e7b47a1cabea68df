"""A plan reads and plans its area without the pairing lock (on SQLite the one writer's
lock), so visits recorded meanwhile are not held up; a write committed meanwhile has the
area read and planned again under the lock, so that nothing recorded meanwhile is lost or
planned over. Recording a visit takes the lock: were it held by the plan, the visit below
would wait for it (on PostgreSQL for ever, the plan waiting on the same thread)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import planning, work_lists
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.visits import START, first_planned, plan_three

AGAIN = planning.PlanSettings(start=START, months=4, keep_unaffected=False)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path) -> Engine:
    plan_three(with_areas, tmp_path)
    return with_areas


def _plan_while(engine: Engine, meanwhile: object) -> planning.PlanSummary:
    """Plan area R again, running ``meanwhile`` in a unit of its own once, mid-plan."""
    done: list[bool] = []

    def progress(_done: int, _total: int) -> None:
        if not done:
            done.append(True)
            with unit_of_work(engine) as other:
                meanwhile(other)  # type: ignore[operator]

    with unit_of_work(engine) as s:
        return planning.plan_area(s, "R", AGAIN, actor="test", today=START, progress=progress)


def _status_of(engine: Engine, household: str, start: dt.date) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.status FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = :h AND COALESCE(vi.actual_start, vi.planned_start) = :d"
            ),
            {"h": household, "d": start},
        )
        return [str(r[0]) for r in rows]


def test_a_visit_recorded_while_the_plan_reads_is_kept_and_planned_around(
    planned: Engine,
) -> None:
    first, last = first_planned(planned, "H0")
    made = MadeVisit("H0", "V1", first, last)
    summary = _plan_while(planned, lambda s: record_visit(s, made, actor="v1", today=last))
    # Recorded at once (the plan held no lock), then read again by the plan, which would
    # otherwise have deleted the planned visit it had read, the row now recorded.
    assert summary.read_again
    assert _status_of(planned, "H0", first) == ["done"]
    with planned.connect() as conn:
        overlapping = conn.execute(
            text(
                "SELECT COUNT(*) FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = 'H0' AND vi.status = 'planned' "
                "AND vi.planned_start <= :z AND vi.planned_end >= :a"
            ),
            {"a": first, "z": last},
        ).scalar_one()
    assert overlapping == 0


def test_a_list_read_while_the_plan_reads_changes_nothing_it_read(planned: Engine) -> None:
    def draw(s: object) -> None:
        work_lists.work_list(s, "upcoming", actor="v1", today=START, area="R")  # type: ignore[arg-type]

    summary = _plan_while(planned, draw)
    assert not summary.read_again
    assert summary.pairings == 3
