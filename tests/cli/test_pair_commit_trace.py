"""`pair show` of a committed proposal says when it was committed and which pairings its
commit started and ended (by why); `pair diff` names the commit behind each household's
pairing, or behind its end."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, home, tree, worker


def _cells(out: str, first: str) -> list[str]:
    """The cells of the table row that starts with ``first``."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{out}")


def _propose(cli: Invoke) -> int:
    proposed = cli("pair", "--area", "A", "-q")
    assert proposed.exit_code == 0, proposed.output
    return int(json.loads(proposed.stdout.splitlines()[-1])["proposal"])


def test_show_and_diff_trace_a_pairing_ended_without_a_new_one_to_its_commit(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    first = _propose(cli)
    assert cli("pair", "commit", str(first), "-q").exit_code == 0
    withdrawn = home(household_id="H1", consent="withdrawn", consent_date="2026-03-01")
    add(engine, tmp_path, "households", [withdrawn])
    second = _propose(cli)
    assert cli("pair", "commit", str(second), "-q").exit_code == 0
    shown = cli("pair", "show", str(second))
    assert shown.exit_code == 0, shown.output
    assert _cells(shown.stdout, "Committed")[1].startswith(f"{REAL_TODAY.year}-")
    assert _cells(shown.stdout, "Pairings its commit started")[1] == "0"
    assert _cells(shown.stdout, "Pairings its commit ended")[1] == "1"
    assert _cells(shown.stdout, "consent withdrawn")[1] == "1"
    assert _cells(cli("pair", "show", str(first)).stdout, "still open")[1] == "1"
    # H1 consents again: a new proposal pairs it; its now-empty pairing came from `second`.
    add(engine, tmp_path, "households", [home(household_id="H1", consent_date="2026-04-01")])
    diffed = cli("pair", "diff", str(_propose(cli)))
    assert diffed.exit_code == 0, diffed.output
    assert "by commit" in diffed.stdout
    assert _cells(diffed.stdout, "H1")[:4] == ["H1", "-", str(second), "VA"]
