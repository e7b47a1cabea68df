"""`pair explain` on a household a proposal does not hold, or that left its area since, and on
a superseded proposal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict, NotFound
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, areas, commit, home, propose, tree, worker


@pytest.fixture
def two_counties(engine: Engine, tmp_path: Path) -> Engine:
    """H1 in village A1 (county A) with VA next door; HB in village B1 (county B)."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=2)])
    add(
        engine,
        tmp_path,
        "households",
        [home(household_id="H1", lat=51.501), home(household_id="HB", area_code="B1")],
    )
    return engine


def test_a_household_never_in_the_proposal_is_said_not_to_be_in_it(two_counties: Engine) -> None:
    view = propose(two_counties, "A")
    with unit_of_work(two_counties) as s, pytest.raises(NotFound) as refused:
        pairing.explain_household(s, "HB", actor="test", proposal_id=view.id, today=TODAY)
    assert str(refused.value) == f"household 'HB' is not in proposal {view.id} (area A)"


def test_a_household_that_joined_the_area_since_is_not_in_the_proposal(
    two_counties: Engine, tmp_path: Path
) -> None:
    view = propose(two_counties, "A")
    add(two_counties, tmp_path, "households", [home(household_id="H2", area_code="A2")])
    with unit_of_work(two_counties) as s, pytest.raises(NotFound) as refused:
        pairing.explain_household(s, "H2", actor="test", proposal_id=view.id, today=TODAY)
    assert str(refused.value) == f"household 'H2' is not in proposal {view.id} (area A)"


def test_a_superseded_proposal_is_explained_as_stale_for_the_reason_commit_refuses_it(
    two_counties: Engine,
) -> None:
    first = propose(two_counties, "A")
    second = propose(two_counties, "A")
    commit(two_counties, second.id)
    with pytest.raises(Conflict) as refused:
        commit(two_counties, first.id)
    assert str(refused.value) == (
        f"proposal {first.id} is stale: it was superseded by proposal {second.id} for A, "
        f"committed on {TODAY} while it was open, which changed the current pairings it was "
        "computed from (1 pairing started, 0 ended, 0 households kept); only an open one "
        "commits: run `doorstep pair --area A` again"
    )
    with unit_of_work(two_counties) as s:
        out = pairing.explain_household(s, "H1", actor="test", proposal_id=first.id, today=TODAY)
    assert (out.proposal.status, out.stale) == ("stale", True)
    assert out.stale_reason == str(refused.value)
    assert out.explanation.visitor_id == "VA"  # the proposal's pair, as proposed


def test_a_household_moved_out_with_its_village_is_explained_as_the_proposal_has_it(
    two_counties: Engine, tmp_path: Path
) -> None:
    view = propose(two_counties, "A")
    areas(two_counties, tmp_path, ("A1", "B"))
    with pytest.raises(Conflict) as refused:
        commit(two_counties, view.id)
    with unit_of_work(two_counties) as s:
        out = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    assert (out.proposal.id, out.in_area, out.stale) == (view.id, False, True)
    assert out.stale_reason == str(refused.value)
    assert "area A1 was moved out of A after it was computed at " in str(refused.value)
    e = out.explanation
    assert (e.household_id, e.visitor_id, e.distance_m, e.alternatives) == ("H1", "VA", 111, ())


def test_after_a_commit_a_household_moved_out_is_explained_with_the_move(
    two_counties: Engine, tmp_path: Path
) -> None:
    view = propose(two_counties, "A")
    commit(two_counties, view.id)
    areas(two_counties, tmp_path, ("A1", "B"))
    with unit_of_work(two_counties) as s:
        out = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    assert (out.proposal.status, out.in_area, out.stale) == ("committed", False, True)
    assert out.stale_reason == (
        f"area A changed after proposal {view.id} was committed: area A1 was moved out of A "
        "after its commit, taking 1 household of the proposal with it"
    )
    assert out.explanation.visitor_id == "VA"
