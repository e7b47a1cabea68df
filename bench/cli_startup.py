"""How long `doorstep` takes to start: the median wall time of a few commands that do little.

Each command runs ``--runs`` times in a fresh process, in a temporary folder, on an empty
SQLite database brought to the current schema first (so ``stats``, ``visits due`` and the
export measure commands that open their database, not a first migration). The floor is the
interpreter starting and importing the ``doorstep`` package alone: what no command can go
below.

With ``--planned``, also three commands that read what the pairing and the planner stored
(``pair explain``, ``household export``, ``visits calendar``), on the village demo paired,
committed and planned before the timing (a first run compiles the solvers' kernels: a
minute or more).

    .venv/bin/python bench/cli_startup.py
    .venv/bin/python bench/cli_startup.py --runs 11
    .venv/bin/python bench/cli_startup.py --planned
"""

from __future__ import annotations

import argparse
import datetime as dt
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


#: (label, command line) of the commands timed with ``--planned``, on the planned database.
PLANNED = [
    ("doorstep pair explain H0000001", [str(DOORSTEP), "pair", "explain", "H0000001"]),
    (
        "doorstep household export H0000001 --out h.json",
        [str(DOORSTEP), "household", "export", "H0000001", "--out", "h.json"],
    ),
    (
        "doorstep visits calendar --visitor V0000001",
        [str(DOORSTEP), "visits", "calendar", "--visitor", "V0000001", "--out", "v.ics"],
    ),
]


def _planned(cwd: Path, env: dict[str, str]) -> None:
    """The village demo in the database of ``env``, paired (a proposal committed) and
    planned from tomorrow."""
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for argv in (
        ["demo", "--preset", "village", "-q"],
        ["pair", "--area", "GZ", "-q"],
        ["pair", "commit", "1"],
        ["plan", "--area", "GZ", "--start", tomorrow, "-q"],
    ):
        subprocess.run(
            [str(DOORSTEP), *argv], cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True
        )


def _seconds(argv: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    quiet = subprocess.DEVNULL  # `stats` on an empty database says so on stderr
    subprocess.run(argv, cwd=cwd, env=env, stdout=quiet, stderr=quiet, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument(
        "--planned", action="store_true", help="also the commands that read a planned programme"
    )
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
        timed = [(label, argv, env) for label, argv in COMMANDS]
        if args.planned:
            planned = {**env, "DOORSTEP_DATABASE_URL": f"sqlite:///{cwd / 'planned.db'}"}
            _planned(cwd, planned)
            timed += [(label, argv, planned) for label, argv in PLANNED]
        medians = []
        for label, argv, on in timed:
            _seconds(argv, cwd=cwd, env=on)  # warm the file cache; not counted
            runs = [_seconds(argv, cwd=cwd, env=on) for _ in range(args.runs)]
            medians.append((label, statistics.median(runs), min(runs), max(runs)))
    floor = medians[0][1]
    print(f"median of {args.runs} runs each, seconds (load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<50} {'median':>7} {'min':>7} {'max':>7} {'x floor':>8}")
    for label, median, low, high in medians:
        print(f"{label:<50} {median:7.3f} {low:7.3f} {high:7.3f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
