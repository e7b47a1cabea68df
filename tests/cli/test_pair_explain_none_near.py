"""Explaining a household with no other visitor within --max-km says so in a line, in file
mode and database mode alike, rather than printing an empty table of alternatives."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, home, propose, tree, worker


def test_database_mode_names_the_distance_and_the_reason_instead_of_an_empty_table(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA")])
    far = home(household_id="HFAR", lat=52.0)  # about 56 km north of VA
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501), far])
    propose(engine, "A", today=REAL_TODAY)
    unpaired = cli("pair", "explain", "HFAR", "-q")
    assert unpaired.exit_code == 0, unpaired.output
    said = " ".join(unpaired.output.split())
    assert "Household HFAR: no visitor (no visitor within distance;" in said
    assert "No visitor within 30 km of HFAR (unpaired: no visitor within distance)." in said
    assert "Next best visitors" not in said
    paired = cli("pair", "explain", "H1", "-q")
    assert paired.exit_code == 0, paired.output
    said = " ".join(paired.output.split())
    assert "Household H1: visitor VA, 0.11 km" in said
    assert "No other visitor within 30 km of H1." in said
    assert "Next best visitors" not in said


def test_file_mode_names_the_distance_and_the_reason_when_no_visitor_is_near(
    tmp_path: Path,
) -> None:
    (tmp_path / "h.csv").write_text("household_id,lat,lon,languages\nh1,27,107,zh\nh2,28,107,zh\n")
    (tmp_path / "v.csv").write_text("visitor_id,lat,lon,languages,capacity\nv1,27,107,zh,1\n")
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    runner = CliRunner()
    far = runner.invoke(app, [*args, "-q", "--workers", "1", "--max-km", "20", "--explain", "h2"])
    assert far.exit_code == 0, far.output
    lines = far.stdout.splitlines()
    assert lines[:2] == [
        "h2: unpaired (no visitor within distance)",
        "  No visitor within 20 km of h2 (unpaired: no visitor within distance).",
    ]
    near = runner.invoke(app, [*args, "-q", "--workers", "1", "--explain", "h1"])
    assert near.exit_code == 0, near.output
    assert near.stdout.splitlines()[1] == "  No other visitor within 30 km of h1."
