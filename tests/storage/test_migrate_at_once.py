"""Every command brings a new database's schema up to date on start. Commands started
together: one migrates, the others wait and find the work done (before, all but one failed
with "table areas already exists" or a duplicate key in PostgreSQL's catalogue). One
interrupted: nothing of it is left, and the next start migrates (before, on SQLite, each
CREATE TABLE had committed alone, and every later start failed)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from doorstep.storage.migrate import current_revision, head_revision, upgrade
from doorstep.storage.session import make_engine


def test_three_upgrades_at_once_all_succeed(new_database: str) -> None:
    engines = [make_engine(new_database) for _ in range(3)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def migrate(i: int) -> None:
        try:
            start.wait()
            upgrade(engines[i])
        except BaseException as exc:  # the outcome under test
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert current_revision(engines[0]) == head_revision(engines[0])
    for e in engines:
        e.dispose()


def test_an_interrupted_migration_leaves_nothing_and_the_next_one_succeeds(
    new_database: str,
) -> None:
    engine = make_engine(new_database)
    statements = 0

    def stop_half_way(*_: object) -> None:
        nonlocal statements
        statements += 1
        if statements == 40:  # well into the first migration's CREATE TABLEs
            raise KeyboardInterrupt

    event.listen(engine, "before_cursor_execute", stop_half_way)
    with pytest.raises(KeyboardInterrupt):
        upgrade(engine)
    engine.dispose()
    again = make_engine(new_database)
    assert current_revision(again) is None
    upgrade(again)
    assert current_revision(again) == head_revision(again)
    again.dispose()


def test_the_sqlite_migration_lock_leaves_no_file_and_still_lets_one_in_at_a_time(
    tmp_path: Path,
) -> None:
    # The lock file is removed by whoever holds it: a process waiting on the removed file
    # must take the lock again on the new one, never hold it alongside that file's holder.
    from doorstep.storage.migrate import _one_at_a_time

    database = tmp_path / "new.db"
    engines = [make_engine(f"sqlite:///{database}") for _ in range(4)]
    inside: list[int] = []
    most = 0
    guard = threading.Lock()

    def hold(i: int) -> None:
        nonlocal most
        for _ in range(25):
            with _one_at_a_time(engines[i]):
                with guard:
                    inside.append(i)
                    most = max(most, len(inside))
                threading.Event().wait(0.001)
                with guard:
                    inside.remove(i)

    threads = [threading.Thread(target=hold, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert most == 1
    upgrade(engines[0])
    assert not (tmp_path / "new.db-migrate-lock").exists()
    for e in engines:
        e.dispose()
