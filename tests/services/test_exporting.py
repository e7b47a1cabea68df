"""Exports are safe to open in a spreadsheet and read back by import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from doorstep.services.exporting import export_entity
from doorstep.services.importing.reader import read_table
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import AREA_HEADER, HOUSEHOLD_HEADER, area_rows, household, write_csv


def test_cells_that_would_run_as_formulas_are_neutralised(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    rows = [
        household(household_id="H1", head_name='=HYPERLINK("http://x")'),
        household(household_id="H2", head_name="+1", address="-2", lon=-73.5, lat=-10),
        household(household_id="H3", head_name="@SUM(A1)"),
        household(household_id="H4", head_name="Plain"),
    ]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        with unit_of_work(engine) as s:
            assert export_entity(s, "households", out, actor="test") == 4
        back = read_table(out)
        assert back["head_name"].to_list() == [
            '\'=HYPERLINK("http://x")',
            "'+1",
            "'@SUM(A1)",
            "Plain",
        ]
        assert back["address"].to_list()[1] == "'-2"
        assert float(back["lon"].to_list()[1]) == -73.5
