"""A household's data at the command line: export it, erase it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def test_a_household_is_exported_as_json_and_erased_only_when_confirmed(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    out = tmp_path / "exports" / "h1.json"
    result = cli("household", "export", "H1", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"]["households"][0]["head_name"] == "Wang Fang"
    printed = cli("household", "export", "H1")
    assert json.loads(printed.output)["household"] == "H1"

    refused = cli("household", "erase", "H1")
    assert refused.exit_code == 2
    assert "add --yes" in refused.output
    done = cli("household", "erase", "H1", "--yes")
    assert done.exit_code == 0, done.output
    with with_areas.connect() as conn:
        left = conn.execute(text("SELECT external_id FROM households")).scalars().all()
    assert left == ["H2"]
    gone = cli("household", "export", "H1")
    assert gone.exit_code == 1
    assert "no household with id 'H1'" in gone.output
