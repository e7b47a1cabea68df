"""A plan names each household whose visits it wrote or deleted, and no other."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday


def _sql(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _plan(engine: Engine) -> list[tuple[str, object]]:
    """Plan the region from START; the household events it recorded."""
    with engine.connect() as conn:
        last = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_events")).scalar_one()
    with unit_of_work(engine) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity_id, detail FROM audit_events "
                "WHERE entity = 'household' AND id > :last ORDER BY entity_id"
            ),
            {"last": last},
        ).all()
    assert {r[0] for r in rows} <= {"update"}
    return [(r[1], r[2] if isinstance(r[2], dict) else json.loads(r[2])) for r in rows]


def test_a_plan_names_the_households_whose_visits_it_wrote_or_deleted(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id=v) for v in ("V1", "V2")]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(4)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    for h, v in (("H0", "V1"), ("H1", "V1"), ("H2", "V2"), ("H3", "V2")):
        _sql(
            with_areas,
            "INSERT INTO pairings (household_id, visitor_id, started_on) "
            "SELECT h.id, v.id, :s FROM households h, visitors v "
            "WHERE h.external_id = :h AND v.external_id = :v",
            h=h,
            v=v,
            s=START,
        )
    detail = {"table": "visits", "area": "R", "start": START.isoformat()}
    assert _plan(with_areas) == [(f"H{i}", detail) for i in range(4)]
    # Nothing changed: every visit is kept, and nobody's schedule was written.
    assert _plan(with_areas) == []
    # H3's pairing ends after its first visit: its later visits are deleted (none written),
    # and the other households keep theirs.
    _sql(
        with_areas,
        "UPDATE pairings SET ended_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'H3')",
        d=START + dt.timedelta(days=70),
    )
    assert _plan(with_areas) == [("H3", detail)]
