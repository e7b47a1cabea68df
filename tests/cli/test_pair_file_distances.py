"""``doorstep pair``: distances past the farthest two homes can be apart.

Half way round the Earth every pair is within reach, so a larger --max-km is the same
problem; its metres once overflowed the searches' integers (a traceback, not an answer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app

runner = CliRunner()

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,0,0,zh\nh2,0,0.002,zh\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,0,0.001,zh,1\nv2,0,1,zh,1\n"


def pair(tmp_path: Path, *options: str) -> tuple[int, str]:
    h, v, out = tmp_path / "h.csv", tmp_path / "v.csv", tmp_path / "pairs.csv"
    h.write_text(HOUSEHOLDS)
    v.write_text(VISITORS)
    args = ["pair", "--households", str(h), "--visitors", str(v), "--out", str(out)]
    result = runner.invoke(app, [*args, "--quiet", "--workers", "1", *options])
    return result.exit_code, result.output


@pytest.mark.parametrize("max_km", ["1e306", "1e20", "20015.2"])
def test_a_max_km_past_half_way_round_the_earth_pairs_every_household_in_reach(
    tmp_path: Path, max_km: str
) -> None:
    code, output = pair(tmp_path, "--max-km", max_km)
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    # v2 is 111 km away: out of reach of the default 30 km, within reach here.
    assert (summary["paired"], summary["certified"]) == (2, True)
    assert summary["total_distance_m"] == 111 + 110_973  # h1-v1, h2-v2 (0.998°)


def test_a_keep_km_past_half_way_round_the_earth_is_one_line_naming_the_flag(
    tmp_path: Path,
) -> None:
    code, output = pair(tmp_path, "--max-km", "1e20", "--keep-km", "1e17")
    assert code == 2
    assert output.strip() == (
        "error: --keep-km 1e+17 is more than any two homes can be apart (20,015.1 km, half way "
        "round the Earth); give a smaller --keep-km"
    )
    assert not (tmp_path / "pairs.csv").exists()
