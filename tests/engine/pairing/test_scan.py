"""The certificate's grid scan finds each household's most violated arcs, as brute force does."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.problem import NONE, PairingProblem
from doorstep.engine.pairing.scan import build_grid, scan
from tests.engine.pairing.instances import towns
from tests.engine.pairing.test_cut import MAX_M, eligible_arcs
from tests.engine.pairing.test_solve import problems


def scores_by_household(
    p: PairingProblem, h: np.ndarray, v: np.ndarray, pot: np.ndarray
) -> dict[int, list[int]]:
    """The scan's score of each arc (``round(d) - 1 + pi(v) - pi(h)``), sorted per household."""
    lat, lon = p.household_lat[h], p.household_lon[h]
    d = np.rint(haversine_m_array(lat, lon, p.visitor_lat[v], p.visitor_lon[v])).astype(np.int64)
    score = d - 1 + pot[p.n_households + v] - pot[h]
    out: dict[int, list[int]] = {}
    for hh, s in zip(h.tolist(), score.tolist(), strict=True):
        out.setdefault(hh, []).append(s)
    return {hh: sorted(s) for hh, s in out.items()}


def check(p: PairingProblem, pot: np.ndarray, slots: int) -> None:
    index = CandidateIndex(p, MAX_M)
    grid = build_grid(p, index.visitor_xyz, MAX_M)
    wanted = np.flatnonzero(p.household_consent & (p.household_languages != 0))
    h, v = scan(
        p,
        grid,
        index.household_xyz,
        index.visitor_xyz,
        wanted,
        pot=pot,
        max_m=MAX_M,
        slots=slots,
    )
    assert len(set(zip(h.tolist(), v.tolist(), strict=True))) == len(h)
    eh, ev = eligible_arcs(p)
    # Remote pools are never pruned and a visitor without places takes no arc.
    local = (p.visitor_pool[ev] == NONE) & (p.visitor_capacity[ev] > 0)
    eh, ev = eh[local], ev[local]
    expected = scores_by_household(p, eh, ev, pot)
    got = scores_by_household(p, h, v, pot)
    for household in wanted.tolist():
        violated = [s for s in expected.get(household, []) if s < 0]
        assert got.get(household, []) == violated[:slots], household


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_scan_keeps_the_most_violated_arcs(p: PairingProblem, slots: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pot = rng.integers(0, 60_000, size=p.n_households + p.n_visitors + 2).astype(np.int64)
    check(p, pot, slots)


def test_scan_on_towns_with_spread_potentials() -> None:
    p = towns(households=600, visitors=300, seed=4)
    rng = np.random.default_rng(4)
    pot = rng.integers(0, 40_000, size=p.n_households + p.n_visitors + 2).astype(np.int64)
    for slots in (1, 5, 33):
        check(p, pot, slots)
