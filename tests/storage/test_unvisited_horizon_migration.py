"""Migration 0023 gives the pairings a plan left without a visit the end of its horizon, and
takes it away again, keeping every row; rows from before it hold none (not known)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from tests.services.test_planning_unvisited import (
    FIRST,
    SECOND,
    _dropped,
    _plan,
    _programme,
    _visits_of,
)
from tests.storage.new_table import HEAD
from tests.storage.test_api_accounts_migration import _tables


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("unvisited_pairings")}


def test_the_column_matches_its_model_and_comes_and_goes_keeping_the_rows(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [
        d for d in diff if "unvisited_pairings" in {getattr(x, "name", None) for x in _tables(d)}
    ] == []
    _plan(engine, FIRST)
    rows = "SELECT pairing_id, planned_from FROM unvisited_pairings ORDER BY 1"
    known = "SELECT COUNT(*) FROM unvisited_pairings WHERE horizon_end IS NOT NULL"
    with engine.connect() as conn:
        before = conn.execute(text(rows)).all()
        assert before and conn.execute(text(known)).scalar_one() == len(before)
    try:
        command.downgrade(alembic_config(engine), "0022")
        assert "horizon_end" not in _columns(engine)
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text(rows)).all() == before
            # Left by a plan before the column was there: not known.
            assert conn.execute(text(known)).scalar_one() == 0
        # So HX's pairing is not settled: V0 is planned again, once (the plan stores it).
        v0 = _visits_of(engine, "V0")
        assert v0 and set(v0) <= set(_dropped(engine, SECOND))
        _plan(engine, SECOND)
        with engine.connect() as conn:
            assert conn.execute(text(known)).scalar_one() == len(before)
        assert not set(_visits_of(engine, "V0")) & set(_dropped(engine, SECOND))
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    assert current_revision(engine) == HEAD
    assert "horizon_end" in _columns(engine)
