"""`pair explain` reads the area as `pair commit` would: as of today, saying when it is stale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import add, commit, home, propose, tree, worker

REAL_TODAY = dt.date.today()
YESTERDAY = REAL_TODAY - dt.timedelta(days=1)


def leave_yesterday(engine: Engine, tmp_path: Path) -> Engine:
    """VLEFT, next door to H1, was active until yesterday; VSTAY, 5.5 km away, stays. VLEFT
    looks after H1 since a commit 100 days before (when their last day was not near: a
    visitor about to leave takes no new household), so a proposal made yesterday keeps H1
    with VLEFT."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", capacity=3, active_to=str(YESTERDAY)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    before = YESTERDAY - dt.timedelta(days=100)
    commit(engine, propose(engine, "A", today=before).id, today=before)
    return engine


@pytest.fixture
def left_yesterday(engine: Engine, tmp_path: Path) -> Engine:
    return leave_yesterday(engine, tmp_path)


def _commit_refusal(engine: Engine, proposal_id: int) -> str:
    with unit_of_work(engine) as s, pytest.raises(Conflict) as refused:
        pairing.commit(s, proposal_id, actor="test")
    return str(refused.value)


def test_explain_calls_a_proposal_stale_for_the_reason_commit_refuses_it(
    left_yesterday: Engine,
) -> None:
    view = propose(left_yesterday, "A", today=YESTERDAY)
    with unit_of_work(left_yesterday) as s:
        out = pairing.explain_household(s, "H1", actor="test")
    assert out.explanation.visitor_id == "VLEFT"  # the proposal's pair, as proposed
    assert out.stale is True
    reason = _commit_refusal(left_yesterday, view.id)
    assert f"on {REAL_TODAY} visitor VLEFT is not active" in reason
    assert out.stale_reason == reason
    # The alternatives are today's: VSTAY has room and is active.
    assert [(a.visitor_id, a.why.value) for a in out.explanation.alternatives] == [
        ("VSTAY", "farther")
    ]


def test_explain_as_of_a_given_day_agrees_with_commit_on_that_day(
    left_yesterday: Engine,
) -> None:
    view = propose(left_yesterday, "A", today=YESTERDAY)
    with unit_of_work(left_yesterday) as s:
        same_day = pairing.explain_household(s, "H1", actor="test", today=YESTERDAY)
    assert (same_day.stale, same_day.stale_reason) == (False, None)
    with unit_of_work(left_yesterday) as s:
        done = pairing.commit(s, view.id, actor="test", today=YESTERDAY)
    assert (done["started"], done["kept"]) == (0, 1)  # VLEFT keeps H1 until they leave


def test_explain_after_a_commit_names_a_visitor_who_left_since(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    ends = dt.date(2026, 6, 5)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VLEFT", active_to=str(ends))])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    committed_on = dt.date(2026, 6, 1)
    view = propose(engine, "A", today=committed_on)
    with unit_of_work(engine) as s:
        pairing.commit(s, view.id, actor="test", today=committed_on)
    with unit_of_work(engine) as s:
        before = pairing.explain_household(s, "H1", actor="test", today=ends)
        after = pairing.explain_household(s, "H1", actor="test", today=dt.date(2026, 6, 6))
    assert (before.stale, before.stale_reason) == (False, None)
    assert after.stale is True
    assert after.stale_reason == (
        f"area A changed after proposal {view.id} was committed: it was committed on "
        f"2026-06-01, and on 2026-06-06 visitor VLEFT is not active (active_to {ends})"
    )
