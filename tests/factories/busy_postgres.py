"""Another transaction busy on PostgreSQL while an entry point runs (a command, a request):
the PostgreSQL counterpart of :mod:`tests.factories.busy_writer`'s SQLite writer.

PostgreSQL has no one writer's lock, and at READ COMMITTED each statement sees what
committed before it: a write of rows an entry point never touches cannot meet it. The other
transaction of :func:`transaction_busy` is an import of every kind at once: it holds the
pairing lock (its count of takes moved, as each take moves it) and the household sizes'
lock, and ``SHARE ROW EXCLUSIVE`` (the imports' mode: any ``INSERT``, ``UPDATE`` or
``DELETE`` waits for it, reads go on) on every table no import locks (the audit trail's
among them, which every entry point that writes writes). An entry point reads what
committed before it and then waits, at its first write or lock. Where it waits for the
pairing or sizes lock, the other then takes the imports' own table locks, in an import's
order (:data:`IMPORTED`): one that wrote to one of those tables before asking for the lock
deadlocks with it, as it would with a real import. The other commits
:data:`~tests.factories.busy_writer.HOLD` seconds after it is seen waiting, and the entry
point goes on, its later statements seeing the other's writes (a plan built before them
is built again). It must then complete: no deadlock, no serialization failure, no unique
violation, no "run it again".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2 as httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import Connection, text

from doorstep.services.importing.periods import CALENDARS
from doorstep.services.importing.service import _TABLES as IMPORT_TABLES
from doorstep.services.referrals import TABLE as REFERRALS
from doorstep.storage.base import Base
from doorstep.storage.repositories.household_sizes import lock_household_sizes
from doorstep.storage.repositories.pairing import lock_pairings
from doorstep.storage.session import make_engine
from tests.factories.busy_writer import HOLD, LONGEST_WAIT, REFUSED

#: Every table an import locks (``bulk.lock_for_import``), each kind's in its order.
IMPORTED = tuple(
    dict.fromkeys(
        [
            *(t for tables in IMPORT_TABLES.values() for t in tables),
            *(cal.table for cal in CALENDARS.values()),
            *("visits", REFERRALS),
        ]
    )
)

#: How often the other looks for a connection waiting for it (seconds).
_POLL = 0.005

#: The kinds of lock (``pg_locks.locktype``) a connection waiting for the other waits for.
_WAITING_FOR = (
    "SELECT locktype FROM pg_locks WHERE NOT granted AND pid IN"
    " (SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)))"
)


def _count(url: str, query: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def audit_events(url: str) -> int:
    """How many audit events the PostgreSQL database at ``url`` holds."""
    return _count(url, "SELECT count(*) FROM audit_events")


def _lock(conn: Connection, tables: Iterator[str] | tuple[str, ...]) -> None:
    for table in tables:
        conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


@contextmanager
def transaction_busy(url: str, *, asks: bool = True, hold: float = HOLD) -> Iterator[None]:
    """Run the block while another transaction on the PostgreSQL database at ``url`` is
    busy as an import of every kind (see the module); it commits ``hold`` seconds after a
    connection of the block waits for it, or when the block ends. Checks that it
    committed, and (``asks``) that the block waited for it."""
    engine = make_engine(url)
    conn = engine.connect()
    taken = lock_pairings(conn) + 1
    lock_household_sizes(conn)
    _lock(conn, (t.name for t in Base.metadata.sorted_tables if t.name not in IMPORTED))
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    waited = threading.Event()
    go = threading.Event()  # waited for, or the block ended
    failed: list[BaseException] = []

    def release() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as watcher:
                while not go.is_set():
                    kinds = {row[0] for row in watcher.execute(_WAITING_FOR, (pid,))}
                    if kinds:
                        waited.set()
                        go.set()
                        if "advisory" in kinds:
                            _lock(conn, IMPORTED)
                        time.sleep(hold)
                        break
                    go.wait(_POLL)
            conn.commit()
        except BaseException as exc:  # the test says so below
            failed.append(exc)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        go.set()
        thread.join(LONGEST_WAIT + hold + 5)
        conn.close()
        engine.dispose()
    assert not failed, failed
    assert waited.is_set() or not asks, "the entry point did not wait for the other"
    # The other committed: its take of the pairing lock is counted.
    assert _count(url, "SELECT COALESCE(MAX(taken), 0) FROM pairing_lock_takes") >= taken


@contextmanager
def serving_postgres(app: FastAPI, url: str) -> Iterator[str]:
    """Have ``app`` (of the module's tests, made once) serve the PostgreSQL database at
    ``url`` (a copy of the programme of the test's own) for the block; its URL."""
    app.state.engine = make_engine(url)
    try:
        yield url
    finally:
        app.state.engine.dispose()


def asked_while_busy(url: str, ask: Callable[[], httpx.Response], *, writes: bool) -> None:
    """Send a request (``ask``) while another transaction is busy on the PostgreSQL
    database at ``url`` (:func:`transaction_busy`), and check that it was answered, not
    refused (after waiting for the other, where it writes); and that it recorded what it
    did or read in the trail where it writes (and nothing where it does not)."""
    events = audit_events(url)
    with transaction_busy(url, asks=writes):
        answer = ask()
    assert REFUSED not in answer.text, answer.text
    assert answer.status_code < 400, answer.text
    assert (audit_events(url) == events) == (not writes)
