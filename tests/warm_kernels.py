"""Compile the engine's kernels into numba's cache before the tests, once and side by side.

On a clean clone numba's cache is empty. Without this, each pytest worker compiles the same
kernels on its own, under the coverage tracer, which makes numba's compiler (Python) about
1.7 times slower: the planner's first test spent 115 s compiling in CI. Here a tiny pairing
and a tiny plan run at once, in two processes without coverage, through the command line (so
the kernels are those a run uses, with the same argument types); the workers then load them.
Run by ``make unit``; a failure here only means the tests compile the kernels themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from subprocess import DEVNULL

from tests.factories.files import write_csv

HOUSEHOLDS = ["household_id", "lat", "lon", "languages"]
HOMES = [["H1", "26.60", "106.70", "zh"], ["H2", "26.61", "106.71", "zh"],
         ["H3", "26.62", "106.72", "zh"]]  # fmt: skip
VISITORS = ["visitor_id", "lat", "lon", "languages", "capacity"]


def main() -> int:
    doorstep = [sys.executable, "-m", "doorstep"]
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        env = {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite:///{where / 'unused.db'}"}
        two = write_csv(where / "h2.csv", HOUSEHOLDS, HOMES[:2])
        three = write_csv(where / "h3.csv", HOUSEHOLDS, HOMES)
        visitors = write_csv(where / "v.csv", VISITORS, [["V1", "26.6", "106.7", "zh", "3"]])
        pairs = write_csv(where / "p.csv", ["household_id", "visitor_id"], [["H1", "V1"]])
        plan = [*doorstep, "plan", "--pairings", str(pairs), "--visitors", str(visitors),
                "--start", "2027-01-04", "--months", "3"]  # fmt: skip
        planning = subprocess.Popen(plan, env=env, stdout=DEVNULL, stderr=subprocess.PIPE)
        pair = [*doorstep, "pair", "--visitors", str(visitors), "--out", str(where / "out.csv")]
        failed = 0
        for households in ([str(two)], [str(three), "--new-only"]):  # solve, then insert
            done = subprocess.run([*pair, "--households", *households], env=env,
                                  stdout=DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
            failed |= _said("pairing", done.returncode, done.stderr)
        _, err = planning.communicate()
        failed |= _said("planner", planning.returncode, err)
    return failed


def _said(what: str, returncode: int, err: bytes) -> int:
    if returncode == 0:
        return 0
    print(f"warming the {what} kernels failed (the tests will compile them):")
    print(err.decode(errors="replace"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
