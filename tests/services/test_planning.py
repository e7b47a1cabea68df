"""Database-mode planning and the coordinators' work lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.planning import CadencePolicy
from doorstep.services import pairing, planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday


@pytest.fixture
def paired(with_areas: Engine, tmp_path: Path) -> Engine:
    """Four households paired with two visitors (capacity 2 each), committed on START."""
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000, lon=107.98) for i in range(4)]
    vv = [
        visitor(visitor_id="V1", lat=26.58, lon=107.97, capacity=2),
        visitor(visitor_id="V2", lat=26.59, lon=107.99, capacity=2),
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
    return with_areas


def _visits(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.status, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN households h ON h.id = vi.household_id "
                "ORDER BY h.external_id, vi.planned_start"
            )
        ).all()
    return [(r[0], r[1], str(r[2]), str(r[3])) for r in rows]


def test_an_area_plan_meets_the_cadence_and_never_double_books_a_visitor(paired: Engine) -> None:
    settings = planning.PlanSettings(
        start=START, months=6, policy=CadencePolicy(max_gap_days=60, stay_days=5)
    )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", settings, actor="test")
    assert summary.pairings == 4
    assert summary.compliant_pairings == 4
    visits = _visits(paired)
    assert len(visits) == summary.visits
    by_household: dict[str, list[dt.date]] = {}
    for h, status, start, end in visits:
        assert status == "planned"
        a, z = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        assert (z - a).days == 4  # a 5-day stay ends on its fifth day
        by_household.setdefault(h, []).append(a)
    horizon_end = dt.date(2027, 7, 4)
    for starts in by_household.values():
        points = [START, *sorted(starts), horizon_end]
        assert max((b - a).days for a, b in itertools.pairwise(points)) <= 60
    # Re-planning with nothing changed keeps every planned visit.
    with unit_of_work(paired) as s:
        again = planning.plan_area(s, "R", settings, actor="test")
    assert (again.replaced, again.kept, again.visits) == (0, summary.visits, summary.visits)
    assert _visits(paired) == visits
    # Planning everything afresh replaces the planned visits instead of adding to them.
    fresh = dataclasses.replace(settings, keep_unaffected=False)
    with unit_of_work(paired) as s:
        anew = planning.plan_area(s, "R", fresh, actor="test")
    assert anew.replaced == summary.visits
    assert len(_visits(paired)) == anew.visits


def _by_visitor(engine: Engine) -> dict[str, list[tuple[str, str, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, h.external_id, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN visitors v ON v.id = vi.visitor_id "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned' "
                "ORDER BY v.external_id, vi.planned_start"
            )
        ).all()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for v, h, a, z in rows:
        out.setdefault(v, []).append((h, str(a), str(z)))
    return out


def test_new_leave_re_plans_only_that_visitor(paired: Engine) -> None:
    settings = planning.PlanSettings(start=START, months=6)
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", settings, actor="test")
    before = _by_visitor(paired)
    _, first_start, first_end = before["V1"][0]
    with paired.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
                "SELECT id, :a, :z FROM visitors WHERE external_id = 'V1'"
            ),
            {"a": dt.date.fromisoformat(first_start), "z": dt.date.fromisoformat(first_end)},
        )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", settings, actor="test")
    after = _by_visitor(paired)
    assert after["V2"] == before["V2"]
    assert summary.kept == len(before["V2"])
    assert summary.replaced == len(before["V1"])
    leave_a, leave_z = dt.date.fromisoformat(first_start), dt.date.fromisoformat(first_end)
    for _, a, z in after["V1"]:
        assert dt.date.fromisoformat(z) < leave_a or dt.date.fromisoformat(a) > leave_z
    assert summary.compliant_pairings == summary.pairings


def test_work_lists_show_overdue_due_and_upcoming_households(paired: Engine) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START, months=3), actor="test")
    with paired.begin() as conn:
        # H0 had its visit on day 10; the others had none since the pairing started.
        conn.execute(
            text(
                "INSERT INTO visits (household_id, visitor_id, pairing_id, status, actual_start, "
                "actual_end) SELECT p.household_id, p.visitor_id, p.id, 'done', :a, :z "
                "FROM pairings p JOIN households h ON h.id = p.household_id "
                "WHERE h.external_id = 'H0'"
            ),
            {"a": START + dt.timedelta(days=10), "z": START + dt.timedelta(days=14)},
        )
    today = START + dt.timedelta(days=65)
    with unit_of_work(paired) as s:
        overdue = planning.work_list(s, "overdue", actor="test", today=today)
        due = planning.work_list(s, "due", actor="test", today=today, days=14)
        upcoming = planning.work_list(s, "upcoming", actor="test", today=START, days=30)
        mine = planning.work_list(s, "overdue", actor="test", today=today, visitor="V1")
    assert sorted(r["household"] for r in overdue) == ["H1", "H2", "H3"]
    assert all(r["days_left"] == -5 for r in overdue)
    assert [r["household"] for r in due] == ["H0"]
    assert due[0]["days_left"] == 5
    assert upcoming
    assert all(
        START <= dt.date.fromisoformat(str(r["start"])[:10]) < START + dt.timedelta(days=30)
        for r in upcoming
    )
    assert {r["visitor"] for r in mine} == {"V1"}
