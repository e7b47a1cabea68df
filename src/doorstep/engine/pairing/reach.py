"""How many residual steps each household and visitor is from a visitor with room.

A node from which no residual path leads to room is dead for good: an augmenting path never
passes through it (from it the path would lead to room), so augmenting leaves every arc out of
it as it was, and room only ever runs out.

The search runs backwards from every visitor with room over the eligibility graph, which is
never built: a visitor reaches room if it has some, or if a household it holds does; a
household does if some eligible visitor other than its own does. Households sit in a grid per
language (the visitor grid's cells), struck once reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.certify import csr
from doorstep.engine.pairing.graph import (
    ByLanguage,
    EligibilityGraph,
    LiveCells,
    by_language,
    live_cells,
    reach_in_grid,
)
from doorstep.engine.pairing.problem import BoolArray, FloatArray, IntArray, PairingProblem
from doorstep.engine.pairing.scan import VisitorGrid, build_grid


@dataclass(frozen=True, eq=False)
class HouseholdGrid:
    """Households with consent bucketed by ``(language bit, cell)`` of a visitor grid
    (``split``, :class:`.graph.ByLanguage`), each cell's 3-D bounding box."""

    split: ByLanguage
    box_lo: FloatArray
    box_hi: FloatArray


def household_grid(problem: PairingProblem, xyz: FloatArray, grid: VisitorGrid) -> HouseholdGrid:
    """Put every household with consent and a language into the cells of ``grid`` (clamped at
    its edges, which keeps every household within reach of a visitor's window)."""
    p = problem
    cells = grid.ny * grid.nx
    hs = np.flatnonzero(p.household_consent & (p.household_languages != 0))
    cy = np.clip(((p.household_lat[hs] - grid.lat0) / grid.dlat).astype(np.int64), 0, grid.ny - 1)
    cx = np.clip(((p.household_lon[hs] - grid.lon0) / grid.dlon).astype(np.int64), 0, grid.nx - 1)
    cell = cy * grid.nx + cx
    box_lo = np.full((cells, 3), np.inf)
    box_hi = np.full((cells, 3), -np.inf)
    for axis in range(3):
        np.minimum.at(box_lo[:, axis], cell, xyz[hs, axis])
        np.maximum.at(box_hi[:, axis], cell, xyz[hs, axis])
    split = by_language(cell, hs, p.household_languages[hs], len(p.languages), cells)
    return HouseholdGrid(split, box_lo, box_hi)


@numba.njit(cache=True, inline="always")
def _reach(
    h: int,
    dh: int,
    match: IntArray,
    dist_h: IntArray,
    dist_v: IntArray,
    queue: IntArray,
    qn: int,
) -> int:  # pragma: no cover - compiled
    # Household ``h`` is ``dh`` steps from room; its own visitor one more (queued if new).
    dist_h[h] = dh
    u = match[h]
    if u >= 0 and dist_v[u] < 0:
        dist_v[u] = dh + 1
        queue[qn] = u
        qn += 1
    return qn


@numba.njit(cache=True)
def _distances(
    capacity: IntArray,
    load: IntArray,
    match: IntArray,
    local: BoolArray,
    vmask: IntArray,
    vlat: FloatArray,
    vlon: FloatArray,
    varea: IntArray,
    rstart: IntArray,
    rhouse: IntArray,
    ghouse: IntArray,
    gstart: IntArray,
    slot: IntArray,
    occupied: int,
    n_languages: int,
    box_lo: FloatArray,
    box_hi: FloatArray,
    vxyz: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
    hlat: FloatArray,
    hlon: FloatArray,
    hxyz: FloatArray,
    harea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    max_m: float,
    dist_h: IntArray,
    dist_v: IntArray,
    live: LiveCells,
) -> None:  # pragma: no cover - compiled
    # Breadth-first, backwards from the visitors with room (distance 0): a household is one
    # step further than the nearest eligible visitor other than its own, a visitor one step
    # further than the nearest household it holds. A household is struck from its cells once
    # reached, so each is found once, and emptied cells cost a comparison.
    nv = len(capacity)
    queue = np.empty(nv, np.int64)
    qn = 0
    for v in range(nv):
        if load[v] < capacity[v]:
            dist_v[v] = 0
            queue[qn] = v
            qn += 1
    reached = np.zeros(len(dist_h), np.bool_)
    found = np.empty(len(dist_h), np.int64)  # households in the order the grid gave them
    hn = 0
    qi = 0
    while qi < qn:
        v = queue[qi]
        qi += 1
        dh = dist_v[v] + 1
        for i in range(rstart[v], rstart[v + 1]):
            h = rhouse[i]
            if not reached[h] and match[h] != v:
                reached[h] = True
                qn = _reach(h, dh, match, dist_h, dist_v, queue, qn)
        if not local[v]:
            continue
        first = hn
        hn = reach_in_grid(
            v,
            False,
            vlat,
            vlon,
            vxyz,
            vmask,
            ghouse,
            gstart,
            live,
            reached,
            hlat,
            hlon,
            hxyz,
            match,
            slot,
            occupied,
            n_languages,
            box_lo,
            box_hi,
            lat0,
            lon0,
            dlat,
            dlon,
            ny,
            nx,
            harea,
            varea,
            area_enter,
            area_leave,
            excl,
            nv,
            max_m,
            found,
            hn,
        )
        for k in range(first, hn):
            qn = _reach(found[k], dh, match, dist_h, dist_v, queue, qn)


class RoomDistances:
    """The backward search (the *global relabel* of :mod:`.push_relabel`), its static arrays
    built once per problem."""

    def __init__(self, graph: EligibilityGraph) -> None:
        p, grid = graph.problem, graph.grid
        self.graph = graph
        self.hgrid = household_grid(p, graph.index.household_xyz, grid)
        self.local = np.zeros(p.n_visitors, np.bool_)
        self.local[grid.visitors] = True
        self.rstart, self.rhouse = csr(
            p.n_visitors, graph.fixed.visitor, graph.fixed.household.astype(np.int64)
        )
        self.vmask = p.visitor_languages.view(np.int64)

    def __call__(
        self, capacity: IntArray, load: IntArray, match: IntArray
    ) -> tuple[IntArray, IntArray]:
        """Steps from each household and visitor to the nearest visitor with room along the
        residual graph of ``match`` (visitor loads ``load``); ``-1`` where there is no path
        (the node is dead for good)."""
        g, hg = self.graph, self.hgrid
        p, grid = g.problem, g.grid
        dist_h = np.full(p.n_households, -1, np.int64)
        dist_v = np.full(p.n_visitors, -1, np.int64)
        _distances(
            capacity,
            load,
            match,
            self.local,
            self.vmask,
            p.visitor_lat,
            p.visitor_lon,
            g.varea,
            self.rstart,
            self.rhouse,
            hg.split.items.copy(),
            hg.split.start,
            hg.split.slot,
            hg.split.occupied,
            len(p.languages),
            hg.box_lo,
            hg.box_hi,
            g.index.visitor_xyz,
            grid.lat0,
            grid.lon0,
            grid.dlat,
            grid.dlon,
            grid.ny,
            grid.nx,
            p.household_lat,
            p.household_lon,
            g.index.household_xyz,
            g.harea,
            g.area_enter,
            g.area_leave,
            p.exclusion_keys,
            g.max_m,
            dist_h,
            dist_v,
            live_cells(hg.split.start, hg.split.slot, hg.split.occupied),
        )
        return dist_h, dist_v


def no_way_to_room(problem: PairingProblem, match: IntArray, max_m: float) -> BoolArray:
    """Households from which no chain of moves reaches a visitor with room, over the residual
    graph of ``match`` (a visitor per household, ``-1`` for none; within capacity): an
    unpaired one that no augmenting path can pair, now or after any augmentation (see the
    module docstring). One backward search; builds its own index and grids."""
    index = CandidateIndex(problem, max_m)
    graph = EligibilityGraph(index, build_grid(problem, index.visitor_xyz, max_m))
    pairing = graph.slots(match)
    dist_h, _ = RoomDistances(graph)(graph.capacity, pairing.load, pairing.match)
    return np.asarray(dist_h < 0)
