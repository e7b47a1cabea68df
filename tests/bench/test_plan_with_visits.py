"""The benchmark of visits recorded during a plan runs and prints its table: both modes on
the village demo, the unlocked plan reading again after the visits recorded meanwhile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "bench" / "plan_with_visits.py"


@pytest.mark.slow
def test_the_benchmark_measures_both_modes(tmp_path: Path) -> None:
    args = [sys.executable, str(SCRIPT), "--preset", "village", "--every", "0.05"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| mode | plan_seconds | read_again |")
    assert rows[1].startswith("| baseline (lock first) |") and rows[2].startswith("| unlocked")
    # Both modes recorded visits while their plan ran: a ratio, not "n/a".
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    for row in rows[1:3]:
        cells = dict(zip(header, (c.strip() for c in row.strip("|").split("|")), strict=True))
        assert int(cells["recorded"]) >= 1, row
    ratio = done.stdout.split("longest wait, unlocked / baseline: ")[1].split()[0]
    assert float(ratio) > 0, done.stdout
