"""Two commits at once: the check that a proposal is not stale and its writes are one step.

Each commit runs in its own thread with its own engine (its own connections), as two
`doorstep pair commit` processes would; a barrier starts them together. Without the commit's
lock both read the area before either writes, both pass the staleness check and a shared
visitor ends over capacity (or, for nested areas, a household with two open pairings).
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import make_engine, unit_of_work
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    home,
    open_pairings,
    propose,
    tree,
    worker,
)

#: Races per test: one lucky interleaving must not let a broken lock pass.
REPEATS = 4


@pytest.fixture
def shared(engine: Engine, tmp_path: Path) -> Engine:
    """Visitor V (capacity 3) between villages A1 and B1, already looking after HB0 of B1,
    and two new households in each village: A's and B's proposals both give V two more."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", lat=51.55, capacity=3)])
    add(engine, tmp_path, "households", [home(household_id="HB0", area_code="B1", lat=51.56)])
    commit(engine, propose(engine, "R").id)
    new = [
        home(household_id="HA1", lat=51.551),
        home(household_id="HA2", lat=51.552),
        home(household_id="HB1", area_code="B1", lat=51.561),
        home(household_id="HB2", area_code="B1", lat=51.562),
    ]
    add(engine, tmp_path, "households", new)
    return engine


def _race(db_url: str, proposals: tuple[int, int]) -> list[object]:
    """Commit both proposals at the same moment; each one's outcome: "committed" or the error."""
    engines = [make_engine(db_url) for _ in proposals]
    for eng in engines:  # connect first, so the barrier releases two ready commits
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
    barrier = threading.Barrier(len(proposals))
    outcomes: list[object] = [None] * len(proposals)

    def run(i: int) -> None:
        try:
            barrier.wait()
            with unit_of_work(engines[i]) as s:
                pairing.commit(s, proposals[i], actor=f"thread {i}", today=TODAY)
            outcomes[i] = "committed"
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(proposals))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for eng in engines:
        eng.dispose()
    return outcomes


def _undo_commits(engine: Engine, keep: int) -> None:
    """Back to the state before the race: only the pairings of proposal ``keep`` stay."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM pairings WHERE proposal_id <> :p"), {"p": keep})


def _assert_one_committed_one_stale(outcomes: list[object], engine: Engine) -> None:
    committed = [o for o in outcomes if o == "committed"]
    refused = [o for o in outcomes if o != "committed"]
    assert len(committed) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], Conflict), outcomes
    assert "is stale" in str(refused[0])
    pairs = open_pairings(engine)
    assert max(Counter(v for v, _ in pairs).values()) <= 3, pairs
    assert max(Counter(h for _, h in pairs).values()) == 1, pairs


@pytest.mark.parametrize("areas", [("A", "B"), ("A", "R")], ids=["siblings", "nested"])
def test_of_two_conflicting_commits_at_once_one_commits_and_the_other_is_stale(
    shared: Engine, db_url: str, areas: tuple[str, str]
) -> None:
    # Siblings: A and B share V. Nested: R holds A, so both propose A's households.
    for _ in range(REPEATS):
        first, second = (propose(shared, a).id for a in areas)
        outcomes = _race(db_url, (first, second))
        _assert_one_committed_one_stale(outcomes, shared)
        _undo_commits(shared, keep=1)


def test_the_same_proposal_committed_twice_at_once_commits_once(
    shared: Engine, db_url: str
) -> None:
    for _ in range(REPEATS):
        pid = propose(shared, "A").id
        outcomes = _race(db_url, (pid, pid))
        assert outcomes.count("committed") == 1, outcomes
        refused = next(o for o in outcomes if o != "committed")
        assert isinstance(refused, Conflict) and "is committed" in str(refused), outcomes
        assert len(open_pairings(shared)) == 3
        _undo_commits(shared, keep=1)
