"""Another writer busy on a real SQLite file while an entry point runs (a command, a request).

:func:`writer_busy`: the other connection takes the writer's lock (``BEGIN IMMEDIATE``)
before the entry point begins, writes a row, and commits :data:`HOLD` seconds after the
entry point has asked for the lock (its ``BEGIN IMMEDIATE``, or its first write): an entry
point that has read and then writes without waiting its turn is refused at once, the lock
still held (a busy error returned without the wait), with "nothing was written, run it
again"; one that waits its turn is seen to have asked while the other held the lock.
:func:`written_while_reading`: another connection commits a write once the entry point
has begun reading (``SQLITE_BUSY_SNAPSHOT`` for one that then writes without its turn).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.config import get_settings
from doorstep.services import accounts
from doorstep.storage.session import has_written, make_engine, unit_of_work
from tests.factories.db import run_import
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    area_rows,
    household,
    visitor,
    write_csv,
)
from tests.factories.visits import first_planned, plan_three

#: How long the other writer keeps its lock once the entry point has asked for it
#: (seconds): the entry point is by then waiting in SQLite's busy handler (its statement
#: began; the lock is asked for in C, microseconds later). Whatever the machine's load, a
#: shorter wait proves no less: a read then a write without the lock is refused whether the
#: other commits before the write (``SQLITE_BUSY_SNAPSHOT``) or after it (a busy error).
HOLD = 0.05
#: The longest it waits for the entry point to ask for the lock before it commits anyway
#: (an entry point that never asks fails the test: see :func:`writer_busy`). The block's
#: end stops the wait at once, so this bounds only an entry point stuck waiting unseen; it
#: is long, as a loaded machine (CI's two workers) may take seconds to reach the first
#: write of a request that computes first (a pairing proposal).
LONGEST_WAIT = 60.0
#: The table, of the test's own, the other writer writes to.
MARKS = "busy_writer_marks"

#: What a refused entry point says (the command line's and a request's words alike).
REFUSED = "nothing was written, run it again"


def copy_database(template: Path, path: Path) -> Path:
    """A copy of ``template`` at ``path``, with the other writer's table."""
    shutil.copy(template, path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKS} (id INTEGER PRIMARY KEY, at REAL)")
    return path


#: A statement that asks for the writer's lock: a ``BEGIN IMMEDIATE``, or a write (but to a
#: temporary table, named by :data:`_TEMPORARY`), its table named.
_ASKS = re.compile(
    r"^\s*(?:BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)\b"
    r"|(?:INSERT|REPLACE)\b(?:\s+OR\s+\w+)?\s+INTO\s+(?P<into>[\w.\"]+)"
    r"|UPDATE\b(?:\s+OR\s+\w+)?\s+(?P<update>[\w.\"]+)"
    r"|DELETE\s+FROM\s+(?P<delete>[\w.\"]+)"
    r"|DROP\s+\w+\s+(?:IF\s+EXISTS\s+)?(?P<drop>[\w.\"]+)"
    r"|(?:CREATE|ALTER)\b)",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(
    r"^\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.\"]+)",
    re.IGNORECASE,
)


def _asks_for_the_lock(statement: str, temporary: set[str]) -> bool:
    """Whether ``statement`` (run on a connection whose temporary tables are named in
    ``temporary``, which it adds to) asks for SQLite's writer's lock."""
    made = _TEMPORARY.match(statement)
    if made:
        temporary.add(made["name"].strip('"').lower())
        return False
    asks = _ASKS.match(statement)
    if asks is None:
        return False
    table = next((t for t in asks.group("into", "update", "delete", "drop") if t), None)
    if table is None:
        return True
    name = table.strip('"').lower()
    return not (name.startswith("temp.") or name in temporary)


#: Tables an entry point reads before its unit of work: a command the schema's revision,
#: a request the calling account (the other writer waits for a read of another table).
BEFORE_A_COMMAND = ("alembic_version",)
BEFORE_A_REQUEST = ("alembic_version", "accounts", "api_tokens")
_A_TABLE = re.compile(r"\b(FROM|JOIN|INTO|UPDATE)\s", re.IGNORECASE)


class Seen:
    """What the other writer saw of an entry point: whether it read the programme (a table
    not ``before`` its unit) before it asked for the writer's lock (:func:`writer_busy`),
    or before it held it (:func:`written_while_reading`)."""

    def __init__(self, before: tuple[str, ...]) -> None:
        self.read_first = False
        self._before = re.compile(rf"\b({'|'.join(before)})\b")

    def reads_the_programme(self, statement: str) -> bool:
        return bool(_A_TABLE.search(statement)) and not self._before.search(statement)


@contextmanager
def writer_busy(
    path: Path, *, before: tuple[str, ...], hold: float = HOLD, asks: bool = True
) -> Iterator[Seen]:
    """Run the block while another connection to ``path`` holds SQLite's writer's lock and
    writes; it commits ``hold`` seconds after a connection of the block (of any engine in
    this process) asks for the lock, or when the block ends. Checks that the other writer
    committed, and (``asks``) that the block asked for the lock while the other held it,
    and so waited its turn. Yields whether it read the programme (a table not ``before``
    its unit, as :func:`written_while_reading` sees it) before it asked.

    A connection's statements are seen as SQLite runs them (its trace callback, set while a
    pool lends it out), which sees the ``BEGIN IMMEDIATE`` of ``take_turn``, run on the
    driver, too."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute(f"INSERT INTO {MARKS} (at) VALUES (?)", (time.time(),))
    seen = Seen(before)
    asked = threading.Event()
    go = threading.Event()  # asked, or the block ended
    committed = threading.Event()
    failed: list[BaseException] = []
    temporary: dict[int, set[str]] = {}

    def watch(conn: sqlite3.Connection, statement: str | None) -> None:
        if statement is None or committed.is_set() or go.is_set():
            return
        if _asks_for_the_lock(statement, temporary.setdefault(id(conn), set())):
            asked.set()
            go.set()

    def read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not asked.is_set() and seen.reads_the_programme(statement):
            seen.read_first = True

    def lent(conn: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(conn, sqlite3.Connection):
            conn.set_trace_callback(lambda statement: watch(conn, statement))

    def returned(conn: Any, _record: Any) -> None:
        if isinstance(conn, sqlite3.Connection):
            conn.set_trace_callback(None)

    def release() -> None:
        try:
            go.wait(LONGEST_WAIT)
            if asked.is_set():
                time.sleep(hold)
            other.execute("COMMIT")
            committed.set()
        except BaseException as exc:  # the test says so below
            failed.append(exc)

    event.listen(Pool, "checkout", lent)
    event.listen(Pool, "checkin", returned)
    event.listen(Engine, "after_cursor_execute", read)
    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        event.remove(Pool, "checkout", lent)
        event.remove(Pool, "checkin", returned)
        event.remove(Engine, "after_cursor_execute", read)
        go.set()
        thread.join(LONGEST_WAIT + hold + 5)
        other.close()
    assert not failed, failed
    assert asked.is_set() or not asks, "the entry point did not ask for the writer's lock"
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"SELECT count(*) FROM {MARKS}").fetchone() == (1,)


ACTIVITY = ("--kind", "trip", "--title", "A trip", "--area", "R-C-V1", "--starts", "2026-10-01")
PROJECT = ("--title", "A well", "--sponsor", "S1", "--area", "R-C-V1", "--starts", "2026-10-01")


class Programme(NamedTuple):
    """A database file, a token of each of its accounts by name, and H0's first planned
    day (the day a visit is recorded on)."""

    path: Path
    tokens: dict[str, str]
    first: dt.date


def busy_programme(template: Path, folder: Path) -> Programme:
    """A planned programme in ``folder`` (see :func:`build_programme`), in a SQLite file.
    Checkpointed: a copy of the file alone has it all."""
    path = copy_database(template, folder / "programme.db")
    tokens, first = build_programme(f"sqlite:///{path}", folder)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Programme(path, tokens, first)


#: The day referral 1 is made (see :func:`build_programme`).
MADE_ON = "2026-12-01"


def build_programme(url: str, folder: Path) -> tuple[dict[str, str], dt.date]:
    """A planned programme in the empty, migrated database at ``url`` (``plan_three``:
    H0-H2 with V1, V2 with nobody) with what the entry points act on: proposal 2 of area R,
    H1 and V2 kept apart, the activity CLASS, the project WELL, referral 1 (of H2), the
    organisations JOBS and S1, and the accounts ``boss`` (a manager), ``coord`` (R-C's
    coordinator) and ``v1`` (V1's). Returns a token of each account by name, and H0's
    first planned day; ``folder`` takes the files it imports."""
    engine = make_engine(url)
    run_import(engine, "areas", write_csv(folder / "areas.csv", AREA_HEADER, area_rows()))
    plan_three(engine, folder)
    tokens: dict[str, str] = {}
    for name, role, scope in (
        ("boss", "manager", {}),
        ("coord", "coordinator", {"area": "R-C"}),
        ("v1", "visitor", {"visitor": "V1"}),
    ):
        with unit_of_work(engine) as s:
            accounts.add_account(s, name, role, actor="test", **scope)
            tokens[name] = accounts.issue_token(s, name, actor="test").secret
    first = first_planned(engine, "H0")[0]
    engine.dispose()
    orgs = [["JOBS", "Jobs office"], ["S1", "A sponsor"]]
    orgs_file = write_csv(folder / "orgs.csv", ["code", "name"], orgs)
    for args in (
        ("import", "organisations", str(orgs_file)),
        ("pair", "exclude", "H1", "V2", "--reason", "neighbours"),
        ("pair", "--area", "R", "--quiet"),
        ("activity", "add", "CLASS", *ACTIVITY),
        ("project", "add", "WELL", *PROJECT),
        # Made on a day past now and before the apps' TODAY, whenever the tests run: a
        # status the API gives it on TODAY is never before the day it was made.
        ("referral", "add", "H2", "--to", "JOBS", "--service", "health", "--on", MADE_ON),
    ):
        doorstep(url, *args)
    return tokens, first


def programme_at(
    db_url: str, folder: Path, request: pytest.FixtureRequest
) -> tuple[str, dict[str, str], dt.date]:
    """The busy-writer tests' programme in a database of ``db_url``'s kind: built into it
    on SQLite (``folder`` takes its files), on PostgreSQL a copy of the one built once
    (``busy_postgres``: 0.1 s, where building it took about 2 s). Its URL, a token of each
    account by name, and H0's first planned day."""
    if not db_url.startswith("postgresql"):
        return (db_url, *build_programme(db_url, folder))
    programme = request.getfixturevalue("busy_postgres")
    return programme.url, programme.tokens, programme.first


def import_files(first: str) -> dict[str, tuple[list[str], list[Any]]]:
    """A file (header, rows) of each kind `doorstep import` takes, of one or two rows, on
    :func:`busy_programme`'s programme; ``first``: H0's first planned day. Imports of what
    pairing and planning read take the pairing lock; some fill temporary tables to read by
    (visits, the calendars, referrals); leave and blackouts fall on V1's and H0's planned
    weeks."""
    return {
        "areas": (
            AREA_HEADER,
            [
                ["R-C-V3", "Village three", "R-C", "village"],
                ["R-C-V4", "Village four", "R-C", "village"],
            ],
        ),
        "organisations": (["code", "name"], [["NGO", "An NGO"], ["NGO2", "Another NGO"]]),
        "teams": (
            ["code", "name", "area_code", "organisation_code", "starts_on", "ends_on"],
            [
                ["T1", "Team one", "R-C", "JOBS", "2027-01-01", ""],
                ["T2", "Team two", "R-C-V1", "", "2027-01-01", "2027-06-30"],
            ],
        ),
        "visitors": (
            VISITOR_HEADER,
            [visitor(visitor_id="V3"), visitor(visitor_id="V4", languages="zh;hmn")],
        ),
        "households": (
            HOUSEHOLD_HEADER,
            [household(household_id="H9"), household(household_id="H8", members=2)],
        ),
        "indicators": (
            ["household_id", "year", "annual_income", "members_in_work", "services_enrolled"],
            [["H0", "2026", "12000", "1", "0"], ["H1", "2026", "", "", ""]],
        ),
        "leave": (
            ["visitor_id", "starts_on", "ends_on"],
            [["V1", first, first], ["V2", first, first]],
        ),
        "blackouts": (
            ["household_id", "starts_on", "ends_on", "reason"],
            [["H0", first, first, "away"]],
        ),
        "visits": (
            ["visit_id", "household_id", "visitor_id", "start", "end", "note"],
            [["phone-1", "H0", "V1", first, first, ""]],
        ),
        "exclusions": (
            ["household_id", "visitor_id", "reason"],
            [["H2", "V2", "kin"], ["H0", "V2", ""]],
        ),
        "activities": (
            ["code", "kind", "title", "area_code", "organisation_code", "starts_on", "ends_on"],
            [
                ["CAMP", "summer_camp", "Camp", "R-C-V1", "", "2027-02-01", "2027-02-03"],
                ["TRIP", "trip", "Trip", "R-C", "JOBS", "2027-02-10", "2027-02-10"],
            ],
        ),
        "attendance": (["activity_code", "household_id", "visitor_id"], [["CLASS", "H0", ""]]),
        "projects": (
            ["code", "title", "sponsor_code", "area_code", "starts_on", "ends_on", "status"],
            [
                ["PUMP", "Pump", "S1", "R-C-V1", "2027-01-05", "", ""],
                ["PIPE", "Pipe", "S1", "R-C", "2027-01-05", "2027-12-31", "running"],
            ],
        ),
        "project_households": (["project_code", "household_id"], [["WELL", "H0"], ["WELL", "H1"]]),
        "referrals": (
            [
                *("referral", "household_id", "organisation_code", "service", "made_on"),
                *("visitor_id", "status", "status_on"),
            ],
            [
                ["", "H0", "JOBS", "employment", "2027-02-01", "V1", "", ""],
                ["", "H1", "JOBS", "benefits", "2027-02-01", "", "", ""],
            ],
        ),
    }


def doorstep(url: str, *args: str) -> str:
    """Run ``doorstep ARGS`` in-process on the database at ``url``; its output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOORSTEP_DATABASE_URL", url)
        get_settings.cache_clear()
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        get_settings.cache_clear()
    assert result.exit_code == 0, (args, result.output)
    return result.output


@contextmanager
def written_while_reading(
    path: Path, *, before: tuple[str, ...], reads: bool = True
) -> Iterator[Seen]:
    """Run the block; once it has read a table not ``before`` its unit (its snapshot begun),
    another connection writes a row and commits, in that statement's thread, before the
    block goes on: a unit that then writes without waiting its turn is refused
    (``SQLITE_BUSY_SNAPSHOT``). Nothing is written if the block holds the writer's lock
    by then (it took it before it read: nothing it read can be stale). Yields whether the
    other wrote; checks (``reads``) that the block read the programme."""
    other = sqlite3.connect(path, isolation_level=None, timeout=1, check_same_thread=False)
    seen = Seen(before)
    outcome: list[str] = []

    def after(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if outcome or not seen.reads_the_programme(statement):
            return
        if has_written(conn):
            outcome.append("the block holds the lock")
            return
        other.execute(f"INSERT INTO {MARKS} (at) VALUES (?)", (time.time(),))
        outcome.append("written")
        seen.read_first = True

    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(Engine, "after_cursor_execute", after)
        other.close()
    assert outcome or not reads, "the entry point read nothing of the programme's"


def audit_events(path: Path) -> int:
    """How many audit events the SQLite file ``path`` holds."""
    with sqlite3.connect(path) as conn:
        (n,) = conn.execute("SELECT count(*) FROM audit_events").fetchone()
    return int(n)


#: The ways another writer meets an entry point: :func:`writer_busy`, or
#: :func:`written_while_reading`. An entry point meets the second only where it met the
#: first having read the programme before it asked for the lock: had it asked first, the
#: other's write would wait for it, and the entry point would run as it runs alone.
LOCK_HELD = "lock held"
WRITTEN_WHILE_READING = "written while reading"


def other_writer(
    other: str, path: Path, *, before: tuple[str, ...], writes: bool, reads: bool
) -> AbstractContextManager[Seen]:
    """The ``other`` writer (:data:`LOCK_HELD`, :data:`WRITTEN_WHILE_READING`) on ``path``;
    ``before``: the tables the entry point reads before its unit; ``writes``: whether it
    writes (and so asks for the writer's lock); ``reads``: whether it reads any of the
    programme's tables."""
    if other == LOCK_HELD:
        return writer_busy(path, before=before, asks=writes)
    return written_while_reading(path, before=before, reads=reads)


def in_turn(run: Callable[[str], Seen]) -> None:
    """Run an entry point (``run(other)``, on a copy of its own) while the other writer holds
    the lock; and, where it read the programme before it asked for the lock, again with the
    other's write committed once it has begun reading, which must then come between its
    read and its lock (see :data:`LOCK_HELD`)."""
    if run(LOCK_HELD).read_first:
        again = run(WRITTEN_WHILE_READING)
        assert again.read_first, "the other's write met the entry point holding the lock"


@contextmanager
def serving(app: FastAPI, template: Path, folder: Path) -> Iterator[Path]:
    """Have ``app`` (of the module's tests, made once) serve a copy of the programme
    ``template`` in ``folder`` (:func:`copy_database`) for the block; the copy's path.

    FastAPI builds a route's dependencies at the route's first request to each app: made
    anew for each case, an app spent most of the case on it."""
    path = copy_database(template, folder / "doorstep.db")
    app.state.engine = make_engine(f"sqlite:///{path}")
    try:
        yield path
    finally:
        app.state.engine.dispose()


def asked_in_turn(
    other: str, path: Path, ask: Callable[[], httpx.Response], *, writes: bool
) -> Seen:
    """Send a request (``ask``) while the ``other`` writer (:func:`other_writer`) is busy on
    ``path``, and check that it was answered, not refused (after asking for the lock while
    the other held it, where it writes); and that it recorded what it did or read in the
    trail where it writes (and nothing where it does not)."""
    events = audit_events(path)
    busy = other_writer(other, path, before=BEFORE_A_REQUEST, writes=writes, reads=writes)
    with busy as seen:
        answer = ask()
    assert REFUSED not in answer.text, answer.text
    assert answer.status_code < 400, answer.text
    assert (audit_events(path) == events) == (not writes)
    return seen
