"""The check of a migration that adds one table: it matches its model, its foreign keys do
what the model says on a delete, and it goes with a downgrade and comes back."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from tests.storage.test_api_accounts_migration import _tables

#: The latest revision, which a test that goes down and up again comes back to.
HEAD = "0028"


def check_new_table(engine: Engine, table: str, *, before: str, ondelete: dict[str, str]) -> None:
    """``table`` as its model describes it, each table it refers to with the ``ondelete``
    its foreign key has (``""``: none), gone at revision ``before`` and back at the head."""
    assert table in inspect(engine).get_table_names()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if table in {getattr(x, "name", None) for x in _tables(d)}] == []
    foreign = {
        fk["referred_table"]: fk["options"].get("ondelete")
        for fk in inspect(engine).get_foreign_keys(table)
    }
    assert {t: (o or "").upper() for t, o in foreign.items()} == ondelete
    try:
        command.downgrade(alembic_config(engine), before)
        assert current_revision(engine) == before
        assert table not in inspect(engine).get_table_names()
    finally:
        upgrade(engine)
    assert current_revision(engine) == HEAD
    assert table in inspect(engine).get_table_names()
