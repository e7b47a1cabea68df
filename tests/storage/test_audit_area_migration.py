"""Migration 0022 stores each audit event's area (``area_path``) with an index on it and the
id: the events already in the trail get it by the rule the writers use, and an area's page
is read through the index."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from doorstep.storage.repositories.trail import area_ids_query
from tests.factories.audit import last_event_id
from tests.factories.db import query_plan
from tests.services.test_audit_trail_area import _kinds, _write, people  # noqa: F401
from tests.storage.new_table import HEAD
from tests.storage.test_api_accounts_migration import _tables

INDEX = "ix_audit_events_area_path_id"


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("audit_events")}


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {i["name"] or "": i["column_names"] for i in inspect(engine).get_indexes("audit_events")}


def test_the_column_and_its_index_match_the_model_and_come_and_go(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [
        d for d in diff if "audit_events" in {getattr(x, "name", None) for x in _tables(d)}
    ] == []
    assert _indexes(engine)[INDEX] == ["area_path", "id"]
    try:
        command.downgrade(alembic_config(engine), "0021")
        assert "area_path" not in _columns(engine) and INDEX not in _indexes(engine)
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    assert current_revision(engine) == HEAD
    assert "area_path" in _columns(engine)


def test_the_backfill_gives_each_stored_event_the_area_its_writer_gives_it(
    people: tuple[Engine, int],  # noqa: F811
) -> None:
    engine, proposal = people
    mark = last_event_id(engine)
    _write(engine, "many", _kinds(proposal))
    query = text("SELECT id, area_path FROM audit_events ORDER BY id")
    with engine.connect() as conn:
        written = conn.execute(query).all()
    assert sum(p is not None for i, p in written if i > mark) == 8  # those of an area
    try:
        command.downgrade(alembic_config(engine), "0021")
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(query).all() == written
    finally:
        upgrade(engine)


def test_a_village_s_page_is_read_through_the_index(engine: Engine) -> None:
    # A trail of some length over 500 villages, its statistics taken: on a table of a few
    # rows PostgreSQL may as well sort what a bitmap scan of the index found.
    rows = [{"path": f"1/{2 + i % 500}/"} for i in range(20000)]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor, action, entity, detail, area_path) "
                "VALUES (CURRENT_TIMESTAMP, 'test', 'read', 'household', '{}', :path)"
            ),
            rows,
        )
        conn.execute(text("ANALYZE audit_events"))
        newest = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
    for before in (None, newest - 1000):  # the first page, and one further down
        query = area_ids_query("1/7/", before)
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        plan = query_plan(engine, str(compiled), {})
        # At most DENSE ids (PostgreSQL, knowing there are few, may sort them).
        assert INDEX in plan, plan
