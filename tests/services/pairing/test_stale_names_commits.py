"""A proposal made stale by another's commit says what changed, as the other stale
refusals do: one superseded by the commit of another for its area names that commit, its
day and what it did to the current pairings; a committed one whose pairs another commit
changed since names that commit, and which inputs changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker

HOUSEHOLDS = "the households of A (one added or gone, "
VISITORS = "the visitors in reach of A (one added or gone, "


@pytest.fixture
def village(engine: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 in village A1, VA next door with room for both."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    return engine


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


def test_a_superseded_proposal_names_the_commit_and_the_pairings_it_changed(
    village: Engine,
) -> None:
    first = propose(village, "A")
    second = propose(village, "A")
    commit(village, second.id)
    assert _refusal(village, first.id) == (
        f"proposal {first.id} is stale: it was superseded by proposal {second.id} for A, "
        f"committed on {TODAY} while it was open, which changed the current pairings it was "
        "computed from (2 pairings started, 0 ended, 0 households kept); only an open one "
        "commits: run `doorstep pair --area A` again"
    )


def test_a_commit_that_kept_every_pairing_is_said_to_have_kept_them(village: Engine) -> None:
    commit(village, propose(village, "A").id)
    first = propose(village, "A")
    second = propose(village, "A")
    commit(village, second.id)  # the same pairs: nothing started or ended
    assert _refusal(village, first.id).startswith(
        f"proposal {first.id} is stale: it was superseded by proposal {second.id} for A, "
        f"committed on {TODAY} while it was open, which kept every current pairing "
        "(2 households); only an open one commits"
    )


def test_a_proposal_superseded_before_the_commit_was_kept_says_so_in_general(
    village: Engine,
) -> None:
    first = propose(village, "A")
    commit(village, propose(village, "A").id)
    with village.begin() as conn:  # as a proposal superseded by an earlier version
        params = conn.execute(
            text("SELECT params FROM pairing_proposals WHERE id = :id"), {"id": first.id}
        ).scalar_one()
        params = params if isinstance(params, dict) else json.loads(params)
        params.pop("superseded_by")
        conn.execute(
            text("UPDATE pairing_proposals SET params = :p WHERE id = :id"),
            {"p": json.dumps(params), "id": first.id},
        )
    assert _refusal(village, first.id) == (
        f"proposal {first.id} is stale: it was superseded (another proposal for A was "
        "committed while it was open); only an open one commits"
    )


def _stale_reason(engine: Engine, household: str, proposal_id: int) -> str | None:
    with unit_of_work(engine) as s:
        out = pairing.explain_household(
            s, household, actor="test", proposal_id=proposal_id, today=TODAY
        )
    assert out.stale is True
    return out.stale_reason


def test_a_committed_proposal_names_the_commit_that_paired_its_households_anew(
    village: Engine, tmp_path: Path
) -> None:
    mine = propose(village, "A")
    commit(village, mine.id)  # H1 and H2 with VA
    add(village, tmp_path, "visitors", [worker(visitor_id="VA", capacity=0)])
    add(village, tmp_path, "visitors", [worker(visitor_id="VB", lat=51.51, capacity=2)])
    other = propose(village, "A1")
    commit(village, other.id)  # H1 and H2 move to VB
    reason = _stale_reason(village, "H1", mine.id)
    assert reason is not None
    assert reason.startswith(f"area A changed after proposal {mine.id} was committed: ")
    # The current visitors and VA's capacity changed, VB came: both frames are named.
    assert HOUSEHOLDS in reason and VISITORS in reason
    assert "the households, visitors, pairings or exclusions" not in reason
    assert reason.endswith(
        f"; and the commit of proposal {other.id} for A1 paired 2 of its households anew"
    )


def test_a_committed_proposal_names_a_change_of_the_visitors_alone(
    village: Engine, tmp_path: Path
) -> None:
    mine = propose(village, "A")
    commit(village, mine.id)
    add(village, tmp_path, "visitors", [worker(visitor_id="VB", lat=51.51)])
    assert _stale_reason(village, "H1", mine.id) == (
        f"area A changed after proposal {mine.id} was committed: the visitors in reach of A "
        "(one added or gone, or a visitor's capacity, languages, home, service area, pool, "
        "active days or places taken outside the area) changed after its commit"
    )
