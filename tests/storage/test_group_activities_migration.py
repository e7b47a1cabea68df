"""Migration 0013 gives activities, attendance, projects and their households the shape of
their import files, and back; it refuses to drop a table that holds rows, either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from doorstep.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

OLD = {"activities", "activity_attendance", "projects", "project_beneficiaries"}


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_the_upgrade_reshapes_the_tables_and_the_downgrade_brings_the_old_ones_back(
    engine: Engine,
) -> None:
    try:
        command.downgrade(alembic_config(engine), "0012")
        tables = set(inspect(engine).get_table_names())
        assert OLD | {"project_milestones"} <= tables
        assert "project_households" not in tables
        assert "people" in _columns(engine, "activity_attendance")
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"project_beneficiaries", "project_milestones"}.isdisjoint(tables)
        assert _columns(engine, "activities") == {
            *("id", "code", "kind", "title", "area_id", "organisation_id", "starts_on"),
            *("ends_on", "created_at", "updated_at"),
        }
        assert _columns(engine, "activity_attendance") == {
            "id",
            "activity_id",
            "household_id",
            "visitor_id",
        }
        assert _columns(engine, "projects") == {
            *("id", "code", "title", "sponsor_id", "area_id", "starts_on", "ends_on"),
            *("status", "created_at", "updated_at"),
        }
        assert _columns(engine, "project_households") == {"id", "project_id", "household_id"}
    finally:
        upgrade(engine)  # the next tests on this database need it at head


def test_neither_direction_drops_a_table_that_holds_rows(with_areas: Engine) -> None:
    engine = with_areas
    add_old = (
        "INSERT INTO activities (kind, title, starts_on) VALUES ('training', 'Class', '2026-05-01')"
    )
    add_new = (
        "INSERT INTO activities (code, kind, title, area_id, starts_on, ends_on) "
        "SELECT 'A1', 'trip', 'Trip', id, '2026-05-01', '2026-05-01' FROM areas WHERE code = 'R'"
    )
    try:
        with engine.begin() as conn:
            conn.execute(text(add_new))
        with pytest.raises(RuntimeError, match="would drop tables that hold rows: activities"):
            command.downgrade(alembic_config(engine), "0012")
        assert current_revision(engine) == head_revision(engine)  # nothing was undone
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM activities"))
        command.downgrade(alembic_config(engine), "0012")
        with engine.begin() as conn:
            conn.execute(text(add_old))
        with pytest.raises(RuntimeError, match="would drop tables that hold rows: activities"):
            upgrade(engine)
        assert current_revision(engine) == "0012"
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM activities"))
    finally:
        upgrade(engine)


def test_an_attendance_row_names_one_person_once_and_goes_with_its_household(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = with_areas
    hh = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H")])
    run_import(engine, "households", hh)
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO activities (code, kind, title, area_id, starts_on, ends_on) "
                "SELECT 'A1', 'trip', 'Trip', id, '2026-05-01', '2026-05-01' FROM areas "
                "WHERE code = 'R'"
            )
        )
    both = (
        "INSERT INTO activity_attendance (activity_id, household_id, visitor_id) "
        "SELECT a.id, h.id, v.id FROM activities a, households h, visitors v"
    )
    household_row = (
        "INSERT INTO activity_attendance (activity_id, household_id) "
        "SELECT a.id, h.id FROM activities a, households h"
    )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(both))
    with engine.begin() as conn:
        conn.execute(text(household_row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(household_row))  # the same household twice
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM households"))  # erased: its attendance goes too
        assert conn.execute(text("SELECT COUNT(*) FROM activity_attendance")).scalar_one() == 0
