"""A visitor's data at the command line: export it, erase it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

NAME = "Qiu Xiaohong"


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """V1 looks after H1 (a pairing begun 2026-01-01, written by hand), V2 after no one."""
    rows = [visitor(visitor_id="V1", name=NAME), visitor(visitor_id="V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, '2026-01-01' FROM visitors v, households h "
                "WHERE v.external_id = 'V1' AND h.external_id = 'H1'"
            )
        )
    return with_areas


def test_a_visitor_is_exported_as_json_and_erased_only_when_confirmed_and_free(
    cli: Invoke, people: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "exports" / "v1.json"
    result = cli("visitor", "export", "V1", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"]["visitors"][0]["name"] == NAME
    assert data["records"]["households"] == [
        {"id": data["records"]["pairings"][0]["household_id"], "external_id": "H1"}
    ]
    printed = cli("visitor", "export", "V1")
    assert json.loads(printed.output)["visitor"] == "V1"

    refused = cli("visitor", "erase", "V1")
    assert refused.exit_code == 2
    assert "add --yes" in refused.output
    busy = cli("visitor", "erase", "V1", "--yes")
    assert busy.exit_code == 1
    lines = busy.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: visitor V1 still looks after households: 1 current ")
    assert "re-pair them first" in lines[0]
    # The day that takes the visitor off is named: the last day counts as a working one.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert f"active_to {yesterday} or earlier" in lines[0]
    assert "`doorstep export visitors` has it" in lines[0]

    with people.begin() as conn:  # H1 handed over to another visitor: V1's pairing ended
        conn.execute(text("UPDATE pairings SET ended_on = '2026-06-01', end_reason = 'repaired'"))
    done = cli("visitor", "erase", "V1", "--yes")
    assert done.exit_code == 0, done.output
    assert "Erased visitor V1: 1 from visitors" in done.output
    assert "Kept the households' records naming the id: 1 pairings." in done.output
    assert "warning" not in done.output
    with people.connect() as conn:
        names = dict(conn.execute(text("SELECT external_id, name FROM visitors")).all())
        kept = conn.execute(text("SELECT COUNT(*) FROM pairings")).scalar_one()
    assert names == {"V1": "", "V2": "Li Wei"} and kept == 1
    gone = cli("visitor", "export", "V1")
    assert gone.exit_code == 1
    assert "visitor V1 was erased" in gone.output
    calendar = ("visits", "calendar", "--out", str(tmp_path / "v1.out"))
    for command in (("visits", "due"), calendar):  # no one to draw them for
        listed = cli(*command, "--visitor", "V1")
        assert listed.exit_code == 1, listed.output
        assert "visitor V1 was erased" in listed.output
    assert not (tmp_path / "v1.out").exists()
    unknown = cli("visitor", "erase", "V9", "--yes")
    assert unknown.exit_code == 1
    assert "no visitor with id 'V9'" in unknown.output


def test_an_erased_visitor_is_in_neither_the_database_file_nor_its_log(
    cli: Invoke, people: Engine
) -> None:
    if people.dialect.name != "sqlite":
        pytest.skip("PostgreSQL frees erased values at its next VACUUM (docs/cli.md)")
    database = Path(str(people.url.database))
    other = sqlite3.connect(database)  # another connection stays open, as a server's would
    try:
        assert other.execute("SELECT COUNT(*) FROM visitors").fetchall() == [(2,)]
        done = cli("visitor", "erase", "V2", "--yes")
        assert done.exit_code == 0, done.output
        assert cli("visitor", "erase", "V1", "--yes").exit_code == 1  # V1 still pairs H1
        with people.begin() as conn:
            conn.execute(text("UPDATE pairings SET ended_on = '2026-06-01'"))
        assert cli("visitor", "erase", "V1", "--yes").exit_code == 0
        for path in (database, database.with_name(database.name + "-wal")):
            held = path.read_bytes() if path.exists() else b""
            assert NAME.encode() not in held, path.name
    finally:
        other.close()
