"""The size checks' benchmark runs, prints each import's figures, and leaves nothing in /tmp."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "bench" / "import_sizes.py"


@pytest.mark.slow
def test_the_size_benchmark_prints_four_imports_and_removes_its_folder(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    args = [sys.executable, str(SCRIPT), "--households", "300", "--small", "50", "--repeats", "1"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [line.split()[:3] for line in done.stdout.splitlines()[-4:]]
    assert rows == [
        ["households", "small", "50"],
        ["households", "all", "300"],
        ["indicators", "small", "50"],
        ["indicators", "all", "300"],
    ]
    assert list(tmp_path.glob("doorstep-bench-sizes-*")) == []
