"""A unit of work on SQLite is one transaction from its first statement: its reads are of one
snapshot, and a write after them is refused if another committed meanwhile (two real
connections on a real file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from doorstep.errors import Conflict
from doorstep.storage.session import (
    make_engine,
    refused_write,
    take_turn,
    temporary_writes,
    unit_of_work,
)


def _table(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE seats (id INTEGER PRIMARY KEY, taken INTEGER)"))
        conn.execute(text("INSERT INTO seats VALUES (1, 0)"))
    return engine


def _take_seat(engine: Engine) -> None:
    with unit_of_work(engine) as other:
        other.execute(text("UPDATE seats SET taken = taken + 1 WHERE id = 1"))


def test_a_unit_reads_one_snapshot_whatever_another_commits_meanwhile(tmp_path: Path) -> None:
    engine = _table(tmp_path / "snap.db")
    with unit_of_work(engine) as session:
        first = session.execute(text("SELECT taken FROM seats")).scalar_one()
        _take_seat(engine)
        again = session.execute(text("SELECT taken FROM seats")).scalar_one()
    assert (first, again) == (0, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT taken FROM seats")).scalar_one() == 1


def _check_then_take(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        taken = session.execute(text("SELECT taken FROM seats")).scalar_one()
        assert taken == 0  # a free seat: this unit takes it
        _take_seat(engine)  # ... but another took it meanwhile
        session.execute(text("UPDATE seats SET taken = :n WHERE id = 1"), {"n": taken + 1})


def test_a_check_then_write_interleaved_with_a_commit_is_refused_not_written_over(
    tmp_path: Path,
) -> None:
    engine = _table(tmp_path / "check.db")
    with pytest.raises(OperationalError, match="locked") as raised:
        _check_then_take(engine)
    refused = refused_write(raised.value, by="command")
    assert refused is not None
    assert refused.message == (
        "another command wrote to the database while this command was reading; nothing "
        "was written, run it again"
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT taken FROM seats")).scalar_one() == 1


def _read_then_write(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.execute(text("SELECT taken FROM seats")).scalar_one()
        session.execute(text("UPDATE seats SET taken = 1"))


def test_a_first_write_while_another_writes_is_told_as_a_race_not_a_busy_writer(
    tmp_path: Path,
) -> None:
    # SQLite refuses it at once, without waiting for the writer: after 0 s, "did not
    # finish within 10 seconds" would be untrue.
    engine = _table(tmp_path / "busy.db")
    with engine.connect() as holder:
        holder.execute(text("UPDATE seats SET taken = 5"))  # holds the writer's lock
        with pytest.raises(OperationalError, match="locked") as raised:
            _read_then_write(engine)
        holder.rollback()
    refused = refused_write(raised.value, by="request")
    assert refused is not None
    assert "while this request was reading" in refused.message


def test_a_unit_that_takes_its_turn_writes_after_another_committed(tmp_path: Path) -> None:
    # A record of what it read: its snapshot is given up for the writer's lock.
    engine = _table(tmp_path / "turn.db")
    with unit_of_work(engine) as session:
        session.execute(text("SELECT taken FROM seats")).scalar_one()
        _take_seat(engine)
        take_turn(session.connection())
        assert session.execute(text("SELECT taken FROM seats")).scalar_one() == 1
        session.execute(text("UPDATE seats SET taken = taken + 1"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT taken FROM seats")).scalar_one() == 2


def test_a_unit_that_filled_a_temporary_table_to_read_by_still_takes_its_turn(
    tmp_path: Path,
) -> None:
    # The driver counts a temporary table's rows as changes: they are no write of the unit's.
    engine = _table(tmp_path / "temp.db")
    with unit_of_work(engine) as session:
        conn = session.connection()
        conn.execute(text("CREATE TEMP TABLE ids (id INTEGER)"))
        with temporary_writes(conn):
            conn.execute(text("INSERT INTO ids VALUES (1)"))
        session.execute(text("SELECT taken FROM seats JOIN ids USING (id)")).scalar_one()
        _take_seat(engine)
        take_turn(conn)
        session.execute(text("UPDATE seats SET taken = taken + 1"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT taken FROM seats")).scalar_one() == 2


def test_a_unit_that_has_written_keeps_its_transaction_when_it_takes_its_turn(
    tmp_path: Path,
) -> None:
    engine = _table(tmp_path / "kept.db")
    with unit_of_work(engine) as session:
        session.execute(text("UPDATE seats SET taken = 7"))
        take_turn(session.connection())  # no commit of the write above
        session.rollback()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT taken FROM seats")).scalar_one() == 0


def test_a_writer_unit_holds_the_writers_lock_from_its_start(tmp_path: Path) -> None:
    engine = _table(tmp_path / "writer.db")
    with unit_of_work(engine, writer=True) as session:
        session.execute(text("SELECT 1")).scalar_one()
        other = make_engine(f"sqlite:///{tmp_path / 'writer.db'}")
        with other.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=100")
            with pytest.raises(OperationalError, match="locked") as raised:
                conn.execute(text("UPDATE seats SET taken = 3"))
        other.dispose()
    told = refused_write(raised.value, by="command")
    assert isinstance(told, Conflict)
    assert "did not finish within 10 seconds" in told.message  # it waited: busy, truly


def _seat_again(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.execute(text("INSERT INTO seats VALUES (1, 0)"))


def _turn_while_held(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.connection().exec_driver_sql("PRAGMA busy_timeout=50")
        take_turn(session.connection())


def test_each_refusal_of_a_write_keeps_its_english_and_is_said_in_a_page_s_language(
    tmp_path: Path,
) -> None:
    """A page shows these in its language (a request's words); the command line and the API
    write the English they always wrote."""
    from sqlalchemy.exc import IntegrityError

    from doorstep.web.i18n import said_in

    engine = _table(tmp_path / "said.db")
    with pytest.raises(OperationalError, match="locked") as raced:
        _check_then_take(engine)
    with pytest.raises(IntegrityError) as clashed:
        _seat_again(engine)
    with engine.connect() as holder:
        holder.execute(text("UPDATE seats SET taken = 5"))
        with pytest.raises(Conflict) as busy:
            _turn_while_held(engine)
        holder.rollback()
    race = refused_write(raced.value, by="request")
    clash = refused_write(clashed.value, by="request")
    clash_cli = refused_write(clashed.value, by="command")
    assert race is not None and clash is not None and clash_cli is not None
    assert race.says is not None and clash.says is not None and busy.value.says is not None
    assert race.message == (
        "another request wrote to the database while this request was reading; nothing "
        "was written, run it again"
    )
    assert clash_cli.message == (
        "the database refused a write (UNIQUE constraint failed: seats.id): a record this "
        "command read was changed by another command meanwhile; nothing was written, run "
        "it again"
    )
    assert busy.value.message == (
        "another command is writing to the database and did not finish within 0.05 seconds; "
        "try again when it has"  # the wait it was given (the default's is 10 s)
    )
    shown = {
        "race": said_in("zh-Hans", race.says),
        "clash": said_in("zh-Hans", clash.says),
        "busy": said_in("zh-Hans", busy.value.says),
    }
    assert shown == {
        "race": "本次请求读取数据期间，另一个请求写入了数据库；未写入任何数据，请重试",
        "clash": "数据库拒绝了写入（UNIQUE constraint failed: seats.id）：本次请求读取的一条"
        "记录在此期间被另一个请求更改；未写入任何数据，请重试",
        "busy": "另一个命令正在写入数据库，0.05 秒内未完成；请待其完成后重试",
    }
