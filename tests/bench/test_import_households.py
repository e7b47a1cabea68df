"""The household import benchmark leaves nothing behind in /tmp unless asked to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "bench" / "import_households.py"


def _run(tmp_path: Path, *extra: str) -> list[Path]:
    """Run the benchmark on 200 households (SQLite only) with ``tmp_path`` as its temporary
    folder; return the folders it left there."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    args = [sys.executable, str(SCRIPT), "--households", "200", "--skip-postgres", *extra]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return sorted(tmp_path.glob("doorstep-bench-*"))


@pytest.mark.slow
def test_the_csv_folder_is_removed_at_the_end(tmp_path: Path) -> None:
    assert _run(tmp_path) == []


@pytest.mark.slow
def test_keep_leaves_the_csv_folder_for_a_look(tmp_path: Path) -> None:
    [kept] = _run(tmp_path, "--keep")
    assert (kept / "households.csv").is_file() and (kept / "areas.csv").is_file()
