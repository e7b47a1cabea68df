"""The area plan takes a household's consent as of its start, as the work lists take it as of
their day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _planned_households(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT h.external_id FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned'"
            )
        ).scalars()
        return set(rows)


def test_the_plan_takes_consent_as_of_its_start_and_never_past_a_withdrawal(
    with_areas: Engine, tmp_path: Path
) -> None:
    # H0 consents throughout. H1, pending before, consents from day 30 only. H2 consented,
    # and withdraws from day 30 on.
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    acts = [
        [household(household_id=h, lat=26.58 + i / 1000) for i, h in enumerate(("H0", "H1", "H2"))],
        [household(household_id="H1", consent="pending", consent_date="2026-12-01")],
        [household(household_id="H1", consent="given", consent_date=str(_day(30)))],
        [household(household_id="H2", consent="withdrawn", consent_date=str(_day(30)))],
    ]
    for i, rows in enumerate(acts):  # the acts of day 30 entered on that day
        path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
        run_import(with_areas, "households", path, today=_day(30) if i > 1 else None)
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :d FROM households h, visitors v"
            ),
            {"d": START},
        )
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=4), actor="test", today=START
        )
    assert summary.pairings == 1
    assert _planned_households(with_areas) == {"H0"}
    # Planned again from the day H1's consent is in force, it gets its visits.
    with unit_of_work(with_areas) as s:
        later = planning.plan_area(
            s, "R", planning.PlanSettings(start=_day(30), months=4), actor="test", today=_day(30)
        )
    assert later.pairings == 2
    assert _planned_households(with_areas) == {"H0", "H1"}
