"""Migration 0028 keeps with each consent act the day it was entered, and with a replaced one
the day it was replaced, and takes them away again, keeping every row and the households'
triggers (it adds and drops columns in place: SQLite's copy of the table would have lost
them); rows kept before it hold none, and their undated acts keep the rule they had."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, upgrade
from doorstep.storage.repositories.visit_records import consent_on_day
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.storage.new_table import HEAD
from tests.storage.test_api_accounts_migration import _tables

FIRST = dt.date(2026, 3, 2)
D = dt.date(2026, 4, 6)
ADDED = {"households": {"consent_entered_on"}, "consent_records": {"entered_on", "replaced_on"}}


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _triggers(conn: Connection) -> list[tuple[str, str]]:
    if conn.dialect.name == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    else:
        sql = (
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY tgname"
        )
    return [(str(n), str(s)) for n, s in conn.execute(text(sql)).all()]


def _rows(conn: Connection) -> list[tuple[str, ...]]:
    rows = conn.execute(
        text(
            "SELECT h.external_id, h.consent_state, h.consent_since, r.action, r.recorded_on "
            "FROM households h JOIN consent_records r ON r.household_id = h.id ORDER BY r.id"
        )
    ).all()
    return [tuple(str(v) for v in r) for r in rows]


def _consent(engine: Engine, day: dt.date) -> str | None:
    with engine.connect() as conn:
        hid = conn.execute(text("SELECT id FROM households")).scalar_one()
        return consent_on_day(conn, int(hid), day)


def test_the_days_match_their_model_and_come_and_go_keeping_the_rows_and_triggers(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = with_areas
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The columns as their models say (the indexes of the search, made by SQL of their
    # own, are no model's).
    about = [d for d in diff if set(ADDED) & {getattr(x, "name", None) for x in _tables(d)}]
    assert [d for d in about if not (isinstance(d, tuple) and d[0].endswith("_index"))] == []
    # H1 consented on FIRST; pending, undated, from D.
    for rows, day in (
        ([household(consent_date=str(FIRST))], FIRST),
        ([household(consent="pending", consent_date="")], D),
    ):
        run_import(
            engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows), today=day
        )
    with engine.connect() as conn:
        kept, triggers = _rows(conn), _triggers(conn)
        days = conn.execute(
            text(
                "SELECT h.consent_entered_on, r.entered_on, r.replaced_on FROM households h "
                "JOIN consent_records r ON r.household_id = h.id"
            )
        ).one()
    assert [str(d)[:10] for d in days] == [str(D), str(FIRST), str(D)]
    assert triggers
    before = D - dt.timedelta(days=1)
    assert (_consent(engine, before), _consent(engine, D)) == ("given", "pending")
    try:
        command.downgrade(alembic_config(engine), "0027")
        assert current_revision(engine) == "0027"
        for table, added in ADDED.items():
            assert added & _columns(engine, table) == set()
        with engine.connect() as conn:
            assert (_rows(conn), _triggers(conn)) == (kept, triggers)
        upgrade(engine)
        with engine.connect() as conn:
            assert (_rows(conn), _triggers(conn)) == (kept, triggers)
            assert conn.execute(
                text(
                    "SELECT h.consent_entered_on, r.entered_on, r.replaced_on FROM households h "
                    "JOIN consent_records r ON r.household_id = h.id"
                )
            ).one() == (None, None, None)
        # Kept before the columns were there: the undated pending act counts on every day,
        # as it did.
        assert (_consent(engine, before), _consent(engine, D)) == ("pending", "pending")
    finally:
        upgrade(engine)  # the next tests on this database need it at head
    assert current_revision(engine) == HEAD
    for table, added in ADDED.items():
        assert added <= _columns(engine, table)
