"""`pair explain` on a proposal `pair commit` would refuse says so, with commit's reason."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.test_explain_stale import REAL_TODAY, YESTERDAY, leave_yesterday
from tests.services.pairing.tree import add, areas, home, propose, tree, worker


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


def test_the_cli_explains_a_superseded_proposal_as_commit_refuses_it(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    first, second = propose(engine, "A", today=REAL_TODAY), propose(engine, "A", today=REAL_TODAY)
    assert cli("pair", "commit", str(second.id)).exit_code == 0
    committed = cli("pair", "commit", str(first.id))
    assert committed.exit_code == 1
    reason = f"proposal {first.id} is stale: it was superseded"
    assert reason in " ".join(committed.output.split())
    explained = cli("pair", "explain", "H1", "--proposal", str(first.id))
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())
    assert f"visitor VA, 0.11 km (proposal {first.id}, stale)." in said
    assert f"Note: {reason}" in said


def test_the_cli_explains_a_household_moved_out_with_its_village(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    view = propose(engine, "A", today=REAL_TODAY)
    areas(engine, tmp_path, ("A1", "B"))
    explained = cli("pair", "explain", "H1")
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())
    assert f"Household H1: visitor VA, 0.11 km (proposal {view.id}, open, stale)." in said
    assert f"Note: proposal {view.id} is stale: area A1 was moved out of A after " in said
    assert "Note: household H1 is no longer in area A, so no alternatives are given" in said
    assert "Next best visitors" not in said
    committed = cli("pair", "commit", str(view.id))
    assert committed.exit_code == 1
    assert "area A1 was moved out of A after " in " ".join(committed.output.split())


def test_explain_takes_a_proposal_whose_area_still_holds_the_household(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    # The county's proposal is committed, then one for village A1 left open; H1 moves to
    # A2. The village's open proposal, the latest, was taken: "no longer in area A1, so no
    # alternatives". The county's still holds H1 and gives them.
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA"), worker(visitor_id="VB")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    county = propose(engine, "A", today=REAL_TODAY)
    assert cli("pair", "commit", str(county.id)).exit_code == 0
    village = propose(engine, "A1", today=REAL_TODAY)
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501, area_code="A2")])
    explained = cli("pair", "explain", "H1")
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())
    assert f"(proposal {county.id}, committed" in said, said
    assert "no longer in area" not in said
    assert "VB" in said  # the next best visitor
    # Asked for by number, the village's still says why it cannot give them.
    asked = cli("pair", "explain", "H1", "--proposal", str(village.id))
    assert "Note: household H1 is no longer in area A1" in " ".join(asked.output.split())
