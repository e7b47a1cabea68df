"""Migration 0010 counts an update of ``exclusions`` only where it sets the pair."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from doorstep.storage.migrate import alembic_config, upgrade
from doorstep.storage.repositories.pairing import input_writes
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

_EXCLUDE = (
    "INSERT INTO exclusions (visitor_id, household_id, reason) "
    "SELECT v.id, h.id, 'asked' FROM visitors v, households h"
)


def _counted(engine: Engine, sql: str) -> int:
    """How many input writes ``sql`` adds, run in a transaction of its own."""
    with engine.begin() as conn:
        before = input_writes(conn)
    with engine.begin() as conn:
        conn.execute(text(sql))
    with engine.begin() as conn:
        return input_writes(conn) - before


def test_a_reason_alone_is_counted_before_0010_and_not_after(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = with_areas
    hh = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H")])
    run_import(engine, "households", hh)
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    assert _counted(engine, _EXCLUDE) > 0
    reason = "UPDATE exclusions SET reason = 'former employer'"
    pair = "UPDATE exclusions SET household_id = household_id"
    try:
        command.downgrade(alembic_config(engine), "0009")
        assert _counted(engine, reason) > 0  # 0004 counted every update
        upgrade(engine)
        assert _counted(engine, reason) == 0
        assert _counted(engine, pair) > 0  # setting the pair counts, as ever
        assert _counted(engine, "DELETE FROM exclusions") > 0
    finally:
        upgrade(engine)  # the next tests on this database need it at head
