"""Run Alembic migrations from code (``doorstep db upgrade`` and application start)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# A migration file's own lines naming its revision and its parent, as the template writes
# them (``script.py.mako``, either quotes); a test checks they give Alembic's head.
_REVISION = re.compile(r"""^revision(?: *: *str)? *= *["'](\w+)["'] *$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision(?: *: *str *\| *None)? *= *(?:["'](\w+)["']|None) *$""", re.MULTILINE
)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

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
    from alembic import command

    with _one_at_a_time(engine):
        command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def newest_revision() -> str | None:
    """This version's newest migration, read from the migration files' ``revision`` and
    ``down_revision`` lines without Alembic; ``None`` where they do not make one line of
    revisions (a merge, a file whose lines are not in the template's form): ask Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, parent = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(parent) != 1:
            return None
        revisions.add(revision[0])
        if parent[0]:
            parents.add(parent[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def at_newest_revision(engine: Engine) -> bool:
    """Whether the database's schema is this version's newest (:func:`newest_revision`),
    asked without loading Alembic (with Mako and Pygments, which it loads, a tenth of a
    second or more of every command's start). ``False`` means "ask Alembic": a new
    database, an older or unknown revision, or files this cannot read."""
    newest = newest_revision()
    if newest is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(stored) == [newest]


def known_revision(engine: Engine, revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations."""
    from alembic.script import ScriptDirectory

    try:
        ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False
    return True
