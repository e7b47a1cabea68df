"""``pair --explain`` finds a household by its id as the output CSV writes it: ``=X`` is
written ``'=X`` (a spreadsheet must not run it), and a user copies it from there."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.factories.pair_files import pair_files

runner = CliRunner()

VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,3\n"


def _pair(h: Path, v: Path, *options: str) -> tuple[int, str]:
    args = ["pair", "--households", str(h), "--visitors", str(v), "-q", "--workers", "1"]
    result = runner.invoke(app, [*args, *options], catch_exceptions=False)
    return result.exit_code, result.output


def test_the_id_copied_from_the_output_explains_the_household(tmp_path: Path) -> None:
    h, v = pair_files(
        tmp_path, "household_id,lat,lon,languages\n=X,27.001,107.0,zh\nh1,27.0,107.0,zh\n", VISITORS
    )
    out = tmp_path / "pairs.csv"
    code, output = _pair(h, v, "--out", str(out))
    assert code == 0, output
    with out.open(newline="") as fh:
        written = [row["household_id"] for row in csv.DictReader(fh)]
    assert written == ["'=X", "h1"]
    code, output = _pair(h, v, "--explain", written[0])
    assert code == 0, output
    assert output.startswith("=X: visitor v1 at 0.11 km\n")


def test_an_id_that_is_the_escaped_text_itself_wins_over_the_unescaped_one(
    tmp_path: Path,
) -> None:
    # '=X is written ''=X; both ids are found as typed, and each as the output writes it.
    households = "household_id,lat,lon,languages\n=X,27.001,107.0,zh\n'=X,27.002,107.0,zh\n"
    h, v = pair_files(tmp_path, households, VISITORS)
    for given, found in (("=X", "=X"), ("'=X", "'=X"), ("''=X", "'=X")):
        code, output = _pair(h, v, "--explain", given)
        assert code == 0, output
        assert output.startswith(f"{found}: visitor v1 at "), given


def test_an_apostrophe_the_output_would_not_have_put_on_finds_nothing(tmp_path: Path) -> None:
    h, v = pair_files(tmp_path, "household_id,lat,lon,languages\nh1,27.0,107.0,zh\n", VISITORS)
    code, output = _pair(h, v, "--explain", "'h1")
    assert code == 2, output
    assert '--explain "\'h1" is not a household_id in' in output
