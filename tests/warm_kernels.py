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

HEADER = ["visitor_id", "lat", "lon", "languages", "capacity"]


def main() -> int:
    doorstep = str(Path(sys.executable).with_name("doorstep"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        env["DOORSTEP_DATABASE_URL"] = f"sqlite:///{where / 'unused.db'}"
        households = write_csv(
            where / "h.csv",
            ["household_id", "lat", "lon", "languages"],
            [["H1", "26.60", "106.70", "zh"], ["H2", "26.61", "106.71", "zh"]],
        )
        more = write_csv(
            where / "h2.csv",
            ["household_id", "lat", "lon", "languages"],
            [["H1", "26.60", "106.70", "zh"], ["H2", "26.61", "106.71", "zh"],
             ["H3", "26.62", "106.72", "zh"]],
        )  # fmt: skip
        visitors = write_csv(where / "v.csv", HEADER, [["V1", "26.6", "106.7", "zh", "3"]])
        pairs = write_csv(where / "p.csv", ["household_id", "visitor_id"], [["H1", "V1"]])
        out = str(where / "out.csv")
        plan = [doorstep, "plan", "--pairings", str(pairs), "--visitors", str(visitors),
                "--start", "2027-01-04", "--months", "3"]  # fmt: skip
        planning = subprocess.Popen(plan, env=env, stdout=DEVNULL, stderr=subprocess.PIPE)
        failed = 0
        for extra in ([str(households)], [str(more), "--new-only"]):  # solve, then insert
            pair = [doorstep, "pair", "--visitors", str(visitors), "--out", out, "--households"]
            done = subprocess.run([*pair, *extra], env=env, stdout=DEVNULL,
                                  stderr=subprocess.PIPE)  # fmt: skip
            failed |= _said(pair[1], done.returncode, done.stderr)
        _, err = planning.communicate()
        failed |= _said(plan[1], planning.returncode, err)
    return failed


def _said(what: str, returncode: int, err: bytes) -> int:
    if returncode == 0:
        return 0
    print(f"warming the {what} kernels failed (the tests will compile them):")
    print(err.decode(errors="replace"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
