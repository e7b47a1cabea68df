"""Ctrl-C and a unit of work's commit: an interrupt falls before the commit (nothing kept)
or after it (all kept, and said so by :class:`InterruptedAfterCommit`), never half way."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from doorstep.storage.session import InterruptedAfterCommit, after_commit, unit_of_work

ADD = text(
    "INSERT INTO areas (code, name, level, path, depth) VALUES ('Z', 'Zed', 'region', '/Z/', 0)"
)


def _areas(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM areas")).scalar_one())


def _add_an_area(engine: Engine, saved: list[bool], then: Callable[[Session], None]) -> None:
    with unit_of_work(engine, on_commit=lambda: saved.append(True)) as s:
        s.execute(ADD)
        then(s)


def _interrupt() -> None:
    raise KeyboardInterrupt


@pytest.fixture
def ctrl_c_handled() -> Iterator[None]:
    """Python's own Ctrl-C handler, as in a terminal: a process a shell without job control
    starts in the background inherits Ctrl-C ignored, and Python leaves it ignored."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="Python delivers signals to the main thread only",
)
def test_ctrl_c_during_the_commit_waits_for_it_and_says_the_changes_were_saved(
    engine: Engine, ctrl_c_handled: None
) -> None:
    def ctrl_c_as_the_commit_starts(s: Session) -> None:
        event.listen(s, "before_commit", lambda _s: os.kill(os.getpid(), signal.SIGINT))

    handler = signal.getsignal(signal.SIGINT)
    saved: list[bool] = []
    with pytest.raises(InterruptedAfterCommit):
        _add_an_area(engine, saved, ctrl_c_as_the_commit_starts)
    assert _areas(engine) == 1 and saved == [True]
    assert signal.getsignal(signal.SIGINT) is handler  # Ctrl-C is Ctrl-C again


def test_ctrl_c_in_the_work_after_the_commit_says_the_changes_were_saved(
    engine: Engine,
) -> None:
    # As when SQLite's checkpoint after an erasure waits for a reader and the user gives up.
    saved: list[bool] = []
    with pytest.raises(InterruptedAfterCommit):
        _add_an_area(engine, saved, lambda s: after_commit(s, _interrupt))
    assert _areas(engine) == 1 and saved == [True]


def test_ctrl_c_before_the_commit_keeps_nothing(engine: Engine) -> None:
    saved: list[bool] = []
    with pytest.raises(KeyboardInterrupt) as info:
        _add_an_area(engine, saved, lambda _s: _interrupt())
    assert not isinstance(info.value, InterruptedAfterCommit)
    assert _areas(engine) == 0 and saved == []
