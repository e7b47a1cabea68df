"""Two transactions racing on PostgreSQL: a check-then-insert's first run holds its
transaction open, its insert made, while a second run of the same entry point checks;
then the first commits.

At READ COMMITTED the second's check cannot see the first's uncommitted row: unless the
entry point took a lock before its check, the second inserts too and meets the unique key
(an ``IntegrityError``, told as "run it again") or, without one, duplicates the row. With
the lock, it waits for the first, then checks again what committed, and answers as if sent
after it: the duplicate refused, or the idempotent "already done".
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from doorstep.services import activities, projects
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.factories.visits import plan_three

T = TypeVar("T")
U = TypeVar("U")

#: The day the races are run on.
TODAY = dt.date(2027, 3, 1)

#: How long the second is given to start waiting for the first (seconds).
WAIT = 15.0

#: A connection waiting for the one of a process id.
_WAITING = "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) LIMIT 1"


@dataclass
class Raced(Generic[T, U]):
    """What each run gave: the first's result, and the second's result or error."""

    first: T
    second: U | None
    error: BaseException | None


def race(
    engine: Engine, url: str, first: Callable[[Session], T], second: Callable[[], U]
) -> Raced[T, U]:
    """Run ``first`` in a unit of work on ``engine`` (PostgreSQL, at ``url``), held open
    once it has written; meanwhile ``second`` (an entry point that opens its own unit: a
    service in :func:`~doorstep.storage.session.unit_of_work`, a request); commit the first
    once the second is seen waiting for it. Checks that it waited: a second that did not
    raced nothing (or wrote past the first's row)."""
    written, go = threading.Event(), threading.Event()
    held: dict[str, object] = {}
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with unit_of_work(engine) as session:
                held["first"] = first(session)
                session.flush()
                pid = session.connection().execute(text("SELECT pg_backend_pid()"))
                held["pid"] = pid.scalar_one()
                written.set()
                go.wait(WAIT * 2)
        except BaseException as exc:  # said by the test below
            failed.append(exc)
        finally:
            written.set()

    def run_second() -> None:
        try:
            held["second"] = second()
        except BaseException as exc:  # the second's answer: the test judges it
            held["error"] = exc

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    written.wait(WAIT * 2)
    assert not failed, failed
    other = threading.Thread(target=run_second, daemon=True)
    other.start()
    waited = False
    with psycopg.connect(url, autocommit=True) as watcher:
        until = time.monotonic() + WAIT
        while other.is_alive() and time.monotonic() < until:
            if watcher.execute(_WAITING, (held["pid"],)).fetchone() is not None:
                waited = True
                break
            time.sleep(0.01)
    go.set()
    holder.join(WAIT)
    other.join(WAIT)
    assert not failed, failed
    assert not other.is_alive(), "the second did not end once the first committed"
    assert waited, "the second did not wait for the first: nothing raced"
    return Raced(held["first"], held.get("second"), held.get("error"))  # type: ignore[arg-type]


def in_unit(engine: Engine, work: Callable[[Session], U]) -> Callable[[], U]:
    """``work`` in a unit of work of its own, as a front door runs a service."""

    def run() -> U:
        with unit_of_work(engine) as session:
            return work(session)

    return run


def count(engine: Engine, query: str, **params: object) -> int:
    """The one number ``query`` counts."""
    with engine.connect() as conn:
        return int(conn.execute(text(query), params).scalar_one())


def race_programme(engine: Engine, folder: Path) -> None:
    """:func:`plan_three` (H0-H2 paired with V1), organisation JOBS, activity CAMP and
    project WELL: what the races race over (built once, with ``prebuilt``)."""
    plan_three(engine, folder)
    orgs = write_csv(folder / "o.csv", ["code", "name", "kind"], [["JOBS", "Jobs", "department"]])
    run_import(engine, "organisations", orgs)
    in_unit(engine, lambda s: activity(s, "CAMP"))()
    in_unit(engine, lambda s: project(s, "WELL"))()


def activity(s: Session, code: str) -> object:
    """Activity ``code``, a day's training in area R, added (as `activity add`)."""
    return activities.add_activity(
        s,
        code,
        kind="training",
        title="Camp",
        area="R",
        starts_on=TODAY,
        ends_on=None,
        organiser=None,
        actor="test",
    )


def project(s: Session, code: str) -> object:
    """Project ``code``, JOBS's in area R, added (as `project add`)."""
    return projects.add_project(
        s,
        code,
        title="Well",
        sponsor="JOBS",
        area="R",
        starts_on=TODAY,
        ends_on=None,
        status="planned",
        actor="test",
        today=TODAY,
    )
