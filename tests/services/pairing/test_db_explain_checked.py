"""After a write to what pairing reads, `pair explain` reads the whole area once: when that
shows the proposal still holds, the count of writes it read first is kept, and the next
explanations read only what the household is near again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.services import pairing
from doorstep.services.pairing import versions
from doorstep.services.pairing.leaving import Window
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import PairingProposal
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    home,
    propose,
    reads_of_the_area,
    tree,
    worker,
)


def _explain(engine: Engine, household: str, proposal_id: int) -> Any:
    with unit_of_work(engine) as s:
        return pairing.explain_household(
            s, household, actor="test", proposal_id=proposal_id, today=TODAY
        )


def _plain(e: Any) -> tuple[Any, ...]:
    alts = tuple((a.visitor_id, a.distance_m, a.load, a.capacity, a.why) for a in e.alternatives)
    return (e.household_id, e.visitor_id, e.distance_m, e.unpaired, alts)


@pytest.fixture
def village(engine: Engine, tmp_path: Path) -> Engine:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V1"), worker(visitor_id="V2", lat=51.52)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    return engine


@pytest.mark.parametrize("committed", [True, False])
def test_a_write_elsewhere_sends_explain_to_the_area_once(
    village: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, committed: bool
) -> None:
    view = propose(village, "A")
    if committed:
        commit(village, view.id)
    read = reads_of_the_area(monkeypatch)
    first = _explain(village, "H1", view.id)
    assert read == []
    # A visitor far from A: counted as a write, but nothing A's proposal rests on.
    add(village, tmp_path, "visitors", [worker(visitor_id="VFAR", home_area_code="", lat=10.0)])
    second = _explain(village, "H1", view.id)
    assert read == ["A"] and second.stale is False
    third = _explain(village, "H1", view.id)
    fourth = _explain(village, "H2", view.id)
    assert read == ["A"]  # the area was read once, not for every explanation
    assert third.stale is fourth.stale is False
    assert _plain(first.explanation) == _plain(second.explanation) == _plain(third.explanation)


def test_a_stale_proposal_is_read_whole_every_time(
    village: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = propose(village, "A")
    add(village, tmp_path, "visitors", [worker(visitor_id="V2", lat=51.52, capacity=5)])
    read = reads_of_the_area(monkeypatch)
    assert _explain(village, "H1", view.id).stale
    assert _explain(village, "H1", view.id).stale
    assert read == ["A", "A"]


def test_a_check_of_an_open_proposal_does_not_overwrite_its_commit(village: Engine) -> None:
    view = propose(village, "A")
    with unit_of_work(village) as s:
        seen = s.get(PairingProposal, view.id)
        assert seen is not None and seen.status == "open"
        commit(village, view.id)  # another command commits it meanwhile
        versions.checked(s.connection(), seen, 10**6, Window(TODAY, 60))
    with unit_of_work(village) as s:
        now = s.get(PairingProposal, view.id)
        assert now is not None and now.status == "committed"
        assert now.params[versions.WRITES_KEY] != 10**6
        assert versions.WRITES_AFTER_COMMIT in now.params
