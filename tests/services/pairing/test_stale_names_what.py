"""A proposal refused as stale says which of its inputs changed: its households, the
visitors in reach, or the exclusions between them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from tests.services.pairing.tree import add, commit, exclude, home, propose, tree, worker

HOUSEHOLDS = "the households of A (one added or gone, "
VISITORS = "the visitors in reach of A (one added or gone, "
EXCLUSIONS = (
    "the exclusions between the households of A and the visitors in reach (one added or "
    "removed) changed after "
)


@pytest.fixture
def in_a(engine: Engine, tmp_path: Path) -> Engine:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=2), worker(visitor_id="W")])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    return engine


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


def test_a_consent_withdrawn_is_a_change_of_its_households(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    add(in_a, tmp_path, "households", [home(household_id="H2", consent="withdrawn")])
    message = _refusal(in_a, view.id)
    assert HOUSEHOLDS in message
    assert VISITORS not in message and "exclusions" not in message


def test_a_visitor_given_less_capacity_is_a_change_of_the_visitors(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A")
    add(in_a, tmp_path, "visitors", [worker(visitor_id="V", capacity=1)])
    message = _refusal(in_a, view.id)
    assert VISITORS in message
    assert HOUSEHOLDS not in message


def test_an_exclusion_added_is_named_as_such(in_a: Engine) -> None:
    view = propose(in_a, "A")
    exclude(in_a, "v.external_id = 'W' AND h.external_id = 'H1'")
    message = _refusal(in_a, view.id)
    assert EXCLUSIONS in message
    assert HOUSEHOLDS not in message and VISITORS not in message


def test_a_proposal_stored_without_the_parts_says_something_changed(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A")
    with in_a.begin() as conn:  # as a proposal stored before the parts were kept
        params = conn.execute(
            text("SELECT params FROM pairing_proposals WHERE id = :id"), {"id": view.id}
        ).scalar_one()
        params = params if isinstance(params, dict) else json.loads(params)
        params.pop("input_parts")
        conn.execute(
            text("UPDATE pairing_proposals SET params = :p WHERE id = :id"),
            {"p": json.dumps(params), "id": view.id},
        )
    add(in_a, tmp_path, "households", [home(household_id="H2", consent="withdrawn")])
    assert "the households, visitors, pairings or exclusions of A changed" in _refusal(
        in_a, view.id
    )
