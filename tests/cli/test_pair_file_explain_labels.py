"""File mode's --explain labels a visitor's caseload, capacity and places left as `pair
explain` does in database mode (where they are the real caseload and the places left
here), and gives the reasons in the same words."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app


def test_explain_gives_caseload_capacity_and_places_left_in_database_modes_words(
    tmp_path: Path,
) -> None:
    # h1 and h2 speak zh, h3 none; v1 (room for 3) takes h1 and h2, v2 has room for 2.
    (tmp_path / "h.csv").write_text(
        "household_id,lat,lon,languages\nh1,27.000,107.0,zh\nh2,27.001,107.0,zh\nh3,27.002,107.0,\n"
    )
    (tmp_path / "v.csv").write_text(
        "visitor_id,lat,lon,languages,capacity\nv1,27.001,107.0,zh,3\nv2,27.010,107.0,fr,2\n"
    )
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = CliRunner().invoke(app, [*args, "-q", "--workers", "1", "--explain", "h3"])
    assert result.exit_code == 0, result.output
    lines = [" ".join(ln.split()) for ln in result.stdout.splitlines()[:-1]]  # not the JSON
    assert lines == [
        "h3: unpaired (no shared language)",
        "v1: 0.11 km, caseload 2, capacity 3, places left 1 - not chosen: no shared language",
        "v2: 0.89 km, caseload 0, capacity 2, places left 2 - not chosen: no shared language",
    ]


def test_explain_gives_the_pairs_distance_in_km_as_database_mode_does(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("household_id,lat,lon,languages\nh1,27.000,107.0,zh\n")
    (tmp_path / "v.csv").write_text(
        "visitor_id,lat,lon,languages,capacity\nv1,27.001,107.0,zh,3\nv2,27.0125,107.0,zh,2\n"
    )
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app, [*args, "-q", "--workers", "1", "--explain", "h1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [" ".join(ln.split()) for ln in result.stdout.splitlines()[:-1]]
    assert lines[0] == "h1: visitor v1 at 0.11 km"
    assert lines[1].startswith("v2: 1.39 km, caseload 0")
    # The file keeps whole metres.
    assert out.read_text().splitlines()[1].split(",")[:3] == ["h1", "v1", "111"]
