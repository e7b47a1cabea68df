"""Migration 0017 adds referrals as the table describes them, and takes them away again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from tests.storage.test_api_accounts_migration import _tables

TABLE = "referrals"
#: The latest revision, which a test that goes down and up again comes back to.
HEAD = "0017"


def test_the_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    assert TABLE in inspect(engine).get_table_names()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if TABLE in {getattr(x, "name", None) for x in _tables(d)}] == []
    foreign = {
        fk["referred_table"]: fk["options"].get("ondelete")
        for fk in inspect(engine).get_foreign_keys(TABLE)
    }
    # The household's record goes with it; the organisation and the visitor stay.
    assert {t: (o or "").upper() for t, o in foreign.items()} == {
        "households": "CASCADE",
        "organisations": "",
        "visitors": "",
    }
    try:
        command.downgrade(alembic_config(engine), "0016")
        assert current_revision(engine) == "0016"
        assert TABLE not in inspect(engine).get_table_names()
    finally:
        upgrade(engine)
    assert current_revision(engine) == HEAD
    assert TABLE in inspect(engine).get_table_names()
