"""Database helpers for tests: run an import, take a snapshot, expect a rejection."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from doorstep.services.importing import ImportRejected, ImportSummary, import_file
from doorstep.storage.session import unit_of_work
from tests.factories.files import write_csv


def area_tree(engine: Engine, folder: Path) -> None:
    """The tiny area tree (R > R-C > R-C-V1, R-C-V2) imported: the fixture ``with_areas``,
    and what most prebuilt programmes are built over."""
    from tests.factories.files import AREA_HEADER, area_rows, write_csv

    run_import(engine, "areas", write_csv(folder / "areas.csv", AREA_HEADER, area_rows()))


def run_import(
    engine: Engine,
    entity: str,
    path: Path,
    *,
    today: dt.date | None = None,
    replace_future: bool = False,
) -> ImportSummary:
    with unit_of_work(engine) as s:
        return import_file(
            s, entity, path, actor="test", today=today, replace_future=replace_future
        )


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything an import can change, to compare before and after."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        # A database at an earlier revision (a migration's test) lacks the later tables.
        there = set(inspect(conn).get_table_names())
        for table in (
            "areas",
            "organisations",
            "teams",
            "team_members",
            "visitors",
            "households",
            "consent_records",
            "consent_client_ids",
            "household_indicators",
            "visitor_leave",
            "household_blackouts",
            "exclusions",
            "activities",
            "activity_attendance",
            "projects",
            "project_households",
            "visits",
            "referrals",
            "audit_events",
        ):
            if table not in there:
                continue
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            out[table] = [tuple(str(v) for v in r) for r in rows]
    return out


def rejected(
    engine: Engine,
    entity: str,
    path: Path,
    *,
    today: dt.date | None = None,
    replace_future: bool = False,
) -> list[str]:
    """Import ``path``, expect a rejection that changed nothing, return the error lines."""
    before = snapshot(engine)
    with pytest.raises(ImportRejected) as info:
        run_import(engine, entity, path, today=today, replace_future=replace_future)
    assert snapshot(engine) == before
    return [str(e) for e in info.value.errors]


def import_teams(engine: Engine, tmp_path: Path, *codes: str) -> None:
    """Teams ``codes`` (named "Team CODE") of village R-C-V1, begun on 2026-01-01."""
    rows = [[t, f"Team {t}", "R-C-V1", "2026-01-01"] for t in codes]
    path = write_csv(tmp_path / "t.csv", ["code", "name", "area_code", "starts_on"], rows)
    run_import(engine, "teams", path)


def query_plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The database's plan for ``statement``, as text; on PostgreSQL with sequential scans
    priced out, so that a table this small is still read through an index where one fits."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(str(r[0]) for r in rows)
