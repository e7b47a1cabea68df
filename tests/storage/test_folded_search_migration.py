"""Migration 0024 gives households and visitors their folded id, name and address, with a
B-tree index on the id and a trigram index on the texts: the rows already stored get them
by the rule the writers use, and a downgrade takes everything away again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from doorstep.storage.repositories import finding
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.storage.new_table import HEAD
from tests.storage.test_api_accounts_migration import _tables

BEFORE = "0023"
FOLDED = {"folded_id", "folded_name", "folded_address"}


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _search_objects(engine: Engine) -> set[str]:
    """The trigram tables and triggers (SQLite) or indexes (PostgreSQL) of the search."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'households_fts%' "
                    "OR name LIKE '%_search_text' "
                    "OR name LIKE 'visitors_fts%'"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_folded_trgm' "
                    "OR indexname LIKE '%_folded_short'"
                )
            )
        return set(rows.scalars())


def test_the_columns_match_the_model_and_come_and_go_with_their_indexes(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = {"households", "visitors"}
    # The trigram index and the index of short texts (0026) are no model's: PostgreSQL GIN
    # indexes, FTS5 tables and views on SQLite.
    unmodelled = ("folded_trgm", "folded_short")
    assert [
        d
        for d in diff
        if ours & {getattr(x, "name", None) for x in _tables(d)}
        and not any(name in str(d) for name in unmodelled)
    ] == []
    assert _columns(engine, "households") >= FOLDED
    assert {"folded_id", "folded_name"} <= _columns(engine, "visitors")
    made = _search_objects(engine)
    assert made  # the FTS tables and their triggers, or the GIN indexes
    try:
        command.downgrade(alembic_config(engine), BEFORE)
        assert not FOLDED & _columns(engine, "households")
        assert not FOLDED & _columns(engine, "visitors")
        assert _search_objects(engine) == set()
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    assert current_revision(engine) == HEAD
    assert _search_objects(engine) == made


def test_the_upgrade_folds_the_rows_already_stored_and_indexes_them(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [
        household(household_id="Ĥ1", head_name="ÉLODIE Brûlé", address="Straße 5"),
        household(household_id="H2", head_name="王小红", address="凯里3社区12号"),
    ]
    people = [visitor(visitor_id="V1", name="ΣΩΚΡΆΤΗΣ")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, people))
    try:
        command.downgrade(alembic_config(with_areas), BEFORE)
        upgrade(with_areas)
        with with_areas.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT folded_id, folded_name, folded_address FROM households "
                    "ORDER BY external_id"
                )
            ).all()
            # As a set: ORDER BY an id follows the database's collation (ICU's puts Ĥ by H).
            assert {tuple(r) for r in stored} == {
                ("h2", "王小红", "凯里3社区12号"),
                ("ĥ1", "élodie brûlé", "strasse 5"),
            }
            today = dt.date(2026, 3, 1)
            found = finding.households(conn, "élodie", limit=5, today=today)
            assert [r["household"] for r in found] == ["Ĥ1"]
            found = finding.households(conn, "社区12", limit=5, today=today)
            assert [r["household"] for r in found] == ["H2"]
            assert [r["visitor"] for r in finding.visitors(conn, "σωκράτης", limit=5)] == ["V1"]
    finally:
        upgrade(with_areas)
