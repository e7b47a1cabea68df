"""With nothing paired the mean and 95th percentile distances are null, not 0.0 (which would
read as every household paired at its door), in both modes' summaries and in `pair show`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.conftest import Invoke
from tests.services.pairing.tree import add, home, tree, worker


def test_file_mode_summary_has_null_distances_when_nothing_is_paired(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("household_id,lat,lon,languages\nh1,27,107,zh\n")
    (tmp_path / "v.csv").write_text("visitor_id,lat,lon,languages,capacity\nv1,27,107,hmn,1\n")
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = CliRunner().invoke(app, [*args, "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert (summary["paired"], summary["total_distance_m"]) == (0, 0)
    assert summary["mean_distance_m"] is None
    assert summary["p95_distance_m"] is None


def test_database_mode_figures_and_show_have_no_distance_when_nothing_is_paired(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", languages="fr")])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    proposed = cli("pair", "--area", "A", "-q")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.stdout.splitlines()[-1])
    assert summary["paired"] == 0
    assert summary["mean_distance_m"] is None
    assert summary["p95_distance_m"] is None
    shown = cli("pair", "show", str(summary["proposal"]))
    assert shown.exit_code == 0, shown.output
    rows = {
        ln.split("│")[1].strip(): ln.split("│")[2].strip()
        for ln in shown.stdout.splitlines()
        if ln.count("│") == 3
    }
    assert rows["Mean distance"] == "-"
    assert rows["95th percentile distance"] == "-"
