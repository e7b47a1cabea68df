"""A commit checks the proposal against the area as it is on the commit's date."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import Conflict
from doorstep.services import cadence, pairing
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import PairingProposal
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    exclude,
    home,
    mixed_region,
    open_pairings,
    propose,
    proposed,
    tree,
    worker,
)


@pytest.fixture
def leaving(engine: Engine, tmp_path: Path) -> Engine:
    """VLEFT, next door to H1 and H2, is active until TODAY + 5 days; VSTAY, 5.5 km away,
    stays. The programme visits every 3 days, so VLEFT is not about to leave (a visitor
    leaving within that takes no new households) and a proposal for TODAY gives both
    households to VLEFT."""
    tree(engine, tmp_path)
    with unit_of_work(engine) as s:
        cadence.set_cadence(s, max_gap_days=3, stay_days=1, actor="test", today=TODAY)
    vv = [
        worker(visitor_id="VLEFT", capacity=3, active_to=str(TODAY + dt.timedelta(days=5))),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    hh = [home(household_id="H1", lat=51.501), home(household_id="H2", lat=51.502)]
    add(engine, tmp_path, "households", hh)
    return engine


def test_a_proposal_made_before_a_visitor_left_is_stale_once_they_have_left(
    leaving: Engine,
) -> None:
    view = propose(leaving, "A")
    assert proposed(leaving, view.id) == {"H1": "VLEFT", "H2": "VLEFT"}
    later = TODAY + dt.timedelta(days=10)
    with pytest.raises(Conflict) as refused:
        commit(leaving, view.id, today=later)
    message = str(refused.value)
    assert f"proposal {view.id} is stale" in message
    assert f"on {later} visitor VLEFT is not active" in message
    assert "changed after it was computed" not in message  # nothing else changed
    assert open_pairings(leaving) == []
    # Proposed again on that day, VSTAY takes them.
    again = propose(leaving, "A", today=later)
    commit(leaving, again.id, today=later)
    assert open_pairings(leaving) == [("VSTAY", "H1"), ("VSTAY", "H2")]


def test_a_proposal_committed_on_a_later_day_that_changed_nobody_commits(
    leaving: Engine,
) -> None:
    # Two days on VLEFT is active and not yet leaving (their last day is 3 days off, not
    # fewer): nobody changed. (Five days on, their last day, they are leaving, and a
    # commit that gave them two new households is refused: test_leaving_stale.py.)
    view = propose(leaving, "A")
    assert commit(leaving, view.id, today=TODAY + dt.timedelta(days=2))["started"] == 2


def test_a_commit_without_a_date_checks_against_the_real_date(
    engine: Engine, tmp_path: Path
) -> None:
    # /tmp/adv_work/db2: computed ten days ago, the visitor left five days ago.
    real = dt.date.today()
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", capacity=3, active_to=str(real - dt.timedelta(days=5))),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    view = propose(engine, "A", today=real - dt.timedelta(days=10))
    with unit_of_work(engine) as s, pytest.raises(Conflict, match="visitor VLEFT is not active"):
        pairing.commit(s, view.id, actor="test")
    assert open_pairings(engine) == []


def test_a_stale_message_names_both_a_visitor_who_left_and_other_changes(
    leaving: Engine, tmp_path: Path
) -> None:
    view = propose(leaving, "A")
    add(leaving, tmp_path, "households", [home(household_id="H3", lat=51.503)])
    with pytest.raises(Conflict) as refused:
        commit(leaving, view.id, today=TODAY + dt.timedelta(days=10))
    assert "visitor VLEFT is not active" in str(refused.value)
    assert "changed after it was computed" in str(refused.value)


def test_a_household_with_two_open_pairings_is_a_clear_error_not_a_traceback(
    leaving: Engine,
) -> None:
    commit(leaving, propose(leaving, "A").id)
    # What two unlocked commits could leave behind: a second open pairing of H1.
    with leaving.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, :on FROM visitors v, households h "
                "WHERE v.external_id = 'VSTAY' AND h.external_id = 'H1'"
            ),
            {"on": TODAY},
        )
    with pytest.raises(Conflict, match="household H1 of A has more than one open pairing"):
        propose(leaving, "A")


def _digest_kept_matches_a_fresh_read(engine: Engine, proposal_id: int, max_km: float) -> None:
    """The digest a commit keeps (computed without reading the area again) is the one the
    area gives when read right after it."""
    with unit_of_work(engine) as s:
        kept = s.get(PairingProposal, proposal_id)
        assert kept is not None and kept.status == "committed"
        fresh = pairing.load_scope(s, "A", today=TODAY, max_m=max_km * 1000).digest
        assert kept.params[pairing.DIGEST_AFTER_COMMIT] == fresh


def test_the_digest_a_commit_keeps_is_the_area_as_it_left_it(
    engine: Engine, tmp_path: Path
) -> None:
    # VF (20 km north) takes the households VN has no room for at 30 km; at 5 km it is out
    # of reach, so once its pairs end it is no longer considered. R1 travels in the pool
    # CITY that H3 names; R2's pool is named by nobody; VN may not visit H1, nor VF H2.
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VN", capacity=2),
        worker(visitor_id="VF", lat=51.68, capacity=5),
        worker(visitor_id="VB", home_area_code="B1", lat=51.60, capacity=1),
        {**worker(visitor_id="R1", lat=53.0, capacity=1), "remote_pool": "CITY"},
        {**worker(visitor_id="R2", lat=53.0, capacity=1), "remote_pool": "OTHER"},
    ]
    add(engine, tmp_path, "visitors", vv, extra=["remote_pool"])
    hh = [
        {**home(household_id=f"H{i}", lat=51.50 + i / 1000), "remote_pool": ""} for i in range(1, 7)
    ]
    hh[2]["remote_pool"] = "CITY"
    hh[5]["area_code"] = "A2"
    add(engine, tmp_path, "households", hh, extra=["remote_pool"])
    exclude(engine, "v.external_id || h.external_id IN ('VNH1', 'VFH2')")
    first = propose(engine, "A")
    commit(engine, first.id)
    assert {v for v, _ in open_pairings(engine)} == {"VB", "VF", "VN"}
    _digest_kept_matches_a_fresh_read(engine, first.id, 30.0)
    second = propose(engine, "A", max_km=5.0)
    commit(engine, second.id)
    assert not any(v == "VF" for v, _ in open_pairings(engine))
    _digest_kept_matches_a_fresh_read(engine, second.id, 5.0)
    with unit_of_work(engine) as s:
        considered = pairing.load_scope(s, "A", today=TODAY, max_m=5_000.0).visitors
    assert "VF" not in considered["external_id"].to_list()
    assert "R1" in considered["external_id"].to_list()


class _Heard:
    """A progress that records what it hears: each stage with its total and its advances."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, int, int]] = []

    def stage(self, name: str, total: int) -> None:
        self.stages.append((name, total, 0))

    def advance(self, amount: int = 1) -> None:
        name, total, done = self.stages[-1]
        self.stages[-1] = (name, total, done + amount)


def test_propose_commit_and_explain_report_each_step_to_the_progress(
    leaving: Engine,
) -> None:
    heard = _Heard()
    with unit_of_work(leaving) as s:
        view = pairing.propose(
            s, "A", params=PairingParams(), actor="test", today=TODAY, progress=heard
        )
    assert heard.stages[0] == ("reading area A", 1, 1)
    assert heard.stages[-1] == ("storing 2 proposed pairs", 2, 2)
    assert len(heard.stages) > 2  # the engine's own stages in between
    heard = _Heard()
    with unit_of_work(leaving) as s:
        pairing.commit(s, view.id, actor="test", today=TODAY, progress=heard)
    assert heard.stages == [
        ("reading area A", 1, 1),
        ("ending 0 pairings", 1, 1),
        ("starting 2 pairings", 2, 2),
    ]
    heard = _Heard()
    with unit_of_work(leaving) as s:
        pairing.explain_household(s, "H1", actor="test", today=TODAY, progress=heard)
    # Nothing changed since the commit: only what the household is near is read.
    assert heard.stages == [("reading what H1 is near in area A", 1, 1)]
    with unit_of_work(leaving) as s:
        s.execute(text("UPDATE households SET lat = lat + 0.001 WHERE external_id = 'H2'"))
    heard = _Heard()
    with unit_of_work(leaving) as s:
        pairing.explain_household(s, "H1", actor="test", today=TODAY, progress=heard)
    assert heard.stages == [("reading area A", 1, 1)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_digest_matches_a_fresh_read_after_random_commits(
    engine: Engine, tmp_path: Path, seed: int
) -> None:
    # Random villages' households and visitors (some far, some in pools, some inactive,
    # some serving one county), exclusions, and commits over areas at various reaches; after
    # each, the kept digest against a fresh read, and explain does not call it stale.
    rng = random.Random(seed)
    mixed_region(engine, tmp_path, rng, seed)
    for area, km in [("B1", 30.0), ("A", rng.choice([5.0, 30.0])), ("R", 3.0), ("A", 20.0)]:
        view = propose(engine, area, max_km=km)
        commit(engine, view.id)
        with unit_of_work(engine) as s:
            kept = s.get(PairingProposal, view.id)
            assert kept is not None
            fresh = pairing.load_scope(s, area, today=TODAY, max_m=km * 1000).digest
            assert kept.params[pairing.DIGEST_AFTER_COMMIT] == fresh, (seed, area, km)
            some = next(iter(proposed(engine, view.id)))
            assert not pairing.explain_household(
                s, some, actor="test", proposal_id=view.id, today=TODAY
            ).stale
