"""Migration 0014 gives visits the first day of the plan that laid them, and takes it away
again, keeping every row."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from doorstep.services import planning
from doorstep.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from doorstep.storage.session import unit_of_work
from tests.services.test_planning import START, paired  # noqa: F401 - the fixture


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("visits")}


def test_the_column_comes_and_goes_and_the_visits_stay(paired: Engine) -> None:  # noqa: F811
    engine = paired
    with unit_of_work(engine) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    count = "SELECT COUNT(*) FROM visits"
    with engine.connect() as conn:
        visits = conn.execute(text(count)).scalar_one()
    assert visits > 0
    try:
        command.downgrade(alembic_config(engine), "0013")
        assert current_revision(engine) == "0013"
        assert "planned_from" not in _columns(engine)
        with engine.connect() as conn:
            assert conn.execute(text(count)).scalar_one() == visits
        upgrade(engine)
        assert "planned_from" in _columns(engine)
        with engine.connect() as conn:
            assert conn.execute(text(count)).scalar_one() == visits
            # Laid before the column was there: not known.
            laid = "SELECT COUNT(*) FROM visits WHERE planned_from IS NOT NULL"
            assert conn.execute(text(laid)).scalar_one() == 0
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    assert current_revision(engine) == head_revision(engine)
