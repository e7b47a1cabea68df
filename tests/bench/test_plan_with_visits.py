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
    assert "longest wait, unlocked / baseline:" in done.stdout
