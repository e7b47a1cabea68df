"""``doorstep pair`` in file mode: a short row is bad input, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app

runner = CliRunner()


def test_a_household_row_that_ends_before_its_languages_is_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    h, v, out = tmp_path / "h.csv", tmp_path / "v.csv", tmp_path / "pairs.csv"
    h.write_text("household_id,lat,lon,languages\nh1,27.0,107.0,zh\nh2,27.001,107.0\n")
    v.write_text("visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,2\n")
    args = ["pair", "--households", str(h), "--visitors", str(v), "--out", str(out), "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = "h.csv: row 3, column languages: the row ends early: 3 field(s) where the header has 4"
    assert line in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
