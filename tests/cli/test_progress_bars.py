"""Long commands show their stages on a terminal, and --quiet hides them."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START

START = dt.date(2027, 1, 4)


def _stderr_on_a_terminal(db_url: str, *args: str, env: dict[str, str] | None = None) -> str:
    """What ``doorstep ARGS`` writes to stderr when stderr is a terminal (``env``: more
    environment)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "doorstep", *args],
            env={**os.environ, "DOORSTEP_DATABASE_URL": db_url, "COLUMNS": "100", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=slave,
            # A hang's bound, not a speed check: a cold compile of the planner took over
            # 120 s on a loaded 2-core machine (46 s quiet).
            timeout=600,
            check=False,
        )
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    assert done.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize(
    ("command", "stages"),
    [
        (("plan", "--area", "R", "--start", PLAN_START), ("Reading R", "Planning", "Writing")),
        (("export", "households", "{tmp}/h.csv"), ("Reading households", "Writing 2 households")),
    ],
    ids=["plan", "export"],
)
def test_a_long_command_shows_its_stages_unless_quiet(
    with_areas: Engine,
    db_url: str,
    tmp_path: Path,
    command: tuple[str, ...],
    stages: tuple[str, ...],
) -> None:
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(2)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    run_import(with_areas, "households", write_csv(tmp_path / "h0.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
    args = [a.format(tmp=tmp_path) for a in command]
    shown = _stderr_on_a_terminal(db_url, *args)
    for stage in stages:
        assert stage in shown
    quiet = _stderr_on_a_terminal(db_url, *args, "--quiet")
    for stage in stages:
        assert stage not in quiet


def _words(shown: str) -> str:
    """What a terminal shows, its colours taken out and its lines joined."""
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown).split())


def test_a_plan_that_compiles_the_planner_first_says_so_once(tmp_path: Path) -> None:
    """With numba's cache empty (a new machine, or an upgrade), the first plan says why it
    is slow to start; the next one, its kernel cached, does not. (In file mode: the
    database has no part in it, and one compile is enough.)"""
    pairs = write_csv(tmp_path / "p.csv", ["household_id", "visitor_id"], [["H1", "V1"]])
    visitors = write_csv(
        tmp_path / "v.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity"],
        [["V1", "26.6", "106.7", "zh", "1"]],
    )
    fresh = {"NUMBA_CACHE_DIR": str(tmp_path / "kernels")}
    args = ("plan", "--pairings", str(pairs), "--visitors", str(visitors), "--start",
            "2027-01-04", "--months", "3")  # fmt: skip
    unused = f"sqlite:///{tmp_path / 'unused.db'}"
    said = _words(_stderr_on_a_terminal(unused, *args, env=fresh))
    assert "The planner runs here for the first time" in said
    assert "compiled for this machine first" in said
    again = _words(_stderr_on_a_terminal(unused, *args, env=fresh))
    assert "first time" not in again and "planning days" in again
