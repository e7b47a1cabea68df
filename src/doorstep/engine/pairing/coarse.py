"""Coarse-to-fine seeding: a transport problem between grid cells gives prices for capacity.

Households and visitors are grouped by (cell of about ``max_km / 3``, language mask). Groups
are joined when they share a language and their centroids are within the distance limit plus
a cell diagonal; the cost is the centroid distance. Its min-cost maximum flow says which towns
must send households to which villages, and the residual shortest-path distances to the sink
(as in :func:`.certify.potentials`) price each group. Fine arcs with a negative reduced cost
under these prices are the ones that move capacity between towns; the solver starts with them,
so the certificate has little left to widen. Seeding only: exactness is the certificate's job.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.engine.pairing.certify import _spfa_parts, csr
from doorstep.engine.pairing.problem import FloatArray, IntArray, PairingProblem


def _groups(
    lat: FloatArray, lon: FloatArray, mask: IntArray, xyz: FloatArray, step_deg: float
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Group ids per row, and per group its mask, centroid and row count."""
    cy = np.floor(lat / step_deg).astype(np.int64)
    cx = np.floor(lon / (step_deg / max(math.cos(math.radians(float(np.mean(lat)))), 0.05)))
    key = np.column_stack((cy, cx.astype(np.int64), mask.astype(np.int64)))
    _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group = np.asarray(group.ravel(), dtype=np.int64)
    n = len(first)
    count = np.bincount(group, minlength=n).astype(np.int64)
    centre = np.column_stack([np.bincount(group, xyz[:, a], n) for a in range(3)]).astype(
        np.float64
    )
    centre = centre / np.linalg.norm(centre, axis=1, keepdims=True)
    return group, mask[first].astype(np.int64), centre, count


def coarse_prices(
    problem: PairingProblem,
    households: IntArray,
    visitors: IntArray,
    hxyz: FloatArray,
    vxyz: FloatArray,
    max_m: float,
) -> tuple[IntArray, IntArray]:
    """Estimated potentials of ``households`` and ``visitors`` from the coarse transport."""
    p = problem
    step_m = max_m / 3.0
    step = math.degrees(step_m / EARTH_RADIUS_M)
    hg, hmask, hc, hcount = _groups(
        p.household_lat[households],
        p.household_lon[households],
        p.household_languages[households].view(np.int64),
        hxyz[households],
        step,
    )
    vg, vmask, vc, _ = _groups(
        p.visitor_lat[visitors],
        p.visitor_lon[visitors],
        p.visitor_languages[visitors].view(np.int64),
        vxyz[visitors],
        step,
    )
    vcap = np.bincount(vg, p.visitor_capacity[visitors], len(vmask)).astype(np.int64)
    nh, nv = len(hmask), len(vmask)
    reach = 2.0 * math.sin(min(math.pi, (max_m + 2 * step_m) / EARTH_RADIUS_M) / 2.0)
    near = cKDTree(vc).query_ball_point(hc, reach)
    counts = np.fromiter((len(x) for x in near), np.int64, nh)
    a_h = np.repeat(np.arange(nh), counts)
    a_v = np.fromiter((j for x in near for j in x), np.int64, int(counts.sum()))
    keep = (hmask[a_h] & vmask[a_v]) != 0
    a_h, a_v = a_h[keep], a_v[keep]
    chord = np.linalg.norm(hc[a_h] - vc[a_v], axis=1)
    cost = np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))).astype(np.int64)

    # Nodes: household groups, visitor groups, sink.
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
        z = np.zeros(0, np.int64)
        return np.zeros(len(households), np.int64), np.zeros(len(visitors), np.int64) + z.sum()
    flow = smcf.flows(arcs)
    load = np.bincount(a_v, flow, nv).astype(np.int64)
    used = np.bincount(a_h, flow, nh).astype(np.int64)
    # Residual arcs (distances to the sink): h->v always (capacity is ample), v->h where
    # flow runs, v->sink with room, and the unpaired rest of a household group leaks at a
    # price of the longest arc so that every group has a finite price.
    tails = np.r_[a_h, a_v[flow > 0] + nh, np.flatnonzero(load < vcap) + nh]
    heads = np.r_[a_v + nh, a_h[flow > 0], np.full(int((load < vcap).sum()), sink)]
    costs = np.r_[cost, -cost[flow > 0], np.zeros(int((load < vcap).sum()), np.int64)]
    n = sink + 1
    limit = int(cost.max(initial=0)) * 4 + 1
    dist = np.full(n, limit * (1 + int(used.sum() < hcount.sum())), np.int64)
    dist[sink] = 0
    dist[np.flatnonzero(load < vcap) + nh] = 0
    start, nbr, cst = csr(n, heads, tails, costs)
    order = np.arange(sink, dtype=np.int64)
    _spfa_parts(order, np.array([0, sink], np.int64), start, nbr, cst, dist)
    # A household group's price above its cheapest arc is what crowding adds; groups served
    # next door are priced at zero, so only crowded towns look further.
    cheapest = np.full(nh, limit, np.int64)
    np.minimum.at(cheapest, a_h, cost)
    extra = np.maximum(dist[:nh] - np.minimum(cheapest, dist[:nh]), 0)
    return extra[hg], dist[vg + nh]
