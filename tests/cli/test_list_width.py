"""`activity list` and `project list` on a narrow terminal: codes and days whole, never cut to
``2026-11-…``; the columns that gave way named under the table, and all of them in CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.conftest import doorstep_at
from tests.factories.db import run_import
from tests.factories.files import write_csv

TITLE = "Zoo trip for the children of the village and their grandparents"


def _add(tmp_path: Path, engine: Engine) -> None:
    """Two activities and two projects, one of them in an area with a long code."""
    orgs = [["SPONSOR-TRUST-01", "Trust", "sponsor"]]
    run_import(
        engine, "organisations", write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    )
    common = ["code", "title", "area_code", "starts_on", "ends_on"]
    mine = [("TRIP-2026-A", "summer_camp", "R-C-V1"), ("ZOO", "trip", "R")]
    days = ["2026-11-20", "2026-11-22"]
    acts = [[c, TITLE, a, *days, k] for c, k, a in mine]
    run_import(engine, "activities", write_csv(tmp_path / "a.csv", [*common, "kind"], acts))
    projs = [[c, TITLE, a, *days, "SPONSOR-TRUST-01", "running"] for c, _, a in mine]
    header = [*common, "sponsor_code", "status"]
    run_import(engine, "projects", write_csv(tmp_path / "p.csv", header, projs))


#: What each list shows, in its CSV's columns: codes and days that must never be cut.
WHOLE = {
    "activity": ("code", "kind", "area_code", "starts_on", "ends_on"),
    "project": ("code", "sponsor_code", "area_code", "starts_on", "ends_on", "status"),
}


@pytest.mark.parametrize("what", ["activity", "project"])
@pytest.mark.parametrize("columns", [60, 80, 200])
def test_a_list_fits_the_terminal_with_every_code_and_day_it_shows_whole(
    with_areas: Engine, db_url: str, tmp_path: Path, what: str, columns: int
) -> None:
    _add(tmp_path, with_areas)
    as_csv = doorstep_at(columns, db_url, what, "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(rows) == 2 and all(len(r) == len(rows[0]) for r in rows)
    shown = doorstep_at(columns, db_url, what, "list")
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= columns, shown
    assert "…" not in shown
    header = next(line for line in lines if "code" in line and "┃" in line)
    gave_way = [c for c in rows[0] if c.replace("_", " ") not in header]
    note = " ".join(line.strip() for line in lines if line.strip()[:1] not in "┏┃┡│└")
    if gave_way:
        assert "Not shown at this width:" in note, shown
        assert all(c.replace("_", " ") in note for c in gave_way), (gave_way, note)
    else:
        assert "Not shown" not in shown
    assert {"code", "title", "starts_on"}.isdisjoint(gave_way)
    body = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    cells = {cell for row in body for cell in row}
    for r in rows:
        for c in WHOLE[what]:
            if c not in gave_way and r[c]:
                assert r[c] in cells, (c, r[c], shown)
    if columns == 200:
        assert gave_way == []


def test_an_empty_list_says_so_in_a_table_and_is_empty_for_a_script(
    with_areas: Engine, db_url: str
) -> None:
    assert doorstep_at(80, db_url, "activity", "list").strip() == "No activities."
    assert json.loads(doorstep_at(80, db_url, "project", "list", "--format", "json")) == []
    header = doorstep_at(80, db_url, "project", "list", "--format", "csv").strip()
    assert header == "code,title,sponsor_code,area_code,starts_on,ends_on,status,households"
