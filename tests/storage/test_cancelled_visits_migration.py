"""Migration 0006 adds ``cancelled_visits`` to a database at 0005, and takes it away again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from doorstep.storage.migrate import alembic_config, upgrade
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def test_the_migration_adds_the_table_with_one_row_per_visit_and_drops_it_down(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = with_areas
    try:
        command.downgrade(alembic_config(engine), "0005")
        assert "cancelled_visits" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert "cancelled_visits" in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("cancelled_visits")}
        assert columns == {
            "id",
            "household_id",
            "visitor_id",
            "starts_on",
            "ends_on",
            "cancelled_at",
        }
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    hh = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H")])
    run_import(engine, "households", hh)
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    row = (
        "INSERT INTO cancelled_visits (household_id, visitor_id, starts_on, ends_on) "
        "SELECT h.id, v.id, :a, :z FROM households h, visitors v"
    )
    day = {"a": dt.date(2027, 1, 4), "z": dt.date(2027, 1, 8)}
    with engine.begin() as conn:
        conn.execute(text(row), day)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(row), day)  # the same household, visitor and first day
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM households"))  # erased: its cancelled visits go too
        assert conn.execute(text("SELECT COUNT(*) FROM cancelled_visits")).scalar_one() == 0
