"""Two commands at once: one side runs in a thread with an engine of its own, as a second
``doorstep`` process would, while the test holds the other side's transaction open."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine, text

from doorstep.storage.session import make_engine

#: How long the other side must keep waiting while one holds its transaction open. Well
#: under SQLite's busy timeout (10 s), after which a waiting writer gives up.
HOLD_S = 2.0


class Side(threading.Thread):
    """``job`` run in a thread on an engine of its own; ``outcome`` is "done" or the error."""

    def __init__(self, db_url: str, job: Callable[[Engine], object]) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(db_url)
        with self.engine.connect() as conn:  # connected before the race starts
            conn.execute(text("SELECT 1"))
        self.job = job
        self.outcome: object = None

    def waits(self) -> bool:
        """Start, and say whether it is still waiting after ``HOLD_S`` (for a lock the
        caller holds)."""
        self.start()
        self.join(HOLD_S)
        return self.is_alive()

    def run(self) -> None:
        try:
            self.job(self.engine)
            self.outcome = "done"
        except Exception as exc:  # the outcome under test, whatever it is
            self.outcome = exc
        finally:
            self.engine.dispose()
