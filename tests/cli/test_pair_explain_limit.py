"""`pair explain --limit`: 0 lists every alternative, as `pair diff --limit 0` lists every row;
a negative limit is refused rather than silently dropping the farthest alternatives."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, home, propose, tree, worker


def _seven_visitors(engine: Engine, tmp_path: Path) -> None:
    """H1 and seven visitors around it, each 100 m farther than the last."""
    tree(engine, tmp_path)
    vv = [worker(visitor_id=f"V{i}", lat=51.50 + 0.0009 * i) for i in range(1, 8)]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    propose(engine, "A", today=REAL_TODAY)


def _rows(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("│ V")]


def test_explain_limit_zero_lists_every_alternative(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _seven_visitors(engine, tmp_path)
    everything = cli("pair", "explain", "H1", "-q", "--limit", "0")
    assert everything.exit_code == 0, everything.output
    assert _rows(everything.output) == ["V2", "V3", "V4", "V5", "V6", "V7"]
    two = cli("pair", "explain", "H1", "-q", "--limit", "2")
    assert _rows(two.output) == ["V2", "V3"]


def test_explain_refuses_a_negative_limit(cli: Invoke, engine: Engine, tmp_path: Path) -> None:
    _seven_visitors(engine, tmp_path)
    refused = cli("pair", "explain", "H1", "-q", "--limit", "-1")
    assert refused.exit_code == 2
    said = " ".join(refused.output.split())
    assert "Invalid value for '--limit': Input should be greater than or equal to 0" in said
    assert "Next best visitors" not in said
