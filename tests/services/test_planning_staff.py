"""The staffing cap is a share of the staff who are there: visitors who have left or not yet
begun do not widen it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.services.planning_inputs import head_counts
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)


def _staff(rows: list[tuple[int, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(o, a and dt.date.fromisoformat(a), z and dt.date.fromisoformat(z)) for o, a, z in rows],
        schema={"organisation_id": pl.Int64, "active_from": pl.Date, "active_to": pl.Date},
        orient="row",
    )


def test_the_head_count_is_the_fewest_staff_active_on_one_day_of_the_horizon() -> None:
    orgs = pl.DataFrame({"id": [1, 2, 3], "code": ["A", "B", "C"]})
    staff = _staff(
        [
            (1, None, None),
            (1, "2026-01-01", None),
            (1, None, "2025-06-30"),  # left before the horizon
            (1, "2028-02-01", None),  # begins after it
            (1, None, "2027-03-31"),  # leaves inside it: from April there are two
            (1, "2027-05-01", None),  # ... three again from May: the fewest is two
            (2, "2027-06-01", None),  # nobody there until June
            (2, None, "2027-12-31"),  # there to the horizon's last day
        ]
    )
    counted = head_counts(orgs, staff, dt.date(2027, 1, 1), dt.date(2028, 1, 1))
    assert counted["staff"].to_list() == [2, 1, 0]


def test_visitors_who_left_or_have_not_begun_do_not_widen_the_cap(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Two visitors at work, half of them away at most: one at a time. Two more left in
    # 2025 and one begins after the horizon; counted, they let both away at once.
    orgs = tmp_path / "o.csv"
    orgs.write_text("code,name,staff_cap\nORG,Bureau,0.5\n", encoding="utf-8")
    run_import(with_areas, "organisations", orgs)
    vv = (
        [
            visitor(visitor_id=f"V{v}", lat=26.58, lon=107.97, capacity=3, organisation_code="ORG")
            for v in range(2)
        ]
        + [
            visitor(visitor_id=f"L{v}", organisation_code="ORG", active_to="2025-06-30")
            for v in range(2)
        ]
        + [visitor(visitor_id="N", organisation_code="ORG", active_from="2028-06-01")]
    )
    hh = [
        household(household_id=f"H{v}_{j}", lat=26.58 + j / 10_000)
        for v in range(2)
        for j in range(3)
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :day FROM households h JOIN visitors v "
                "ON v.external_id = 'V' || substr(h.external_id, 2, 1)"
            ),
            {"day": START},
        )
    settings = planning.PlanSettings(start=START)
    with unit_of_work(with_areas) as s:
        built = planning.build_result(s.connection(), "R", settings)
    assert built.result.problem.org_max_away.tolist() == [1]
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert summary.compliant_pairings == 6
    away: Counter[dt.date] = Counter()
    with with_areas.connect() as conn:
        for a, z in conn.execute(text("SELECT planned_start, planned_end FROM visits")):
            day = a if isinstance(a, dt.date) else dt.date.fromisoformat(str(a)[:10])
            last = z if isinstance(z, dt.date) else dt.date.fromisoformat(str(z)[:10])
            while day <= last:
                away[day] += 1
                day += dt.timedelta(days=1)
    assert max(away.values()) == 1
