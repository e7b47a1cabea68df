"""An import of pairing inputs and a `pair commit` take the same lock: they never interleave.

Without it, on PostgreSQL, an import committing between a commit's staleness check and its
writes goes unseen: the commit pairs a household with a visitor as the proposal had them,
though the import just changed them. Each side runs in its own thread with its own engine,
as two `doorstep` processes would; one holds its transaction open while the test checks that
the other waits, then lets it finish.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.services.importing import import_file
from doorstep.storage.session import unit_of_work
from tests.factories.files import VISITOR_HEADER, write_csv
from tests.factories.sides import Side
from tests.services.pairing.tree import TODAY, add, home, open_pairings, propose, tree, worker


@pytest.fixture
def one_pair(engine: Engine, tmp_path: Path) -> Engine:
    """V (capacity 1) next door to H1: a proposal for A pairs them."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=1)])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    return engine


def _retire_v(tmp_path: Path) -> Path:
    """A visitors file that ends V's service the day before the commit."""
    row = worker(visitor_id="V", capacity=1, active_to="2026-05-31")
    return write_csv(tmp_path / "retire.csv", VISITOR_HEADER, [row])


def _commit(proposal_id: int) -> Callable[[Engine], object]:
    def job(engine: Engine) -> object:
        with unit_of_work(engine) as s:
            return pairing.commit(s, proposal_id, actor="committer", today=TODAY)

    return job


def test_an_import_waits_for_a_commit_holding_the_lock(
    one_pair: Engine, db_url: str, tmp_path: Path
) -> None:
    pid = propose(one_pair, "A").id
    path = _retire_v(tmp_path)

    def run_import(engine: Engine) -> object:
        with unit_of_work(engine) as s:
            return import_file(s, "visitors", path, actor="importer")

    importer = Side(db_url, run_import)
    with unit_of_work(one_pair) as s:
        pairing.commit(s, pid, actor="test", today=TODAY)
        waited = importer.waits()
    importer.join(60)
    assert waited, f"the import did not wait for the commit's lock: {importer.outcome}"
    assert importer.outcome == "done"
    # In this order: the pair was made while V was active, then V was retired.
    assert open_pairings(one_pair) == [("V", "H1")]


def test_a_commit_waits_for_an_import_holding_the_lock_then_finds_it_stale(
    one_pair: Engine, db_url: str, tmp_path: Path
) -> None:
    pid = propose(one_pair, "A").id
    committer = Side(db_url, _commit(pid))
    waited: list[bool] = []

    def written(stage: str, _done: int, _total: int) -> None:
        # The import has written V's end (not yet committed): the commit must wait for it.
        if stage == "done":
            waited.append(committer.waits())

    with unit_of_work(one_pair) as s:
        import_file(s, "visitors", _retire_v(tmp_path), actor="importer", progress=written)
    committer.join(60)
    assert waited == [True], f"the commit did not wait for the import: {committer.outcome}"
    assert isinstance(committer.outcome, Conflict), committer.outcome
    assert f"proposal {pid} is stale" in str(committer.outcome)
    assert open_pairings(one_pair) == []


def test_a_commit_waits_for_an_exclusions_import_then_finds_its_pair_excluded_and_stale(
    one_pair: Engine, db_url: str, tmp_path: Path
) -> None:
    pid = propose(one_pair, "A").id
    committer = Side(db_url, _commit(pid))
    waited: list[bool] = []

    def written(stage: str, _done: int, _total: int) -> None:
        if stage == "done":  # H1 and V excluded, not yet committed
            waited.append(committer.waits())

    path = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id"], [["H1", "V"]])
    with unit_of_work(one_pair) as s:
        import_file(s, "exclusions", path, actor="importer", progress=written)
    committer.join(60)
    assert waited == [True], f"the commit did not wait for the import: {committer.outcome}"
    assert isinstance(committer.outcome, Conflict), committer.outcome
    assert f"proposal {pid} is stale" in str(committer.outcome)
    assert open_pairings(one_pair) == []
