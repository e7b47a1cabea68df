"""One exact min-cost max-flow call with OR-Tools on a set of independent parts.

A chunk is plain numpy arrays so it can travel to a worker process or a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from doorstep.engine.pairing.problem import BoolArray, Int32Array, IntArray


@dataclass(frozen=True, eq=False)
class Chunk:
    """Arcs between local household indices ``0..n_households-1`` and local visitor indices
    ``0..n_visitors-1`` (each a part of the whole problem), with visitor capacities."""

    n_households: int
    tails: IntArray
    heads: IntArray
    costs: IntArray
    capacity: Int32Array
    balance_m: int


def unit_costs(balance_m: int, load: IntArray) -> IntArray:
    """Marginal balance cost of a visitor's ``load``-th household: ``balance_m * (2 load - 1)``."""
    return np.asarray(balance_m * (2 * load - 1), dtype=np.int64)


def solve_chunk(chunk: Chunk) -> BoolArray:
    """Pair as many households as possible, then at least total cost; return arc flows.

    Raises
    ------
    RuntimeError
        If OR-Tools does not report an optimum (a bug: the problem is always feasible).
    """
    nh = chunk.n_households
    nv = len(chunk.capacity)
    sink = nh + nv
    smcf = min_cost_flow.SimpleMinCostFlow()
    n_arcs = len(chunk.tails)
    smcf.add_arcs_with_capacity_and_unit_cost(
        chunk.tails, chunk.heads + nh, np.ones(n_arcs, np.int64), chunk.costs
    )
    visitors = np.arange(nv, dtype=np.int64)
    # No visitor takes more than the chunk's households: with balance a place is an arc.
    cap = np.minimum(chunk.capacity, nh).astype(np.int64)
    if chunk.balance_m == 0:
        smcf.add_arcs_with_capacity_and_unit_cost(
            visitors + nh, np.full(nv, sink, np.int64), cap, np.zeros(nv, np.int64)
        )
    else:
        # Convex caseload cost: one unit arc per place, increasingly dear.
        v = np.repeat(visitors, cap)
        load = np.arange(len(v)) - np.repeat(np.cumsum(cap) - cap, cap) + 1
        smcf.add_arcs_with_capacity_and_unit_cost(
            v + nh,
            np.full(len(v), sink, np.int64),
            np.ones(len(v), np.int64),
            unit_costs(chunk.balance_m, load),
        )
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:nh] = 1
    supplies[sink] = -nh
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow did not find an optimum: {status}")
    flows = smcf.flows(np.arange(n_arcs, dtype=np.int64))
    return np.asarray(flows > 0, dtype=np.bool_)
