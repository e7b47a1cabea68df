"""Another writer busy on a real SQLite file while an entry point runs (a command, a request).

The other connection takes the writer's lock (``BEGIN IMMEDIATE``), writes a row, and
commits :data:`HOLD` seconds after the entry point's first transaction began: an entry
point that reads and then writes without waiting its turn is refused whichever it meets
first, the lock still held (a busy error returned at once) or the write committed after
its reads began (``SQLITE_BUSY_SNAPSHOT``), with "nothing was written, run it again".
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

#: How long the other writer holds its lock once the entry point has begun (seconds).
HOLD = 0.4
#: The longest it waits for the entry point to begin before it commits anyway.
LONGEST_WAIT = 5.0
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


@contextmanager
def writer_busy(path: Path, *, hold: float = HOLD) -> Iterator[None]:
    """Run the block while another connection to ``path`` holds SQLite's writer's lock and
    writes; it commits ``hold`` seconds after the first transaction the block begins (a
    unit of work of any engine in this process). Checks that the other writer committed."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute(f"INSERT INTO {MARKS} (at) VALUES (?)", (time.time(),))
    begun = threading.Event()
    failed: list[BaseException] = []

    def on_begin(_conn: Any) -> None:
        begun.set()

    def release() -> None:
        try:
            begun.wait(LONGEST_WAIT)
            time.sleep(hold)
            other.execute("COMMIT")
        except BaseException as exc:  # the test says so below
            failed.append(exc)

    event.listen(Engine, "begin", on_begin)
    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        event.remove(Engine, "begin", on_begin)
        thread.join(LONGEST_WAIT + hold + 5)
        other.close()
    assert not failed, failed
    assert begun.is_set(), "the entry point began no transaction"
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"SELECT count(*) FROM {MARKS}").fetchone() == (1,)
