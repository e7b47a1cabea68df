"""Whether a database is at this version's newest revision, asked without Alembic: every
command asks on start, and only a database that is not (new, older, unknown) loads Alembic
to check and migrate it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from doorstep.storage.migrate import (
    alembic_config,
    at_newest_revision,
    head_revision,
    newest_revision,
    upgrade,
)
from doorstep.storage.session import make_engine


def test_the_migration_files_read_without_alembic_name_alembics_head() -> None:
    # Every file's revision lines are in the template's form: otherwise each command would
    # load Alembic to ask, as before (still correct, only slower).
    engine = make_engine("sqlite://")
    assert newest_revision() is not None
    assert newest_revision() == head_revision(engine)


def test_only_a_database_at_the_head_is_at_the_newest_revision(new_database: str) -> None:
    engine = make_engine(new_database)
    head = head_revision(engine)
    assert head is not None
    parent = ScriptDirectory.from_config(alembic_config(engine)).get_revision(head)
    assert isinstance(parent.down_revision, str)

    assert not at_newest_revision(engine)  # new: no revision table yet
    upgrade(engine, parent.down_revision)
    assert not at_newest_revision(engine)  # one migration behind
    upgrade(engine)
    assert at_newest_revision(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    assert not at_newest_revision(engine)  # made by a newer version: Alembic must say so
    engine.dispose()
