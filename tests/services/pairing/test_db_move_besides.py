"""A move that takes households out of a proposal's area (or brings some in) is named as one,
and a change besides it is named too: the move alone does not account for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, areas, commit, exclude, home, propose, worker
from tests.services.pairing.tree import tree as area_tree

CHANGED = "the households, visitors, pairings or exclusions of A changed after "


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


@pytest.fixture
def in_a(engine: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 in village A1, H3 in A2, HB in B1; V in A1 and W in A2 visit them."""
    area_tree(engine, tmp_path)
    vv = [worker(visitor_id="V", capacity=2), worker(visitor_id="W", home_area_code="A2")]
    add(engine, tmp_path, "visitors", vv)
    hh = [
        home(household_id="H1"),
        home(household_id="H2"),
        home(household_id="H3", area_code="A2", lat=51.51),
        home(household_id="HB", area_code="B1", lat=51.55),
    ]
    add(engine, tmp_path, "households", hh)
    return engine


def test_a_move_alone_is_named_alone(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"))
    message = _refusal(in_a, view.id)
    assert "area A1 was moved out of A after " in message
    assert "changed after" not in message


def test_a_consent_withdrawn_besides_a_move_out_is_named_too(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"))
    add(
        in_a, tmp_path, "households", [home(household_id="H3", area_code="A2", consent="withdrawn")]
    )
    message = _refusal(in_a, view.id)
    assert "area A1 was moved out of A after " in message
    assert CHANGED in message


def test_a_capacity_lowered_besides_a_move_in_is_named_too(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("B1", "A"))
    add(in_a, tmp_path, "visitors", [worker(visitor_id="W", home_area_code="A2", capacity=1)])
    message = _refusal(in_a, view.id)
    assert "area B1 was moved into A after " in message
    assert CHANGED in message


def test_an_exclusion_besides_a_move_is_named_too_in_explain(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    areas(in_a, tmp_path, ("A1", "B"))
    exclude(in_a, "v.external_id = 'W' AND h.external_id = 'H3'")
    with unit_of_work(in_a) as s:
        out = pairing.explain_household(s, "H3", actor="test", today=TODAY)
    assert out.stale and out.stale_reason is not None
    assert "area A1 was moved out of A after " in out.stale_reason
    assert CHANGED in out.stale_reason
    assert view.id == out.proposal.id
