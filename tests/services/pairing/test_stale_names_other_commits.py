"""A proposal gone stale through the commit of another proposal names that commit: an open
one, the commit of an area inside it, around it or next to it (sharing a visitor) made after
it was computed; a committed one, a later commit that ended its households' pairings without
new ones (one superseded by its own area's commit names it already:
``test_stale_names_commits``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


def test_an_open_proposal_names_the_commit_of_an_area_inside_it_that_made_it_stale(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    county = propose(engine, "A").id
    village = propose(engine, "A1").id
    commit(engine, village)
    refusal = _refusal(engine, county)
    with engine.connect() as conn:
        at = conn.execute(
            text("SELECT committed_at FROM pairing_proposals WHERE id = :p"), {"p": village}
        ).scalar_one()
    when = (at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at)).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert refusal.startswith(f"proposal {county} is stale: ")
    assert (
        f"; and the commit of proposal {village} for A1 at {when} UTC changed the pairings of "
        "2 of its households and 1 visitor in its reach; run `doorstep pair --area A` again"
    ) in refusal


def test_an_open_proposal_names_a_neighbours_commit_that_took_a_visitor_in_its_reach(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    # VA lives between A1 and B1 (11 km north), in reach of both.
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", lat=51.55, capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    add(engine, tmp_path, "households", [home(household_id="HB", area_code="B1", lat=51.60)])
    mine = propose(engine, "A1").id
    theirs = propose(engine, "B1").id
    commit(engine, theirs)
    refusal = _refusal(engine, mine)
    assert f"the commit of proposal {theirs} for B1 at " in refusal
    assert refusal.endswith(
        " UTC changed the pairings of 1 visitor in its reach; run `doorstep pair --area A1` again"
    )


def test_an_open_proposal_names_no_commit_made_before_it_was_computed(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    commit(engine, propose(engine, "A1").id)
    mine = propose(engine, "A").id
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=3)])
    assert "the commit of proposal" not in _refusal(engine, mine)


def test_a_committed_proposal_names_the_commit_that_ended_its_pairings_without_new_ones(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    mine = propose(engine, "A").id
    commit(engine, mine)
    add(engine, tmp_path, "households", [home(household_id="H1", consent="withdrawn")])
    other = propose(engine, "A1").id
    commit(engine, other)
    with unit_of_work(engine) as s:
        out = pairing.explain_household(s, "H2", actor="test", proposal_id=mine, today=TODAY)
    assert out.stale is True and out.stale_reason is not None
    assert out.stale_reason.endswith(
        f"; and the commit of proposal {other} for A1 ended the pairing of 1 of its "
        "households without a new one"
    )
