"""Engines and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL via psycopg 3.

A unit of work (:func:`unit_of_work`) is one transaction from its first statement on both
databases. On SQLite the driver's own transaction control is off (it began a transaction
only at the first INSERT, UPDATE, DELETE or REPLACE, every read before it in one of its
own) and the engine's ``begin`` event says ``BEGIN``, SQLAlchemy's recipe for pysqlite:

* a unit's reads are of one snapshot, whatever others commit meanwhile (a report's several
  queries agree; a check and the write it allows see the same database);
* a unit that has read and then writes is refused at once if another wrote since it began
  reading, or is writing then (SQLite cannot wait that out): :func:`refused_write` tells
  it as "run it again" (``SQLITE_BUSY_SNAPSHOT``, or a busy error returned without the
  wait, marked by ``_mark_refused_after_reading``), never as a writer busy past the timeout;
* ``unit_of_work(writer=True)`` begins ``BEGIN IMMEDIATE`` (the :data:`WRITER` option):
  the writer's lock from the start, waiting its turn, never refused for its reads;
* a unit whose writes do not rest on what it read being still current (a record of its
  reads, a pairing proposal, the pairing lock's takers, which check after it) calls
  :func:`take_turn` before writing: its
  transaction, having written nothing, is begun again with the writer's lock (rows of a
  temporary table to read by, filled in :func:`temporary_writes`, are not its writes).

A unit holds its snapshot to its end (or its :func:`take_turn`), where each statement held
its own before, and SQLite's checkpoint cannot copy past the oldest snapshot held: while
a long read runs (an export, a report of a region), others' writes stay in the log, which
grows, and :func:`settle_after_commit` says the checkpoint did not get through.

PostgreSQL begins at the first statement too, but at READ COMMITTED: each statement sees
what committed before it, so there a check and its write are kept together by locks (the
pairing lock, ``LOCK TABLE``) and constraints, not by a snapshot.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from doorstep.config import BUSY_TIMEOUT_MS
from doorstep.errors import Conflict
from doorstep.say import Say


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def writer_busy(busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Say:
    """What a command is told when SQLite's one writer held the database past the busy
    timeout, ``busy_timeout_ms`` (its engine's: ``DOORSTEP_SQLITE_BUSY_TIMEOUT_MS``)."""
    return Say(
        "another command is writing to the database and did not finish within %(seconds)s "
        "seconds; try again when it has",
        seconds=f"{busy_timeout_ms / 1000:g}",
    )


#: :func:`writer_busy` at the default timeout, in English.
WRITER_BUSY = writer_busy().english()


def first_line(exc: BaseException) -> str:
    """The driver's first line (SQLAlchemy wraps it; bulk copies raise it bare)."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def driver_integrity_errors() -> tuple[type[Exception], ...]:
    """The drivers' own integrity errors, which a bulk copy raises bare (SQLAlchemy wraps
    the others). psycopg's only once psycopg is loaded: no SQLite command loads it (it takes
    a fifth of a second), and an error of a driver never imported cannot have been raised."""
    errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    if "psycopg" in sys.modules:
        import psycopg

        errors += (psycopg.IntegrityError,)
    return errors


def _changed_meanwhile(why: str, by: Literal["command", "request"]) -> Say:
    # One sentence each, to translate whole ("command" and "request" are not values).
    if by == "request":
        return Say(
            "the database refused a write (%(why)s): a record this request read was changed "
            "by another request meanwhile; nothing was written, run it again",
            why=why,
        )
    return Say(
        "the database refused a write (%(why)s): a record this command read was changed by "
        "another command meanwhile; nothing was written, run it again",
        why=why,
    )


def _written_while_reading(by: Literal["command", "request"]) -> Say:
    if by == "request":
        return Say(
            "another request wrote to the database while this request was reading; nothing "
            "was written, run it again"
        )
    return Say(
        "another command wrote to the database while this command was reading; nothing was "
        "written, run it again"
    )


def refused_write(exc: BaseException, *, by: Literal["command", "request"]) -> Conflict | None:
    """What a front door says of a unit of work the database refused, ``by`` naming what
    ran it (a command, a request): a record it read changed by another meanwhile (an
    integrity error, wrapped by SQLAlchemy or bare from a bulk copy), or SQLite's one writer
    busy past the timeout; ``None`` for any other error. Each is a :class:`~doorstep.say.Say`,
    so a page says it in its language (the driver's own line stays as it is)."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, (IntegrityError, *driver_integrity_errors())):
        return Conflict(_changed_meanwhile(first_line(exc), by))
    locked = isinstance(exc, OperationalError | sqlite3.OperationalError)
    if locked and "database is locked" in first_line(exc):
        driver = getattr(exc, "orig", None) or exc
        if getattr(driver, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY_SNAPSHOT or getattr(
            driver, _REFUSED_AFTER_READING, False
        ):
            # Refused at once, not after the timeout: it read, another wrote (or is
            # writing), and what it read is no longer the database's (or will not be once
            # the other commits): SQLite cannot wait that out.
            return Conflict(_written_while_reading(by))
        return Conflict(writer_busy(getattr(driver, _BUSY_TIMEOUT, BUSY_TIMEOUT_MS)))
    return None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _on_sqlite_connect(busy_timeout_ms: int) -> Callable[[sqlite3.Connection, Any], None]:
    """The pragmas each new SQLite connection is given (``busy_timeout_ms``: its engine's)."""
    return lambda dbapi_conn, _record: _set_pragmas(dbapi_conn, busy_timeout_ms)


def _set_pragmas(dbapi_conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # An erased household's rows are overwritten with zeros, not left in free pages (the
    # default of some SQLite builds only, e.g. Debian's).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
    # The driver's own transaction control begins only at an INSERT, UPDATE, DELETE or
    # REPLACE, each read before it in a transaction of its own: off, and ``_on_sqlite_begin``
    # begins each transaction where SQLAlchemy begins it (SQLAlchemy's documented recipe).
    dbapi_conn.isolation_level = None


#: The execution option of a connection whose transactions begin with the writer's lock.
WRITER = "doorstep_writer"

# What a SQLite connection's transaction has done (kept in the connection's ``info``).
_IMMEDIATE = "doorstep.immediate"  # holds the writer's lock since it began (or its turn)
_CHANGES = "doorstep.changes"  # the driver's count of rows changed when it began
_STATEMENTS = "doorstep.statements"  # statements (but pragmas) run since it began


def _on_sqlite_begin(conn: Connection) -> None:
    """Begin SQLite's transaction where SQLAlchemy begins one (the first statement of a
    unit of work): deferred, so reads share one snapshot and take no lock, or ``BEGIN
    IMMEDIATE`` on a connection with the :data:`WRITER` option."""
    immediate = bool(conn.get_execution_options().get(WRITER))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    driver: Any = conn.connection.driver_connection
    conn.info[_IMMEDIATE] = immediate
    conn.info[_CHANGES] = driver.total_changes
    conn.info[_STATEMENTS] = 0


def _on_sqlite_statement(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    # A pragma (a busy timeout set) reads no table: it begins no snapshot.
    if not statement.lstrip()[:6].upper().startswith("PRAGMA"):
        conn.info[_STATEMENTS] = conn.info.get(_STATEMENTS, 0) + 1


#: Set on a driver error that SQLite returned at once, without waiting for the writer:
#: the first write of a transaction that had read (see :func:`refused_write`).
_REFUSED_AFTER_READING = "doorstep_refused_after_reading"


#: Set on a "database is locked" driver error: the busy timeout its engine waited (ms).
_BUSY_TIMEOUT = "doorstep_busy_timeout_ms"


def _on_sqlite_error(busy_timeout_ms: int) -> Callable[[ExceptionContext], None]:
    """The handler of an engine's errors (``busy_timeout_ms``: its timeout, which a refusal
    for a busy writer names)."""

    def handle(context: ExceptionContext) -> None:
        driver = context.original_exception
        if isinstance(driver, sqlite3.OperationalError):
            setattr(driver, _BUSY_TIMEOUT, busy_timeout_ms)
        _mark_refused_after_reading(context)

    return handle


def _mark_refused_after_reading(context: ExceptionContext) -> None:
    """Mark a "database is locked" that did not wait: SQLite asks a transaction that has
    begun reading to wait for no writer (it would wait for a commit that makes what it
    read stale), so its first write while another writes is refused at once. Told as
    busy past the timeout, it would mislead."""
    driver = context.original_exception
    conn = context.connection
    if (
        conn is not None
        and isinstance(driver, sqlite3.OperationalError)
        and getattr(driver, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
        and conn.info.get(_STATEMENTS, 0) > 0
        and not conn.info.get(_IMMEDIATE)
    ):
        setattr(driver, _REFUSED_AFTER_READING, True)


def has_written(conn: Connection) -> bool:
    """Whether the SQLite transaction of ``conn`` holds the writer's lock or has written
    (PostgreSQL: whether it is in a transaction at all). Rows written to a temporary table
    (in :func:`temporary_writes`) are no write of the database's."""
    if conn.dialect.name != "sqlite":
        return conn.in_transaction()
    driver: Any = conn.connection.driver_connection
    if not conn.in_transaction() or not driver.in_transaction:
        return False
    return bool(conn.info.get(_IMMEDIATE)) or driver.total_changes != conn.info.get(_CHANGES)


@contextmanager
def temporary_writes(conn: Connection) -> Iterator[None]:
    """Run the block, whose writes are all to temporary tables of ``conn`` (ids to join
    on, a report's groups), as no write of its unit's.

    SQLite's driver counts them with the database's (``total_changes``), so a unit that had
    filled one to read by seemed to have written: :func:`take_turn` kept its snapshot, and
    its first write (the audit events of a work list, a report) was refused, "run it
    again", whenever another wrote meanwhile."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver: Any = conn.connection.driver_connection
    before = driver.total_changes
    yield
    if conn.in_transaction():
        # Begun before the block or in it (where ``_on_sqlite_begin`` counted from before).
        conn.info[_CHANGES] = conn.info.get(_CHANGES, before) + driver.total_changes - before


def take_turn(conn: Connection) -> None:
    """On SQLite, take the one writer's lock now, waiting its turn (up to the busy timeout:
    then a :class:`~doorstep.errors.Conflict`); nothing to do on PostgreSQL, or for a
    transaction that has written already.

    A transaction that has only read is begun again, with the lock (its reads were of one
    snapshot; SQLite would refuse its first write once another has written since). For a
    unit whose writes do not rest on what it read still being current: a record of what it
    read, a proposal whose staleness its commit checks, a plan that reads again under the
    lock when a writer committed meanwhile. A unit that reads, checks and writes does not
    call it: its write is refused instead (:func:`refused_write`)."""
    if conn.dialect.name != "sqlite":
        return
    if not conn.in_transaction():
        conn.begin()
    if has_written(conn):
        return
    driver: Any = conn.connection.driver_connection
    driver.execute("COMMIT")  # it wrote nothing: the reads' snapshot is given up
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        driver.execute("BEGIN")  # SQLAlchemy's transaction goes on, to its rollback
        if "locked" in str(exc):
            waited = driver.execute("PRAGMA busy_timeout").fetchone()[0]
            raise Conflict(writer_busy(int(waited))) from None
        raise
    conn.info[_IMMEDIATE] = True


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created and pragmas set,
    ``busy_timeout_ms`` the wait for another's writer's lock (the setting
    ``DOORSTEP_SQLITE_BUSY_TIMEOUT_MS`` where a front door makes the engine)."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        # A plain file path gets its folder; a "file:" URI (read-only mode, say) is sqlite's.
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect(busy_timeout_ms))
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine, "after_cursor_execute", _on_sqlite_statement)
        event.listen(engine, "handle_error", _on_sqlite_error(busy_timeout_ms))
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def settle_after_commit(session: Session) -> None:
    """Once ``session`` commits, have SQLite copy its write-ahead log into the database file
    and empty the log. Until a checkpoint, a delete's zeroed pages sit in the log and the
    file keeps the old rows; SQLite checkpoints when the log fills or the last connection
    closes, which any other open connection (a server, a running command) puts off. Waits
    for readers up to the busy timeout, after the commit (:func:`unit_of_work`: Ctrl-C
    meanwhile says the changes were saved). Nothing to do on PostgreSQL (its ``VACUUM``)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if not is_sqlite(engine):
        return

    def settle() -> None:
        with engine.connect() as conn:
            # On the driver, outside any transaction: SQLAlchemy would begin one, in which
            # a checkpoint is refused once it has read.
            driver: Any = conn.connection.driver_connection
            busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        session.info[_SETTLED] = busy == 0

    after_commit(session, settle)


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Have :func:`unit_of_work` run ``work`` once ``session`` has committed (not if it
    does not): work that waits for the commit, where Ctrl-C says the changes were saved."""
    session.info.setdefault(_AFTER_COMMIT, []).append(work)


_SETTLED = "doorstep.wal_settled"
_AFTER_COMMIT = "doorstep.after_commit"


def settled(session: Session) -> bool | None:
    """After :func:`settle_after_commit`'s commit: whether the checkpoint got through
    (``False``: a reader held the log past the busy timeout, so the old rows stay in the
    file until that reader is done); ``None`` when none ran (PostgreSQL, or no commit)."""
    value = session.info.get(_SETTLED)
    return None if value is None else bool(value)


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C during a unit of work's commit or the work after it (:func:`unit_of_work`):
    unlike any other interrupt, its changes are in the database."""


def _commit(session: Session, on_commit: Callable[[], None] | None) -> None:
    """Commit with Ctrl-C held back until the database has answered, so that an interrupt
    falls either before the commit (nothing written) or after it (all written), and the
    command can say which; then run the work that waits for the commit."""
    held: list[int] = []
    hold = threading.current_thread() is threading.main_thread() and callable(
        signal.getsignal(signal.SIGINT)
    )
    previous = signal.signal(signal.SIGINT, lambda n, _f: held.append(n)) if hold else None
    try:
        session.commit()
        if on_commit is not None:
            on_commit()
    finally:
        if hold:
            signal.signal(signal.SIGINT, previous)
    try:
        for after in session.info.pop(_AFTER_COMMIT, []):
            after()
    except KeyboardInterrupt:
        raise InterruptedAfterCommit from None
    if held:
        raise InterruptedAfterCommit


@contextmanager
def unit_of_work(
    engine: Engine, *, on_commit: Callable[[], None] | None = None, writer: bool = False
) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error. ``on_commit`` is called
    as soon as the commit has gone through (before an interrupt held back during it).

    ``writer``: on SQLite, take the database's one writer's lock at the start (``BEGIN
    IMMEDIATE``), waiting up to the busy timeout for it, where the unit would otherwise
    begin deferred (``BEGIN``: reads of one snapshot, the lock taken at the first write).
    A unit that reads before it writes is otherwise refused at once when another wrote
    after it began reading (``SQLITE_BUSY_SNAPSHOT``, which no wait cures: 10 of 14 visits
    a server was sent at once). Writers take turns. Nothing changes on PostgreSQL.

    Interrupted (Ctrl-C) before the commit, the transaction is rolled back; during it or
    after it, :class:`InterruptedAfterCommit` is raised instead (see :func:`_commit`).
    On PostgreSQL the connection of an interrupted transaction is closed instead: one stopped
    in the middle of a ``COPY`` waited for a rollback's answer for ever, while the server rolls
    back the transaction of a connection that closes. SQLite's rollback answers, and is kept:
    closed instead, an interrupted import once lost the record of its attempt after it
    (cause not found; see tests/cli/test_import_kill.py)."""
    with session_factory(engine)() as session:
        try:
            if writer and is_sqlite(engine):
                session.connection(execution_options={WRITER: True})  # BEGIN IMMEDIATE
            yield session
            _commit(session, on_commit)
        except InterruptedAfterCommit:
            raise
        except KeyboardInterrupt:
            if session.in_transaction() and not is_sqlite(engine):
                session.connection().invalidate()
            session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
