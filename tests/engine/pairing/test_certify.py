"""The certificate's scan for violating arcs: every household in turn, from where it stopped."""

from __future__ import annotations

import numpy as np

from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.certify import find_violations
from doorstep.engine.pairing.problem import BoolArray, IntArray
from doorstep.engine.pairing.scan import VisitorGrid, build_grid
from tests.engine.pairing.instances import towns


def _setup(seed: int) -> tuple[CandidateIndex, VisitorGrid, IntArray, BoolArray, BoolArray]:
    p = towns(households=700, visitors=300, seed=seed)
    index = CandidateIndex(p, 30_000.0)
    grid = build_grid(p, index.visitor_xyz, 30_000.0)
    rng = np.random.default_rng(seed)
    # Potentials that make every eligible arc on either side violate (households dear).
    pot = np.zeros(p.n_households + p.n_visitors + 2, np.int64)
    pot[: p.n_households] = 50_000
    return index, grid, pot, rng.random(p.n_households) < 0.5, rng.random(p.n_visitors) < 0.5


def _scan(seed: int, start: int, enough: int | None) -> tuple[Arcs, bool, int]:
    index, grid, pot, h_side, v_side = _setup(seed)
    return find_violations(
        index, grid, Arcs.empty(), pot, h_side, v_side, 2, enough=enough, start=start
    )


def test_a_whole_scan_finds_the_same_arcs_from_wherever_it_starts() -> None:
    whole, counted, stop = _scan(1, 0, None)
    assert counted and stop == 0 and len(whole) > 0
    for start in (1, 333, 699, 700, 1_000_000):
        again, counted, stop = _scan(1, start, None)
        assert counted
        assert set(again.keys(300).tolist()) == set(whole.keys(300).tolist())


def test_a_scan_stopped_by_its_budget_starts_where_asked_and_says_where_it_stopped() -> None:
    index, _, _, h_side, _ = _setup(2)
    p = index.problem
    wanted = p.household_consent & (p.household_languages != 0)
    order = np.r_[np.flatnonzero(wanted & h_side), np.flatnonzero(wanted & ~h_side)]
    for start in (0, 100, len(order) - 5):
        arcs, counted, stop = _scan(2, start, 0)
        assert not counted
        # One batch, the rest of the first side's run from ``start``, then it stopped.
        first_side = int((wanted & h_side).sum())
        run = order[start:] if start >= first_side else order[start:first_side]
        assert set(np.unique(arcs.household).tolist()) <= set(run.tolist())
        assert stop == (start + len(run)) % len(order)
