"""Moving an area to another parent makes the open proposals it affects stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.services.pairing.digest import FORMAT_KEY
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import PairingProposal
from tests.factories.db import run_import
from tests.factories.files import AREA_HEADER, write_csv
from tests.services.pairing.tree import (
    AREAS,
    TODAY,
    add,
    commit,
    home,
    open_pairings,
    propose,
    proposed,
    reasons,
    tree,
    worker,
)


@pytest.fixture
def served_from_b(engine: Engine, tmp_path: Path) -> Engine:
    """VB lives next door to H1 (village A1) but serves county B only, so cannot take H1."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VB", service_area_code="B")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    return engine


def _move(engine: Engine, tmp_path: Path, code: str, parent: str) -> None:
    """Re-parent area ``code`` under ``parent`` the way a user does: re-import the area."""
    row = next(a for a in AREAS if a["code"] == code) | {"parent_code": parent}
    run_import(engine, "areas", write_csv(tmp_path / "move.csv", AREA_HEADER, [row]))


def _refusal(engine: Engine, proposal_id: int) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id)
    return str(refused.value)


def test_a_move_into_a_visitors_service_area_makes_the_proposal_stale(
    served_from_b: Engine, tmp_path: Path
) -> None:
    view = propose(served_from_b, "R")
    assert reasons(served_from_b, view.id) == {"H1": "no_eligible_visitor"}
    _move(served_from_b, tmp_path, "A1", "B")  # A1 is now inside VB's service area
    message = _refusal(served_from_b, view.id)
    assert f"proposal {view.id} is stale" in message
    assert "moved to another parent" in message
    assert "households, visitors, pairings or exclusions" not in message  # nothing else did
    assert open_pairings(served_from_b) == []
    # Proposed again, VB takes H1; the commit then holds.
    again = propose(served_from_b, "R")
    assert proposed(served_from_b, again.id) == {"H1": "VB"}
    commit(served_from_b, again.id)
    assert open_pairings(served_from_b) == [("VB", "H1")]


def test_a_move_out_of_a_visitors_service_area_makes_the_proposal_stale(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", service_area_code="A")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    view = propose(engine, "R")
    assert proposed(engine, view.id) == {"H1": "VA"}
    _move(engine, tmp_path, "A1", "B")  # VA may no longer take H1
    assert "moved to another parent" in _refusal(engine, view.id)
    assert open_pairings(engine) == []


def test_a_move_elsewhere_in_the_tree_or_a_new_area_leaves_the_proposal_fresh(
    served_from_b: Engine, tmp_path: Path
) -> None:
    view = propose(served_from_b, "R")
    _move(served_from_b, tmp_path, "B1", "A")  # no household of R's sits in or under B1
    new = {"code": "A3", "name": "Village A3", "parent_code": "A", "level": "village"}
    run_import(served_from_b, "areas", write_csv(tmp_path / "new.csv", AREA_HEADER, [new]))
    assert commit(served_from_b, view.id)["started"] == 0


def test_a_move_that_takes_households_out_of_the_area_is_named_as_one(
    served_from_b: Engine, tmp_path: Path
) -> None:
    view = propose(served_from_b, "A")
    _move(served_from_b, tmp_path, "A1", "B")  # H1 is no longer in A
    message = _refusal(served_from_b, view.id)
    assert "area A1 was moved out of A after it was computed at " in message
    assert "households, visitors, pairings or exclusions" not in message
    # More cases: test_area_move_across.py


def test_a_household_in_an_area_that_had_none_is_not_called_a_move(
    served_from_b: Engine, tmp_path: Path
) -> None:
    view = propose(served_from_b, "R")
    add(served_from_b, tmp_path, "households", [home(household_id="H2", area_code="A2")])
    message = _refusal(served_from_b, view.id)
    assert "is stale: the households of R (one added or gone, " in message
    assert "moved" not in message


def test_a_proposal_from_before_the_area_tree_was_digested_is_refused_in_words(
    served_from_b: Engine,
) -> None:
    view = propose(served_from_b, "R")
    with unit_of_work(served_from_b) as s:  # as an earlier version of doorstep stored it
        p = s.get(PairingProposal, view.id)
        assert p is not None
        p.params = {k: v for k, v in p.params.items() if k != FORMAT_KEY}
    message = _refusal(served_from_b, view.id)
    assert message == (
        f"proposal {view.id} is stale: it was computed by an earlier version of doorstep, "
        "whose digest of its inputs did not cover the area tree; "
        "run `doorstep pair --area R` again"
    )


def test_explain_after_a_commit_says_an_area_moved_since(
    served_from_b: Engine, tmp_path: Path
) -> None:
    view = propose(served_from_b, "R")
    commit(served_from_b, view.id)
    _move(served_from_b, tmp_path, "A1", "B")
    with unit_of_work(served_from_b) as s:
        out = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    assert out.stale is True
    assert out.stale_reason == (
        f"area R changed after proposal {view.id} was committed: an area holding households "
        "of R, or an area above one, was moved to another parent after its commit (which "
        "service areas hold its households changed)"
    )
