from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.cut import maximum_pairing
from doorstep.engine.pairing.problem import NONE, PairingProblem
from doorstep.engine.pairing.scan import build_grid
from tests.engine.pairing.instances import towns
from tests.engine.pairing.test_solve import problems

MAX_M = 30_000.0


def eligible_arcs(p: PairingProblem) -> tuple[np.ndarray, np.ndarray]:
    """Every eligible (household, visitor) pair, by brute force."""
    h = np.repeat(np.arange(p.n_households), p.n_visitors)
    v = np.tile(np.arange(p.n_visitors), p.n_households)
    hlat, hlon = p.household_lat[h], p.household_lon[h]
    d = np.rint(haversine_m_array(hlat, hlon, p.visitor_lat[v], p.visitor_lon[v]))
    ok = p.eligible(h, v) & ((d <= MAX_M) | (p.visitor_pool[v] != NONE))
    return h[ok], v[ok]


def scipy_max_flow(p: PairingProblem) -> int:
    """The most households that can be paired, by an independent max-flow solver."""
    nh, nv = p.n_households, p.n_visitors
    h, v = eligible_arcs(p)
    source, sink = nh + nv, nh + nv + 1
    cap = np.where(p.visitor_active, p.visitor_capacity, 0)
    rows = np.concatenate((np.full(nh, source), h, nh + np.arange(nv)))
    cols = np.concatenate((np.arange(nh), nh + v, np.full(nv, sink)))
    vals = np.concatenate((np.ones(nh), np.ones(len(h)), cap)).astype(np.int32)
    graph = csr_matrix((vals, (rows, cols)), shape=(nh + nv + 2, nh + nv + 2))
    return int(maximum_flow(graph, source, sink).flow_value)


def check(p: PairingProblem) -> None:
    index = CandidateIndex(p, MAX_M)
    most = maximum_pairing(index, build_grid(p, index.visitor_xyz, MAX_M))
    assert most.paired == scipy_max_flow(p)
    paired = np.flatnonzero(most.visitor >= 0)
    h, v = eligible_arcs(p)
    keys = set(zip(h.tolist(), v.tolist(), strict=True))
    assert all((x, int(most.visitor[x])) in keys for x in paired.tolist())
    load = np.bincount(most.visitor[paired], minlength=p.n_visitors)
    assert (load <= np.where(p.visitor_active, p.visitor_capacity, 0)).all()
    # The cut: every unpaired consenting household is inside it, every visitor inside is
    # full, and no eligible arc leads from a household inside to a visitor outside (that could
    # take anyone).
    free = p.household_consent & (p.household_languages != 0) & (most.visitor < 0)
    assert most.household_side[free].all()
    inside = most.visitor_side
    assert (load[inside] == p.visitor_capacity[inside]).all()
    open_ = p.visitor_capacity[v] > 0
    assert not (most.household_side[h] & ~inside[v] & open_).any()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_count_and_the_cut_agree_with_an_independent_max_flow(p: PairingProblem) -> None:
    check(p)


@pytest.mark.parametrize(("seed", "skew"), [(1, 0.3), (2, 1.5), (3, 0.8)])
def test_capacity_moves_between_towns_over_every_eligible_arc(seed: int, skew: float) -> None:
    # Towns short of visitors, a minority language: the maximum needs long chains of moves.
    check(towns(households=600, visitors=260, seed=seed, skew=skew, spread_km=40))


def test_a_starting_pairing_is_kept_valid_and_completed() -> None:
    p = towns(households=300, visitors=150, seed=4, skew=1.0, spread_km=40)
    index = CandidateIndex(p, MAX_M)
    grid = build_grid(p, index.visitor_xyz, MAX_M)
    first = maximum_pairing(index, grid)
    start = first.visitor.copy()
    start[::3] = NONE
    again = maximum_pairing(index, grid, start)
    assert again.paired == first.paired == scipy_max_flow(p)
    bad = start.copy()
    bad[:] = 0  # everyone on visitor 0: over capacity
    with pytest.raises(ValueError, match="capacity"):
        maximum_pairing(index, grid, bad)
