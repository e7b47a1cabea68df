"""Run Alembic migrations from code (``doorstep db upgrade`` and application start)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


#: Key of PostgreSQL's session-level advisory lock held while migrating ("mgrt").
MIGRATION_LOCK = 0x6D677274


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the migration lock: commands started together on a new database would each
    create the tables, and all but one fail. Alembic reads the schema's revision only once
    it runs, so whoever waited finds the work done. PostgreSQL: an advisory lock on a
    connection of its own; a SQLite file: ``flock`` on a file beside it, which waits as long
    as the migration takes (the migration's own write lock, ``migrations/env.py``, is given
    up by a waiting writer after the 10 s busy timeout)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
        return
    database = engine.url.database or ":memory:"
    if engine.dialect.name != "sqlite" or database == ":memory:" or database.startswith("file:"):
        yield  # in memory (one process), or a URI the driver opens itself
        return
    path = f"{database}-migrate-lock"
    lock = _lock_file(path)
    try:
        yield
    finally:
        # Removed while still held, so no stray file is left in var/. One waiting on it
        # finds it gone once it gets the lock and takes the lock again on a new file
        # (``_lock_file``): two processes never hold the lock on two files at once.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _lock_file(path: str) -> IO[str]:
    """``path`` opened (made if need be) and locked, once it is still the file at ``path``:
    a lock taken on a file its holder has since removed locks nothing."""
    while True:
        lock = open(path, "a")  # noqa: SIM115 - held past this function, closed by the caller
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            on_disk = os.stat(path)
        except FileNotFoundError:
            on_disk = None
        held = os.fstat(lock.fileno())
        if on_disk is not None and (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino):
            return lock
        lock.close()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``, one process at a time."""
    with _one_at_a_time(engine):
        command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def known_revision(engine: Engine, revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations."""
    try:
        ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False
    return True
