from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from doorstep.engine.pairing.flow import Chunk, solve_chunk, unit_costs


@st.composite
def chunks(draw: st.DrawFn) -> Chunk:
    """Random parts with households fewer or more than the places, some costs negative (as
    continuity makes them), with or without balance."""
    nh = draw(st.integers(1, 12))
    nv = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    capacity = rng.integers(0, 4, nv).astype(np.int32)
    allowed = rng.random((nh, nv)) < draw(st.sampled_from([0.3, 0.7, 1.0]))
    h, v = np.nonzero(allowed)
    costs = rng.integers(-2_000, 30_000, len(h))
    balance_m = draw(st.sampled_from([0, 700, 6_000]))
    return Chunk(nh, h.astype(np.int64), v.astype(np.int64), costs, capacity, balance_m)


def best(chunk: Chunk) -> tuple[int, int]:
    """``(paired, cost)`` of the lexicographic optimum by brute force: one column per place,
    a private "unpaired" column per household, pairs rewarded above any total cost."""
    nh = chunk.n_households
    reward = 10**9
    columns: list[np.ndarray] = []
    for v, cap in enumerate(chunk.capacity):
        for load in range(1, min(int(cap), nh) + 1):
            col = np.full(nh, 10 * reward, np.int64)
            extra = int(unit_costs(chunk.balance_m, np.array([load]))[0])
            here = chunk.heads == v
            col[chunk.tails[here]] = chunk.costs[here] + extra - reward
            columns.append(col)
    unpaired = np.where(np.eye(nh, dtype=np.bool_), 0, 10 * reward)
    matrix = np.column_stack([*columns, unpaired])
    rows, cols = linear_sum_assignment(matrix)
    picked = matrix[rows, cols]
    pairs = picked < 0
    return int(pairs.sum()), int((picked[pairs] + reward).sum())


@settings(max_examples=300, deadline=None)
@given(chunks())
def test_a_chunk_is_solved_to_its_optimum_whichever_side_the_flow_runs_from(chunk: Chunk) -> None:
    flows = solve_chunk(chunk)
    nh = chunk.n_households
    loads = np.bincount(chunk.heads[flows], minlength=len(chunk.capacity))
    assert (loads <= chunk.capacity).all()
    assert (np.bincount(chunk.tails[flows], minlength=nh) <= 1).all()
    cost = int(chunk.costs[flows].sum())
    cost += sum(int(unit_costs(chunk.balance_m, np.arange(1, n + 1)).sum()) for n in loads)
    assert (int(flows.sum()), cost) == best(chunk)
