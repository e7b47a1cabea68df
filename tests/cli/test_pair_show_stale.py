"""`pair show` and `pair diff` say a proposal is stale, with commit's reason, and give
reasons in words."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, commit, home, propose, tree, worker


def test_show_and_diff_warn_of_a_proposal_commit_refuses_as_stale(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    view = propose(engine, "A", today=REAL_TODAY)
    fresh = cli("pair", "show", str(view.id), "-q")
    assert fresh.exit_code == 0, fresh.output
    assert f"proposal {view.id} for A (open)" in " ".join(fresh.output.split())
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=1)])
    refused = cli("pair", "commit", str(view.id))
    assert refused.exit_code == 1
    reason = " ".join(refused.output.split())
    assert f"proposal {view.id} is stale: " in reason
    shown, diffed = cli("pair", "show", str(view.id), "-q"), cli("pair", "diff", str(view.id), "-q")
    assert shown.exit_code == 0 and diffed.exit_code == 0, shown.output + diffed.output
    for out in (shown, diffed):
        said = " ".join(out.output.split())
        assert f"Note: {reason.removeprefix('error: ')}" in said, said
    assert f"proposal {view.id} for A (open, stale)" in " ".join(shown.output.split())


def test_diff_gives_the_reason_a_household_is_unpaired_in_words(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=1)])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    commit(engine, propose(engine, "A", today=REAL_TODAY).id, today=REAL_TODAY)
    add(engine, tmp_path, "households", [home(household_id="H1", consent="withdrawn")])
    view = propose(engine, "A", today=REAL_TODAY)
    diffed = cli("pair", "diff", str(view.id), "-q")
    assert diffed.exit_code == 0, diffed.output
    row = next(line for line in diffed.output.splitlines() if "H1" in line)
    assert "no consent" in row and "no_consent" not in row
