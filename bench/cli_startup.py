"""How long `doorstep` takes to start: the median wall time of a few commands that do little.

Each command runs ``--runs`` times in a fresh process, in a temporary folder, on an empty
SQLite database brought to the current schema first (so ``stats``, ``visits due`` and the
export measure commands that open their database, not a first migration). The floor is the
interpreter starting and importing the ``doorstep`` package alone: what no command can go
below.

    .venv/bin/python bench/cli_startup.py
    .venv/bin/python bench/cli_startup.py --runs 11
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOORSTEP = Path(sys.executable).with_name("doorstep")

#: (label, command line): the floor first, as the ratios' base.
COMMANDS = [
    ('python -c "import doorstep" (floor)', [sys.executable, "-c", "import doorstep"]),
    ("doorstep --help", [str(DOORSTEP), "--help"]),
    ("doorstep visits --help", [str(DOORSTEP), "visits", "--help"]),
    ("doorstep stats (empty database)", [str(DOORSTEP), "stats"]),
    ("doorstep visits due (empty database)", [str(DOORSTEP), "visits", "due"]),
    (
        "doorstep export households out.csv (empty)",
        [str(DOORSTEP), "export", "households", "out.csv"],
    ),
]


def _seconds(argv: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    quiet = subprocess.DEVNULL  # `stats` on an empty database says so on stderr
    subprocess.run(argv, cwd=cwd, env=env, stdout=quiet, stderr=quiet, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-startup-") as folder:
        cwd = Path(folder)
        env = {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite:///{cwd / 'empty.db'}"}
        subprocess.run(
            [str(DOORSTEP), "db", "upgrade"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        medians = []
        for label, argv in COMMANDS:
            _seconds(argv, cwd=cwd, env=env)  # warm the file cache; not counted
            runs = [_seconds(argv, cwd=cwd, env=env) for _ in range(args.runs)]
            medians.append((label, statistics.median(runs), min(runs), max(runs)))
    floor = medians[0][1]
    print(f"median of {args.runs} runs each, seconds (load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<44} {'median':>7} {'min':>7} {'max':>7} {'x floor':>8}")
    for label, median, low, high in medians:
        print(f"{label:<44} {median:7.3f} {low:7.3f} {high:7.3f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
