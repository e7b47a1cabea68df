"""`pair --area` gives no new household to a visitor about to leave, and `pair explain` says
why that visitor was not chosen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.services.pairing.tree import add, home, propose, proposed, tree, worker


def test_pair_gives_a_new_household_to_the_visitor_who_stays_and_explain_says_why(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    # VLEFT, next door to H1, leaves in 10 days; VSTAY lives 5.5 km north.
    last = dt.date.today() + dt.timedelta(days=10)
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", lat=51.501, capacity=3, active_to=str(last)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    paired = cli("pair", "--area", "A", "--quiet")
    assert paired.exit_code == 0, paired.output
    assert proposed(engine, 1) == {"H1": "VSTAY"}
    assert '"leaving_soon": {"within_days": 60, "households": 0' in paired.output
    explained = cli("pair", "explain", "H1")
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())
    assert "Household H1: visitor VSTAY" in said
    # The reason's cell may fold over lines: read the table without its borders or spaces.
    cells = "".join(explained.output.replace("│", "").split())
    assert f"full(leaving{last}:nonewhouseholds)" in cells


def test_pair_commit_refuses_a_proposal_whose_visitor_came_within_the_window_since(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    # Computed five days ago, when VNEAR's last day was 63 days off (not leaving): H1 went
    # to them. Today it is 58 days off, within the 60: a commit would give them a new one.
    then = dt.date.today() - dt.timedelta(days=5)
    last = then + dt.timedelta(days=63)
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNEAR", lat=51.501, capacity=3, active_to=str(last)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    view = propose(engine, "A", today=then)
    assert proposed(engine, view.id) == {"H1": "VNEAR"}
    explained = cli("pair", "explain", "H1")
    assert explained.exit_code == 0, explained.output
    said = " ".join(explained.output.split())
    assert f"(proposal {view.id}, open, stale)" in said
    leaving = f"visitor VNEAR is leaving (active_to {last}: no new households)"
    assert leaving in said
    committed = cli("pair", "commit", str(view.id))
    assert committed.exit_code == 1
    assert f"proposal {view.id} is stale: it was computed for {then}" in " ".join(
        committed.output.split()
    )
    assert leaving in " ".join(committed.output.split())
