"""A write the database refuses, or SQLite's one writer busy past the timeout, is one line
naming what to do, not a traceback: whether SQLAlchemy raised it or the driver did (bulk
copies call the driver directly)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from doorstep.cli import context
from doorstep.cli.main import app
from doorstep.config import get_settings
from doorstep.errors import Conflict
from doorstep.storage.repositories import bulk
from doorstep.storage.session import writer_busy


@pytest.fixture
def configured(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


ORPHAN = pl.DataFrame(
    {"household_id": [999_999], "visitor_id": [999_999], "status": ["planned"]},
    schema={"household_id": pl.Int64, "visitor_id": pl.Int64, "status": pl.String},
)


def test_a_refused_write_through_sqlalchemy_is_one_line(configured: Engine) -> None:
    refused = pytest.raises(Conflict, match="changed by another command meanwhile; nothing")
    with refused, context.session() as s:
        s.execute(
            text(
                "INSERT INTO visits (household_id, visitor_id, status, planned_start) "
                "VALUES (999999, 999999, 'planned', :d)"
            ),
            {"d": dt.date(2027, 1, 4)},
        )
    with configured.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one() == 0


def test_a_refused_bulk_copy_through_the_driver_is_one_line(configured: Engine) -> None:
    # A household erased while its area was paired: the proposal's rows name it.
    refused = pytest.raises(Conflict, match=r"(?i)the database refused a write \(.*foreign key")
    with refused, context.session() as s:
        bulk.insert_rows(s.connection(), "visits", ORPHAN)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_reader_behind_a_long_writer_is_told_to_try_again(
    configured: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every command writes an audit row, so on SQLite a reader waits for a writer too; past
    # the busy timeout it is told so, not that the database cannot be used. The timeout is
    # the setting's: a fifth of a second here, where the default's 10 s were waited out.
    monkeypatch.setenv("DOORSTEP_SQLITE_BUSY_TIMEOUT_MS", "200")
    get_settings.cache_clear()
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    began = time.monotonic()
    try:
        # Told the wait it was given, not the default's.
        with pytest.raises(Conflict, match=writer_busy(200).english()), context.session() as s:
            s.execute(text("UPDATE areas SET id = id WHERE 0"))  # a write
    finally:
        holder.rollback()
        holder.close()
    assert 0.2 <= time.monotonic() - began < 5  # it waited, for as long as it was set to


def _writer_for_a_moment(db_url: str) -> tuple[sqlite3.Connection, threading.Timer]:
    """Another connection that holds SQLite's writer's lock, having written, and commits
    half a second later (a server recording a visit, say)."""
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE areas SET id = id WHERE 0")
    done = threading.Timer(0.5, holder.commit)
    done.start()
    return holder, done


def _read_then_write() -> None:
    with context.session(writer=True) as s:
        s.execute(text("SELECT COUNT(*) FROM areas")).scalar_one()
        s.execute(text("UPDATE areas SET id = id WHERE 0"))


def _read_then_write_unlocked() -> None:
    with context.session() as s:
        s.execute(text("SELECT COUNT(*) FROM areas")).scalar_one()
        s.execute(text("UPDATE areas SET id = id WHERE 0"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_short_writing_command_waits_its_turn_behind_another_writer(
    configured: Engine, db_url: str
) -> None:
    # A command that records (a visit, a consent act) takes the writer's lock at its start
    # and waits for it; one that does not, having read, is refused at once ("run it again").
    holder, done = _writer_for_a_moment(db_url)
    try:
        _read_then_write()
    finally:
        done.join()
        holder.close()
    holder, done = _writer_for_a_moment(db_url)
    try:
        with pytest.raises(Conflict, match="while this command was reading"):
            _read_then_write_unlocked()
    finally:
        done.join()
        holder.close()


def test_an_interrupted_command_says_so_and_keeps_nothing(
    configured: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `doorstep stats` imports the service when it runs (doorstep --help must not wait for it).
    from doorstep.services import registry

    def interrupted(session: object, **_: object) -> object:
        from doorstep.privacy.audit import record_event

        record_event(session, actor="x", action="read", entity="programme")  # type: ignore[arg-type]
        raise KeyboardInterrupt  # Ctrl-C half way

    monkeypatch.setattr(registry, "programme_summary", interrupted)
    result = CliRunner().invoke(app, ["stats"])
    assert result.exit_code == 130
    assert "interrupted: the database is as it was before this command" in result.output
    with configured.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one() == 0
