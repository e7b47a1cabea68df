"""Migration 0015 adds the API's accounts and tokens as the tables describe them, and takes
them away again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade

TABLES = {"accounts", "api_tokens"}


def test_the_tables_match_the_models_and_come_and_go(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if TABLES & {getattr(x, "name", None) for x in _tables(d)}]
    assert ours == []
    try:
        command.downgrade(alembic_config(engine), "0014")
        assert current_revision(engine) == "0014"
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def _tables(diff: object) -> list[object]:
    """The tables a diff entry of ``compare_metadata`` is about."""
    items = diff if isinstance(diff, list) else [diff]
    found: list[object] = []
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            table = getattr(part, "table", None)
            found.append(table if table is not None else part)
    return found
