"""A transport problem between grid cells: prices for places, from the whole map.

Rows (households, or visitors' places) are grouped by (cell of about ``max_km / cells``,
language mask; ``cells`` is 3 unless asked otherwise). A group reaches the other side through
hubs, one per cell and language: from a group to a hub of its cell for each language it
speaks, between hubs of one language whose centroids are within the distance limit plus a
cell diagonal (the cost is the centroids' distance), and from a hub to its cell's groups that
speak the language. Its min-cost maximum flow says which towns must send households to which
villages, and the residual shortest-path distances to the sink (as in
:func:`.certify.potentials`) price each group.

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


@dataclass(frozen=True)
class _Rows:
    """One side of the coarse transport: each row's place, languages and units."""

    lat: FloatArray
    lon: FloatArray
    mask: IntArray
    xyz: FloatArray
    units: IntArray


@dataclass(frozen=True)
class _Grouped:
    """One side's rows in groups of one cell and one language mask, and the side's hubs: one
    per cell and language, linked to each group of the cell that speaks it."""

    group: IntArray  # per row
    units: IntArray  # per group
    link_group: IntArray  # per (group, language of its mask)
    link_hub: IntArray
    hub_bit: IntArray  # per hub
    hub_centre: FloatArray


def _grouped(rows: _Rows, step_deg: float) -> _Grouped:
    cy = np.floor(rows.lat / step_deg).astype(np.int64)
    cos = max(math.cos(math.radians(float(np.mean(rows.lat)))), 0.05) if len(rows.lat) else 1.0
    cx = np.floor(rows.lon / (step_deg / cos)).astype(np.int64)
    key = np.column_stack((cy, cx, rows.mask.astype(np.int64)))
    _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group = np.asarray(group.ravel(), dtype=np.int64)
    n = len(first)
    units = np.bincount(group, rows.units, n).astype(np.int64)
    xyz_sum = np.column_stack([np.bincount(group, rows.xyz[:, a], n) for a in range(3)])
    mask = rows.mask[first].astype(np.int64)
    link_group = np.concatenate(
        [np.flatnonzero((mask >> b) & 1) for b in range(64)] or [np.zeros(0, np.int64)]
    ).astype(np.int64)
    link_bit = np.concatenate(
        [np.full(int(((mask >> b) & 1).sum()), b, np.int64) for b in range(64)]
        or [np.zeros(0, np.int64)]
    )
    hub_key = np.column_stack((cy[first][link_group], cx[first][link_group], link_bit))
    _, hub_first, link_hub = np.unique(hub_key, axis=0, return_index=True, return_inverse=True)
    link_hub = np.asarray(link_hub.ravel(), dtype=np.int64)
    n_hubs = len(hub_first)
    centre = np.column_stack(
        [np.bincount(link_hub, xyz_sum[link_group, a], n_hubs) for a in range(3)]
    )
    centre = centre / np.linalg.norm(centre, axis=1, keepdims=True)
    return _Grouped(group, units, link_group, link_hub, link_bit[hub_first], centre)


def _hub_arcs(s: _Grouped, r: _Grouped, reach: float) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs of hubs (supply, room) of one language whose centres are within ``reach`` (a
    chord), with their distance in metres."""
    tails, heads = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for b in np.intersect1d(s.hub_bit, r.hub_bit):
        sh, rh = np.flatnonzero(s.hub_bit == b), np.flatnonzero(r.hub_bit == b)
        pairs = cKDTree(s.hub_centre[sh]).sparse_distance_matrix(
            cKDTree(r.hub_centre[rh]), reach, output_type="ndarray"
        )
        tails.append(sh[pairs["i"]])
        heads.append(rh[pairs["j"]])
    a_s, a_r = np.concatenate(tails), np.concatenate(heads)
    chord = np.linalg.norm(s.hub_centre[a_s] - r.hub_centre[a_r], axis=1)
    cost = np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))).astype(np.int64)
    return a_s, a_r, cost


def _transport(
    supply: _Rows, room: _Rows, max_m: float, cells: float
) -> tuple[IntArray, IntArray, IntArray]:
    """Min-cost transport of ``supply``'s units into ``room``'s between grid groups of
    ``max_m / cells``; per row, the residual distance to the sink of its group (supply rows,
    then room rows) and, per supply row, its group's cheapest arc.

    Units go from a supply group to a hub of its cell and one of its languages, from there
    to a room hub of that language within reach (the centres' distance), and on to a room
    group of the hub's cell that speaks it. Groups alone, joined pairwise wherever they share
    a language, made a cell's mask groups times its neighbours' (64 languages spoken sparsely
    over 300k households: 100M arcs, 12 GiB and four minutes; a hub joins each cell to its
    neighbours once per language)."""
    step_m = max_m / cells
    step = math.degrees(step_m / EARTH_RADIUS_M)
    s, r = _grouped(supply, step), _grouped(room, step)
    reach = 2.0 * math.sin(min(math.pi, (max_m + 2 * step_m) / EARTH_RADIUS_M) / 2.0)
    a_s, a_r, cost = _hub_arcs(s, r, reach)
    n_sg, n_sh, n_rh, n_rg = len(s.units), len(s.hub_bit), len(r.hub_bit), len(r.units)
    cheapest_limit = int(cost.max(initial=0)) * 4 + 1
    hub_cheapest = np.full(n_sh, cheapest_limit, np.int64)
    np.minimum.at(hub_cheapest, a_s, cost)
    cheapest = np.full(n_sg, cheapest_limit, np.int64)
    np.minimum.at(cheapest, s.link_group, hub_cheapest[s.link_hub])

    # Nodes: supply groups, supply hubs, room hubs, room groups, sink.
    o_sh, o_rh, o_rg = n_sg, n_sg + n_sh, n_sg + n_sh + n_rh
    sink = o_rg + n_rg
    tails = np.r_[s.link_group, a_s + o_sh, r.link_hub + o_rh]
    heads = np.r_[s.link_hub + o_sh, a_r + o_rh, r.link_group + o_rg]
    costs = np.r_[np.zeros(len(s.link_group), np.int64), cost, np.zeros(len(r.link_hub), np.int64)]
    smcf = min_cost_flow.SimpleMinCostFlow()
    big = int(s.units.sum())
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.full(len(tails), big, np.int64), costs
    )
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_rg) + o_rg, np.full(n_rg, sink), r.units, np.zeros(n_rg, np.int64)
    )
    supplies = np.r_[s.units, np.zeros(sink - n_sg, np.int64), -big]
    smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    if smcf.solve_max_flow_with_min_cost() != smcf.OPTIMAL:
        return np.zeros(len(s.group), np.int64), cheapest[s.group], np.zeros(len(r.group), np.int64)
    flow = smcf.flows(arcs)
    into_rg = flow[len(tails) - len(r.link_hub) :]
    load = np.bincount(r.link_group, into_rg, n_rg).astype(np.int64)
    used = int(flow[: len(s.link_group)].sum())
    room_left = np.flatnonzero(load < r.units) + o_rg
    # Residual arcs (distances to the sink): every arc forward (capacity is ample), backward
    # where flow runs, room groups to the sink while they have room; the unplaced rest of a
    # supply group leaks at a price of the longest arc so that every group has a finite price.
    runs = flow > 0
    res_tails = np.r_[tails, heads[runs], room_left]
    res_heads = np.r_[heads, tails[runs], np.full(len(room_left), sink)]
    res_costs = np.r_[costs, -costs[runs], np.zeros(len(room_left), np.int64)]
    n = sink + 1
    dist = np.full(n, cheapest_limit * (1 + int(used < big)), np.int64)
    dist[sink] = 0
    dist[room_left] = 0
    start, nbr, cst = csr(n, res_heads, res_tails, res_costs)
    order = np.arange(sink, dtype=np.int64)
    _spfa_parts(order, np.array([0, sink], np.int64), start, nbr, cst, dist)
    return dist[s.group], cheapest[s.group], dist[r.group + o_rg]


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
