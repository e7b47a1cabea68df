"""A move that takes households out of a proposal's area, or brings some in, is named as one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import PairingProposal
from tests.services.pairing.tree import add, areas, commit, home, propose, tree


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


def _reason(message: str, proposal_id: int, area: str) -> str:
    """What a refusal says after "it was computed at <time>, " (the time left out)."""
    head = f"proposal {proposal_id} is stale: "
    tail = f"; run `doorstep pair --area {area}` again"
    assert message.startswith(head) and message.endswith(tail), message
    return message[len(head) : -len(tail)]


@pytest.fixture
def in_a(engine: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 in village A1, H3 in A2, HB in B1."""
    tree(engine, tmp_path)
    hh = [
        home(household_id="H1"),
        home(household_id="H2"),
        home(household_id="H3", area_code="A2"),
        home(household_id="HB", area_code="B1"),
    ]
    add(engine, tmp_path, "households", hh)
    return engine


def test_a_village_moved_out_is_named_with_the_households_it_took(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"))
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("area A1 was moved out of A after it was computed at ")
    assert why.endswith(", taking 2 households of the proposal with it")
    assert "changed" not in why


def test_the_area_moved_is_named_not_the_village_below_it(in_a: Engine, tmp_path: Path) -> None:
    areas(in_a, tmp_path, ("AX", "A"), ("AX1", "AX"))
    add(in_a, tmp_path, "households", [home(household_id="HX", area_code="AX1")])
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("AX", "B"))
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("area AX was moved out of A after ")
    assert why.endswith(", taking 1 household of the proposal with it")


def test_a_village_moved_in_is_named_with_the_households_it_brought(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "B")
    areas(in_a, tmp_path, ("BN", "B"), ("A1", "BN"))  # under a new area of B's
    why = _reason(_refusal(in_a, view.id), view.id, "B")
    assert why.startswith("area A1 was moved into B after it was computed at ")
    assert why.endswith(", bringing 2 households with it")
    assert "changed" not in why


def test_moves_both_ways_are_both_named(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"), ("B1", "A"))
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("area A1 was moved out of A after ")
    assert "2 households of the proposal with it; and area B1 was moved into A after " in why
    assert why.endswith(", bringing 1 household with it")


def test_a_household_moved_out_alone_besides_a_move_is_said_too(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"))
    add(in_a, tmp_path, "households", [home(household_id="H3", area_code="B1")])
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("area A1 was moved out of A after ")
    assert "; and the households, visitors, pairings or exclusions of A changed after " in why


def test_a_household_moved_out_alone_is_a_change_of_the_households(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A")
    add(in_a, tmp_path, "households", [home(household_id="H3", area_code="B1")])
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("the households of A (one added or gone, ")
    assert ") changed after " in why
    assert "moved" not in why


def test_a_proposal_that_kept_no_subtree_says_households_left_and_a_move_is_possible(
    in_a: Engine, tmp_path: Path
) -> None:
    from doorstep.services.pairing.moves import SUBTREE_KEY

    view = propose(in_a, "A")
    with unit_of_work(in_a) as s:  # as stored before the subtree was kept
        p = s.get(PairingProposal, view.id)
        assert p is not None
        p.params = {k: v for k, v in p.params.items() if k != SUBTREE_KEY}
    areas(in_a, tmp_path, ("A1", "B"))
    why = _reason(_refusal(in_a, view.id), view.id, "A")
    assert why.startswith("2 households of the proposal left A after it was computed at ")
    assert why.endswith(" (an area may have been moved)")
