"""A transport problem between grid cells: prices for places, from the whole map.

Rows (households, or visitors' places) are grouped by (cell of about ``max_km / cells``,
language mask; ``cells`` is 3 unless asked otherwise). Groups are joined when they share a
language and their centroids are within the distance limit plus a cell diagonal; the cost is
the centroid distance. Its min-cost maximum
flow says which towns must send households to which villages, and the residual shortest-path
distances to the sink (as in :func:`.certify.potentials`) price each group.

Used for the lower bound of a stopped widening (:mod:`.bound`, at a few resolutions, where
these prices do much better than a restricted graph's potentials after few rounds) and, with
``PairingParams.coarse``, to seed arcs that carry households out of crowded towns (measured:
little help, see docs/pairing-history.md). Never for exactness: that is the certificate's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.engine.pairing.certify import _spfa_parts, csr
from doorstep.engine.pairing.problem import FloatArray, IntArray, PairingProblem


def _groups(
    lat: FloatArray, lon: FloatArray, mask: IntArray, xyz: FloatArray, step_deg: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Group ids per row, and per group its mask and centroid."""
    cy = np.floor(lat / step_deg).astype(np.int64)
    cx = np.floor(lon / (step_deg / max(math.cos(math.radians(float(np.mean(lat)))), 0.05)))
    key = np.column_stack((cy, cx.astype(np.int64), mask.astype(np.int64)))
    _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group = np.asarray(group.ravel(), dtype=np.int64)
    n = len(first)
    centre = np.column_stack([np.bincount(group, xyz[:, a], n) for a in range(3)]).astype(
        np.float64
    )
    centre = centre / np.linalg.norm(centre, axis=1, keepdims=True)
    return group, mask[first].astype(np.int64), centre


@dataclass(frozen=True)
class _Rows:
    """One side of the coarse transport: each row's place, languages and units."""

    lat: FloatArray
    lon: FloatArray
    mask: IntArray
    xyz: FloatArray
    units: IntArray


def _transport(
    supply: _Rows, room: _Rows, max_m: float, cells: float
) -> tuple[IntArray, IntArray, IntArray]:
    """Min-cost transport of ``supply``'s units into ``room``'s between grid groups of
    ``max_m / cells``; per row, the residual distance to the sink of its group (supply rows,
    then room rows) and, per supply row, its group's cheapest arc."""
    step_m = max_m / cells
    step = math.degrees(step_m / EARTH_RADIUS_M)
    hg, hmask, hc = _groups(supply.lat, supply.lon, supply.mask, supply.xyz, step)
    vg, vmask, vc = _groups(room.lat, room.lon, room.mask, room.xyz, step)
    nh, nv = len(hmask), len(vmask)
    hcount = np.bincount(hg, supply.units, nh).astype(np.int64)
    vcap = np.bincount(vg, room.units, nv).astype(np.int64)
    reach = 2.0 * math.sin(min(math.pi, (max_m + 2 * step_m) / EARTH_RADIUS_M) / 2.0)
    near = cKDTree(vc).query_ball_point(hc, reach)
    counts = np.fromiter((len(x) for x in near), np.int64, nh)
    a_h = np.repeat(np.arange(nh), counts)
    a_v = np.fromiter((j for x in near for j in x), np.int64, int(counts.sum()))
    keep = (hmask[a_h] & vmask[a_v]) != 0
    a_h, a_v = a_h[keep], a_v[keep]
    chord = np.linalg.norm(hc[a_h] - vc[a_v], axis=1)
    cost = np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))).astype(np.int64)
    cheapest_limit = int(cost.max(initial=0)) * 4 + 1
    cheapest = np.full(nh, cheapest_limit, np.int64)
    np.minimum.at(cheapest, a_h, cost)

    # Nodes: supply groups, room groups, sink.
    sink = nh + nv
    smcf = min_cost_flow.SimpleMinCostFlow()
    big = int(hcount.sum())
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        a_h, a_v + nh, np.full(len(a_h), big, np.int64), cost
    )
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.arange(nv) + nh, np.full(nv, sink), vcap, np.zeros(nv, np.int64)
    )
    supplies = np.r_[hcount, np.zeros(nv, np.int64), -big]
    smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    if smcf.solve_max_flow_with_min_cost() != smcf.OPTIMAL:
        return np.zeros(len(hg), np.int64), cheapest[hg], np.zeros(len(vg), np.int64)
    flow = smcf.flows(arcs)
    load = np.bincount(a_v, flow, nv).astype(np.int64)
    used = np.bincount(a_h, flow, nh).astype(np.int64)
    # Residual arcs (distances to the sink): h->v always (capacity is ample), v->h where
    # flow runs, v->sink with room, and the unplaced rest of a supply group leaks at a
    # price of the longest arc so that every group has a finite price.
    tails = np.r_[a_h, a_v[flow > 0] + nh, np.flatnonzero(load < vcap) + nh]
    heads = np.r_[a_v + nh, a_h[flow > 0], np.full(int((load < vcap).sum()), sink)]
    costs = np.r_[cost, -cost[flow > 0], np.zeros(int((load < vcap).sum()), np.int64)]
    n = sink + 1
    dist = np.full(n, cheapest_limit * (1 + int(used.sum() < hcount.sum())), np.int64)
    dist[sink] = 0
    dist[np.flatnonzero(load < vcap) + nh] = 0
    start, nbr, cst = csr(n, heads, tails, costs)
    order = np.arange(sink, dtype=np.int64)
    _spfa_parts(order, np.array([0, sink], np.int64), start, nbr, cst, dist)
    return dist[hg], cheapest[hg], dist[vg + nh]


def coarse_prices(
    problem: PairingProblem,
    households: IntArray,
    visitors: IntArray,
    hxyz: FloatArray,
    vxyz: FloatArray,
    max_m: float,
    cells: float = 3.0,
) -> tuple[IntArray, IntArray]:
    """Estimated potentials of ``households`` and ``visitors`` from the coarse transport
    (cells of ``max_m / cells``)."""
    p = problem
    h_dist, cheapest, v_dist = _transport(
        _household_rows(p, households, hxyz),
        _visitor_rows(p, visitors, vxyz),
        max_m,
        cells,
    )
    # A household group's price above its cheapest arc is what crowding adds; groups served
    # next door are priced at zero, so only crowded towns look further.
    return np.maximum(h_dist - np.minimum(cheapest, h_dist), 0), v_dist


def slot_values(
    problem: PairingProblem,
    households: IntArray,
    visitors: IntArray,
    hxyz: FloatArray,
    vxyz: FloatArray,
    max_m: float,
    cells: float = 3.0,
) -> IntArray:
    """What one more place of each of ``visitors`` is worth where visitors are short: the
    cost of the household it would take, from the transport of every place into the
    households (the roles of :func:`coarse_prices` swapped; cells of ``max_m / cells``)."""
    p = problem
    v_dist, _, _ = _transport(
        _visitor_rows(p, visitors, vxyz),
        _household_rows(p, households, hxyz),
        max_m,
        cells,
    )
    return v_dist


def _household_rows(p: PairingProblem, households: IntArray, hxyz: FloatArray) -> _Rows:
    return _Rows(
        p.household_lat[households],
        p.household_lon[households],
        p.household_languages[households].view(np.int64),
        hxyz[households],
        np.ones(len(households), np.int64),
    )


def _visitor_rows(p: PairingProblem, visitors: IntArray, vxyz: FloatArray) -> _Rows:
    return _Rows(
        p.visitor_lat[visitors],
        p.visitor_lon[visitors],
        p.visitor_languages[visitors].view(np.int64),
        vxyz[visitors],
        p.visitor_capacity[visitors].astype(np.int64),
    )
