"""Which pairings have a missed visit not made up, as a plan asks, on both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.services.visit_records import mark_missed
from doorstep.storage.repositories.visits import missed_since
from doorstep.storage.session import unit_of_work
from tests.factories.visits import first_planned, plan_three


def _pairing(engine: Engine, household: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT p.id FROM pairings p JOIN households h ON h.id = p.household_id "
                    "WHERE h.external_id = :h"
                ),
                {"h": household},
            ).scalar_one()
        )


def test_a_visit_planned_after_a_missed_one_makes_it_up_only_while_under_way(
    with_areas: Engine, tmp_path: Path
) -> None:
    # H0 missed its first visit; the plan after it put its next one days later. Nobody
    # recorded that one: over by the next plan, it was not made (as the plan takes every
    # visit planned before its start and neither recorded nor marked missed), so it does
    # not make up the missed one, and that plan still pulls H0's next visit early.
    plan_three(with_areas, tmp_path)
    first, _ = first_planned(with_areas, "H0")
    with unit_of_work(with_areas) as s:
        mark_missed(s, "H0", "V1", first, actor="test", today=first)
        again = first + dt.timedelta(days=1)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=again, months=4), actor="test", today=again
        )
    made_up, end = first_planned(with_areas, "H0")  # the visit planned to make it up
    assert made_up > first
    pairing = _pairing(with_areas, "H0")
    since = first - dt.timedelta(days=60)
    with with_areas.connect() as conn:
        under_way = missed_since(conn, [pairing], since, made_up + dt.timedelta(days=1))
        over = missed_since(conn, [pairing], since, end + dt.timedelta(days=1))
    assert under_way == []  # being made up as the plan starts
    assert over == [pairing]
