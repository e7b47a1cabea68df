"""Engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL via psycopg 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


#: What a command is told when SQLite's one writer held the database past the busy timeout.
WRITER_BUSY = (
    "another command is writing to the database and did not finish within 10 seconds; "
    "try again when it has"
)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cur.execute("PRAGMA busy_timeout=10000")
    # An erased household's rows are overwritten with zeros, not left in free pages (the
    # default of some SQLite builds only, e.g. Debian's).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created and pragmas set."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        # A plain file path gets its folder; a "file:" URI (read-only mode, say) is sqlite's.
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def settle_after_commit(session: Session) -> None:
    """Once ``session`` commits, have SQLite copy its write-ahead log into the database file
    and empty the log. Until a checkpoint, a delete's zeroed pages sit in the log and the
    file keeps the old rows; SQLite checkpoints when the log fills or the last connection
    closes, which any other open connection (a server, a running command) puts off. Waits
    for readers up to the busy timeout. Nothing to do on PostgreSQL (its ``VACUUM``)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if not is_sqlite(engine):
        return

    def settle(_session: Session) -> None:
        with engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
        session.info[_SETTLED] = busy == 0

    event.listen(session, "after_commit", settle, once=True)


_SETTLED = "doorstep.wal_settled"


def settled(session: Session) -> bool | None:
    """After :func:`settle_after_commit`'s commit: whether the checkpoint got through
    (``False``: a reader held the log past the busy timeout, so the old rows stay in the
    file until that reader is done); ``None`` when none ran (PostgreSQL, or no commit)."""
    value = session.info.get(_SETTLED)
    return None if value is None else bool(value)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    Interrupted (Ctrl-C), the connection is closed instead: one stopped in the middle of
    a PostgreSQL ``COPY`` waited for a rollback's answer for ever, while the server rolls
    back the transaction of a connection that closes. SQLite's rollback answers, and is kept:
    closed instead, an interrupted import once lost the record of its attempt after it
    (cause not found; see tests/cli/test_import_kill.py)."""
    with session_factory(engine)() as session:
        try:
            yield session
            session.commit()
        except KeyboardInterrupt:
            if session.in_transaction() and not is_sqlite(engine):
                session.connection().invalidate()
            session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
