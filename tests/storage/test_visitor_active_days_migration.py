"""Migration 0025: visitors' first and last active days are indexed as the model says, the
checks `pair explain` makes use the indexes, and the migration goes down and comes back."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from doorstep.storage.repositories import pairing as repo
from tests.storage.new_table import HEAD

INDEXES = {"ix_visitors_active_from", "ix_visitors_active_to"}


def _indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("visitors")}


def test_the_indexes_match_the_model_and_come_and_go(engine: Engine) -> None:
    assert _indexes(engine) >= INDEXES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "ix_visitors_active_" in repr(d)] == []
    try:
        command.downgrade(alembic_config(engine), "0024")
        assert not _indexes(engine) & INDEXES
    finally:
        upgrade(engine)
    assert current_revision(engine) == HEAD
    assert _indexes(engine) >= INDEXES


def test_the_checks_of_first_and_last_days_look_up_the_index(engine: Engine) -> None:
    # On SQLite the plan is told directly; what matters is that no check scans the table.
    day = dt.date(2026, 6, 1)
    with engine.connect() as conn:
        assert not repo.activity_changes_between(conn, day, day + dt.timedelta(days=5))
        assert not repo.last_days_between(conn, day, day + dt.timedelta(days=5))
        if conn.dialect.name != "sqlite":
            return
        for sql in (
            "SELECT 1 FROM visitors WHERE (active_from > '2026-06-01' AND active_from <= "
            "'2026-06-06') OR (active_to >= '2026-06-01' AND active_to < '2026-06-06') LIMIT 1",
            "SELECT 1 FROM visitors WHERE active_to >= '2026-06-01' AND active_to < "
            "'2026-06-06' LIMIT 1",
        ):
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "SCAN visitors" not in plan, plan
            assert "ix_visitors_active_" in plan, plan
