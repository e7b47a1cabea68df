"""Pairings begun before the plan's start, never visited: due from their own start, and their
first visits spread over what is left of that window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

PAIRED = dt.date(2026, 12, 1)  # a Tuesday: every pairing committed that day
START = dt.date(2026, 12, 7)  # planned from the next Monday


def _area(engine: Engine, tmp_path: Path, visitors: int, each: int) -> None:
    """One organisation's ``visitors``, ``each`` households apiece, all paired on PAIRED."""
    orgs = tmp_path / "o.csv"
    orgs.write_text("code,name,staff_cap\nORG,Bureau,0.3\n", encoding="utf-8")
    run_import(engine, "organisations", orgs)
    vv = [
        visitor(visitor_id=f"V{v}", lat=26.58, lon=107.97, capacity=each, organisation_code="ORG")
        for v in range(visitors)
    ]
    hh = [
        household(household_id=f"H{v}_{j}", lat=26.58 + j / 10_000)
        for v in range(visitors)
        for j in range(each)
    ]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :day FROM households h JOIN visitors v "
                "ON v.external_id = 'V' || substr(h.external_id, 2, 1)"
            ),
            {"day": PAIRED},
        )


def _first_visits(engine: Engine) -> list[dt.date]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT MIN(planned_start) FROM visits GROUP BY pairing_id ORDER BY 1")
        ).scalars()
        return [a if isinstance(a, dt.date) else dt.date.fromisoformat(str(a)[:10]) for a in rows]


def test_pairings_begun_together_are_not_all_made_due_on_one_day(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Four visitors of one organisation, at most 30 % of them away on a day (one), two
    # households each, all paired on the same Tuesday: every first visit is due by
    # 2027-01-30, around New Year. Aimed at that one deadline (with the planner's two weeks of
    # looking early), the eight 5-day stays did not fit: 2 of 8 were late. Spread over the
    # window, they do.
    _area(with_areas, tmp_path, 4, 2)
    settings = planning.PlanSettings(start=START, country="CN")
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert (summary.pairings, summary.compliant_pairings) == (8, 8)
    first = _first_visits(with_areas)
    assert len(first) == 8 and max(first) <= PAIRED + dt.timedelta(days=60)


def test_a_pairing_begun_long_ago_and_never_visited_is_overdue_at_once(
    with_areas: Engine, tmp_path: Path
) -> None:
    _area(with_areas, tmp_path, 1, 1)
    with with_areas.begin() as conn:
        conn.execute(text("UPDATE pairings SET started_on = :d"), {"d": START - dt.timedelta(90)})
    with unit_of_work(with_areas) as s:
        built = planning.build_result(s.connection(), "R", planning.PlanSettings(start=START))
    (row,) = built.result.non_compliant()
    assert (row.gap_from, row.reason.value) == (START - dt.timedelta(90), "overdue_before_planning")
