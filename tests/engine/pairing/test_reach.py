from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.graph import EligibilityGraph, live_cells, next_live
from doorstep.engine.pairing.problem import NONE, PairingProblem
from doorstep.engine.pairing.reach import RoomDistances
from doorstep.engine.pairing.scan import build_grid
from tests.engine.pairing.instances import towns
from tests.engine.pairing.test_cut import MAX_M, eligible_arcs
from tests.engine.pairing.test_solve import problems


def some_pairing(p: PairingProblem, rng: np.random.Generator) -> np.ndarray:
    """A random valid pairing over the eligible arcs (eligible, within capacity)."""
    h, v = eligible_arcs(p)
    room = np.where(p.visitor_active, p.visitor_capacity, 0).astype(np.int64)
    match = np.full(p.n_households, NONE, np.int64)
    for i in rng.permutation(len(h)):
        if match[h[i]] == NONE and room[v[i]] > 0 and rng.random() < 0.7:
            match[h[i]] = v[i]
            room[v[i]] -= 1
    return match


def expected_distances(p: PairingProblem, match: np.ndarray) -> np.ndarray:
    """Residual steps to a visitor with room, by scipy on the residual graph, built by brute
    force (households 0..nh-1, visitors nh.., one sink after them; -1 for no path)."""
    nh, nv = p.n_households, p.n_visitors
    h, v = eligible_arcs(p)
    wanted = p.household_consent & (p.household_languages != 0)
    keep = wanted[h] & (match[h] != v)
    paired = np.flatnonzero(match >= 0)
    cap = np.where(p.visitor_active, p.visitor_capacity, 0)
    load = np.bincount(match[paired], minlength=nv)
    room = np.flatnonzero(load < cap)
    sink = nh + nv
    # Reversed arcs, so a search from the sink gives each node's distance to it.
    rows = np.concatenate((nh + v[keep], paired, np.full(len(room), sink)))
    cols = np.concatenate((h[keep], nh + match[paired], nh + room))
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(sink + 1, sink + 1))
    dist = shortest_path(graph, unweighted=True, indices=sink)
    out = np.where(np.isfinite(dist), dist - 1, -1).astype(np.int64)
    return out[:sink]


def check(p: PairingProblem, seed: int) -> np.ndarray:
    index = CandidateIndex(p, MAX_M)
    graph = EligibilityGraph(index, build_grid(p, index.visitor_xyz, MAX_M))
    relabel = RoomDistances(graph)
    rng = np.random.default_rng(seed)
    nh = p.n_households
    wanted = p.household_consent & (p.household_languages != 0)
    # Twice with one search object, as the push-relabel search calls it: what a search
    # strikes from its grid (cells emptied included) must not carry over to the next.
    for _ in range(2):
        pairing = graph.slots(some_pairing(p, rng))
        dist_h, dist_v = relabel(graph.capacity, pairing.load, pairing.match)
        want = expected_distances(p, pairing.match)
        assert dist_h[wanted].tolist() == want[:nh][wanted].tolist()
        assert dist_v.tolist() == want[nh:].tolist()
    return np.asarray(dist_h[wanted & (pairing.match < 0)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 2**16))
def test_distances_to_room_agree_with_a_search_of_the_residual_graph(
    p: PairingProblem, seed: int
) -> None:
    check(p, seed)


def test_distances_across_towns_short_of_visitors() -> None:
    # Long chains of moves: many households several steps from room, some with no path.
    p = towns(households=600, visitors=260, seed=5, skew=1.5, spread_km=40)
    free = check(p, 1)
    assert (free == -1).any() and len(set(free[free > 0].tolist())) >= 3


def test_live_cells_skip_emptied_cells_to_the_next_that_may_hold_some() -> None:
    # Two languages over five cells: cell 1 holds an item of language 0, cell 3 of language 1
    # (keys: language 0 in cells 1 and 3, then language 1 in them).
    start = np.array([0, 1, 1, 1, 2], np.int64)
    live = live_cells(start, np.array([-1, 0, -1, 1, -1], np.int64), 2)
    assert live.ends.tolist() == start[1:].tolist()
    assert live.remaining.tolist() == [0, 1, 0, 1, 0]
    skip = live.skip
    assert [next_live(skip, c) for c in range(6)] == [1, 1, 3, 3, 5, 5]
    skip[1] = 2  # cell 1 emptied by a search
    assert next_live(skip, 0) == 3
    assert skip[0] == 3  # the path followed now points at the answer
