"""`pair show` and `pair diff` check a proposal as `pair commit` would, before it is
reviewed: one commit would refuse is stale, with commit's reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, home, propose, tree, worker


@pytest.fixture
def in_a(engine: Engine, tmp_path: Path) -> Engine:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    return engine


def _shown(engine: Engine, proposal_id: int) -> tuple[pairing.ProposalView, pairing.PairDiff]:
    with unit_of_work(engine) as s:
        return (
            pairing.show(s, proposal_id, actor="test"),
            pairing.diff(s, proposal_id, actor="test"),
        )


def test_show_and_diff_call_a_proposal_stale_for_the_reason_commit_refuses_it(
    in_a: Engine, tmp_path: Path
) -> None:
    view = propose(in_a, "A", today=REAL_TODAY)
    add(in_a, tmp_path, "visitors", [worker(visitor_id="V", capacity=1)])
    shown, changes = _shown(in_a, view.id)
    with unit_of_work(in_a) as s, pytest.raises(Conflict) as refused:
        pairing.commit(s, view.id, actor="test")
    assert shown.status == "open"
    assert shown.stale is True and changes.stale is True
    assert shown.stale_reason == changes.stale_reason == str(refused.value)


def test_show_and_diff_call_an_unchanged_proposal_fresh(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A", today=REAL_TODAY)
    add(in_a, tmp_path, "visitors", [worker(visitor_id="V", name="Renamed")])  # not an input
    for _ in range(2):  # the area read the first time, the kept count the second
        shown, changes = _shown(in_a, view.id)
        assert (shown.stale, shown.stale_reason) == (False, None)
        assert (changes.stale, changes.stale_reason) == (False, None)


def test_show_calls_a_superseded_proposal_stale_as_commit_does(in_a: Engine) -> None:
    first, second = propose(in_a, "A", today=REAL_TODAY), propose(in_a, "A", today=REAL_TODAY)
    with unit_of_work(in_a) as s:
        pairing.commit(s, second.id, actor="test")
    shown, changes = _shown(in_a, first.id)
    assert shown.stale is True and changes.stale is True
    assert shown.stale_reason is not None
    assert shown.stale_reason.startswith(f"proposal {first.id} is stale: it was superseded by")
