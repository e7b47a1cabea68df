"""Another transaction busy on PostgreSQL while an entry point runs (a command, a request):
the PostgreSQL counterpart of :mod:`tests.factories.busy_writer`'s SQLite writer.

PostgreSQL has no one writer's lock, and at READ COMMITTED each statement sees what
committed before it: a write of rows an entry point never touches cannot meet it. The
other transactions of :func:`transaction_busy` are an import of every kind at once: one
holds the pairing lock (its count of takes moved, as each take moves it) and the household
sizes' lock, the other ``SHARE ROW EXCLUSIVE`` (the imports' mode: any ``INSERT``,
``UPDATE`` or ``DELETE`` waits for it, reads go on) on every table no import locks (the
audit trail's among them, which every entry point that writes writes). An entry point
reads what committed before it and then waits, at its first write or lock. Once it waits
for the pairing or sizes lock, the first takes the imports' own table locks
(:data:`IMPORTED`), as an import takes them after those: an entry point that wrote to one
of those tables before asking for the lock deadlocks with it, as it would with a real
import. Each commits :data:`~tests.factories.busy_writer.HOLD` seconds after it is seen
waited for, and the entry point goes on, its later statements seeing what it wrote (a plan
built before the pairing lock's take is built again). It must then complete: no deadlock,
no serialization failure, no unique violation, no "run it again".
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

#: A connection waiting for the one of a process id.
_WAITING = "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) LIMIT 1"


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


def _lock(conn: Connection, tables: tuple[str, ...]) -> None:
    for table in tables:
        conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


@contextmanager
def transaction_busy(url: str, *, asks: bool = True, hold: float = HOLD) -> Iterator[None]:
    """Run the block while other transactions on the PostgreSQL database at ``url`` are
    busy as an import of every kind (see the module): one holds the pairing and sizes
    locks, one the tables no import locks. Each commits ``hold`` seconds after a
    connection of the block waits for it, or when the block ends; the first, once waited
    for, takes the imports' table locks first. Checks that both committed, and (``asks``)
    that the block waited for one."""
    engine = make_engine(url)
    advisory, tables = engine.connect(), engine.connect()
    taken = lock_pairings(advisory) + 1
    lock_household_sizes(advisory)
    # But the count of takes, which the first wrote: a taker waits for its lock first.
    kept = {*IMPORTED, "pairing_lock_takes"}
    _lock(tables, tuple(t.name for t in Base.metadata.sorted_tables if t.name not in kept))
    busy = {
        conn.execute(text("SELECT pg_backend_pid()")).scalar_one(): conn
        for conn in (advisory, tables)
    }
    waited = threading.Event()
    go = threading.Event()  # the block ended
    failed: list[BaseException] = []

    def release() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as watcher:
                while busy and not go.is_set():
                    for pid in list(busy):
                        if watcher.execute(_WAITING, (pid,)).fetchone() is None:
                            continue
                        waited.set()
                        if busy[pid] is advisory:
                            _lock(advisory, IMPORTED)
                        time.sleep(hold)
                        busy.pop(pid).commit()
                    go.wait(_POLL)
            for conn in busy.values():
                conn.commit()
        except BaseException as exc:  # the test says so below
            failed.append(exc)
            for conn in busy.values():  # what the block waits for is let go
                conn.rollback()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        go.set()
        thread.join(LONGEST_WAIT + 2 * hold + 5)
        advisory.close()
        tables.close()
        engine.dispose()
    assert not failed, failed
    assert waited.is_set() or not asks, "the entry point did not wait for the others"
    # The first committed: its take of the pairing lock is counted.
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
