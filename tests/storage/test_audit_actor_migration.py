"""Migration 0018 indexes the audit trail by actor and id: one account's events are read
newest first from the index, not by walking the whole trail."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from doorstep.storage.migrate import alembic_config, upgrade
from doorstep.storage.repositories.trail import TrailFilter, trail_query
from tests.factories.db import query_plan

INDEX = "ix_audit_events_actor_id"


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {i["name"] or "": i["column_names"] for i in inspect(engine).get_indexes("audit_events")}


def test_the_migration_adds_the_index_and_takes_it_away_again(engine: Engine) -> None:
    try:
        command.downgrade(alembic_config(engine), "0017")
        assert INDEX not in _indexes(engine)
        upgrade(engine)
        assert _indexes(engine)[INDEX] == ["actor", "id"]
    finally:
        upgrade(engine)  # the next tests on this database need it at head


def test_one_account_s_events_are_read_through_the_index(engine: Engine) -> None:
    # A trail of some length, of many accounts, its statistics taken: on a table of a few
    # rows PostgreSQL may as well sort what a bitmap scan of the index found. One event in
    # 20 an account's, as this had, priced the walk of the whole trail within a hair of the
    # index: a table with a column dropped (migration 0022 gone down and up again, by a
    # test before this on the same database) has a few more pages, and PostgreSQL walked.
    # One in 100 (1,000 each), made by the database, is clear either way.
    with engine.begin() as conn:
        conn.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) "
                "INSERT INTO audit_events (at, actor, action, entity, detail) "
                "SELECT CURRENT_TIMESTAMP, 'api:a' || CAST(i % 100 AS VARCHAR), 'read', "
                "'visits', '{}' FROM n"
            )
        )
        conn.execute(text("ANALYZE audit_events"))
        newest = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
    for before in (None, newest - 10):  # the first page, and one further down
        query = trail_query(TrailFilter(actor="api:a7"), before=before, limit=100)
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        plan = query_plan(engine, str(compiled), {})
        assert INDEX in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # in the index's order
