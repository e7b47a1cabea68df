"""`pair explain` on a proposal `pair commit` would refuse says so, with commit's reason."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import YESTERDAY, leave_yesterday
from tests.services.pairing.tree import propose


def test_the_cli_explains_a_stale_proposal_with_commits_reason(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    view = propose(leave_yesterday(engine, tmp_path), "A", today=YESTERDAY)
    explained = cli("pair", "explain", "H1")
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())  # as one line, whatever the terminal's width
    assert f"proposal {view.id}, open, stale" in said
    assert f"proposal {view.id} is stale: " in said
    assert f"visitor VLEFT is not active (active_to {YESTERDAY})" in said
    committed = cli("pair", "commit", str(view.id))
    assert committed.exit_code == 1
    assert "visitor VLEFT is not active" in " ".join(committed.output.split())
