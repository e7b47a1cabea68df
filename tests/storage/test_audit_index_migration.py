"""Migration 0007 indexes the audit trail by ``entity_id``: a person's export and erasure
find their events without reading the whole trail."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from doorstep.storage.migrate import alembic_config, upgrade
from doorstep.storage.repositories import household_data

INDEX = "ix_audit_events_entity_id"


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {i["name"] or "": i["column_names"] for i in inspect(engine).get_indexes("audit_events")}


def test_the_migration_adds_the_index_and_takes_it_away_again(engine: Engine) -> None:
    try:
        command.downgrade(alembic_config(engine), "0006")
        assert INDEX not in _indexes(engine)
        upgrade(engine)
        assert _indexes(engine)[INDEX] == ["entity_id"]
    finally:
        upgrade(engine)  # the next tests on this database need it at head


def test_a_households_events_are_found_through_the_index(engine: Engine) -> None:
    with engine.begin() as conn:
        query = household_data.events_query("H0000042")
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
        else:
            # A small table is read whole whatever its indexes: ask for the plan without that.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
    assert INDEX in plan, plan
