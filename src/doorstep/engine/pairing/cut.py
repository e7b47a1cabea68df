"""Most households paired, over *every* eligible arc, and the cut that proves it.

The k nearest visitors of each household cannot move spare capacity between towns, and growing
a candidate graph towards it takes a round per ring of 30 km. So the count comes first, from
the whole eligibility graph, which is never built: augmenting paths are searched directly in
the visitor grid (one grid per language), in phases. A phase labels the residual graph in
breadth-first layers from every unpaired household at once (a visitor is struck from the grid
once an earlier layer holds it, so crowded towns cost little), keeping a few arcs per household
into the next layer; a depth-first search along those arcs then augments from each unpaired
household to any visitor with room it can reach, each household used once per phase
(Hopcroft-Karp in spirit, with room taken wherever it is reached). Cheap phases look only at
each household's nearest few arcs; when one finds nothing, an exhaustive phase follows every
eligible arc, and either finds paths (the cheap phases then keep more arcs) or ends the search.

When the exhaustive phase finds nothing, the households and visitors it labelled, ``S``, form
a minimum cut: every visitor in ``S`` is full, and no eligible arc leads from a household in
``S`` to a visitor outside it (that could take anyone). Hence, in *every* maximum pairing,

* every household outside ``S`` is paired, to a visitor outside ``S``;
* every visitor in ``S`` is full, with households of ``S``;

so the least-cost maximum pairing splits into two independent problems, one on each side, and
neither has any say over how many households are paired. (:mod:`.solve` prices each side.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, MaskArray
from doorstep.engine.pairing.scan import (
    VisitorGrid,
    area_and_exclusion_allow,
    box_metres,
    cell_window,
)


@dataclass(frozen=True, eq=False)
class MaximumPairing:
    """A pairing with as many households as possible, and its certificate."""

    visitor: IntArray  # visitor of each household, or -1
    household_side: BoolArray  # households in S (reached from an unpaired household)
    visitor_side: BoolArray  # visitors in S (all full)
    phases: int
    augmented: int

    @property
    def paired(self) -> int:
        return int((self.visitor >= 0).sum())


@dataclass(frozen=True, eq=False)
class LanguageGrid:
    """The visitors of a :class:`VisitorGrid` again, split by language: ``(bit, cell)`` holds
    ``visitors[start[bit * cells + cell]:start[bit * cells + cell + 1]]``."""

    visitors: IntArray
    start: IntArray
    cells: int


def language_grid(
    grid: VisitorGrid, visitor_languages: MaskArray, n_languages: int
) -> LanguageGrid:
    """Split the grid's cells by language (a visitor appears once per language it speaks)."""
    cells = len(grid.start) - 1
    cell_of = np.repeat(np.arange(cells, dtype=np.int64), np.diff(grid.start))
    keys, members = [], []
    masks = visitor_languages[grid.visitors]
    for bit in range(n_languages):
        has = (masks >> np.uint64(bit)) & np.uint64(1) != 0
        keys.append(bit * cells + cell_of[has])
        members.append(grid.visitors[has])
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    order = np.argsort(key, kind="stable")
    start = np.zeros(n_languages * cells + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_languages * cells), out=start[1:])
    visitors = np.concatenate(members)[order] if members else np.zeros(0, np.int64)
    return LanguageGrid(visitors.astype(np.int64), start, cells)


@numba.njit(cache=True)
def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:  # pragma: no cover
    # The formula of ``domain.geo.haversine_m_array``, so both agree on what is in range.
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@numba.njit(cache=True)
def _layers(
    roots: IntArray,
    hmask: IntArray,
    hxyz: FloatArray,
    hlat: FloatArray,
    hlon: FloatArray,
    harea: IntArray,
    fstart: IntArray,
    fvis: IntArray,
    gvis: IntArray,
    gstart: IntArray,
    cells: int,
    n_languages: int,
    box_lo: FloatArray,
    box_hi: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
    vlat: FloatArray,
    vlon: FloatArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    max_m: float,
    capacity: IntArray,
    load: IntArray,
    slot_start: IntArray,
    slot_h: IntArray,
    label_h: IntArray,
    label_v: IntArray,
    arc_start: IntArray,
    arc_count: IntArray,
    arc_v: IntArray,
    per_household: int,
    exhaustive: bool,
) -> int:  # pragma: no cover - compiled
    # Breadth-first layers from the unpaired households (layer 0) over the residual graph:
    # household layers are even, visitor layers odd. Returns the first visitor layer that
    # holds room, or -1. Each household keeps up to ``per_household`` of its arcs into the
    # next layer (and always the arc that labelled a visitor), for the path search.
    # Exhaustive: every eligible arc is followed and a visitor is struck from the grid once
    # labelled; when it returns -1 the labelled nodes are exactly the cut. Otherwise a
    # household stops after its ``per_household`` nearest arcs into unlabelled or same-layer
    # visitors: cheaper in crowded towns, and any path it finds is still an augmenting path.
    n_visitors = len(label_v)
    hq = np.empty(len(label_h), np.int64)
    vq = np.empty(n_visitors, np.int64)
    live = gstart[1:].copy()
    hn = 0
    for r in roots:
        label_h[r] = 0
        hq[hn] = r
        hn += 1
    h_lo, h_hi, vn, n_arcs = 0, hn, 0, 0
    layer = 0
    found = -1
    while h_lo < h_hi:
        vlayer = layer + 1
        v_lo = vn
        for qi in range(h_lo, h_hi):
            h = hq[qi]
            arc_start[h] = n_arcs
            for i in range(fstart[h], fstart[h + 1]):
                v = fvis[i]
                if label_v[v] >= 0 and label_v[v] < vlayer:
                    continue
                new = label_v[v] < 0
                if new:
                    label_v[v] = vlayer
                    vq[vn] = v
                    vn += 1
                if new or arc_count[h] < per_household:
                    arc_v[n_arcs] = v
                    n_arcs += 1
                    arc_count[h] += 1
            if hmask[h] == 0 or (not exhaustive and arc_count[h] >= per_household):
                continue
            x, y, z = hxyz[h, 0], hxyz[h, 1], hxyz[h, 2]
            y0, y1, x0, x1, hy, hx, rings = cell_window(
                hlat[h], hlon[h], max_m, lat0, lon0, dlat, dlon, ny, nx
            )
            # Rings of cells nearest first, so the arcs a household keeps are its nearest.
            full = False
            for r in range(rings + 1):
                if full:
                    break
                for cy in range(max(hy - r, y0), min(hy + r, y1) + 1):
                    if full:
                        break
                    edge = cy == hy - r or cy == hy + r
                    step = 1 if edge or r == 0 else 2 * r
                    for cx in range(hx - r, hx + r + 1, step):
                        if full:
                            break
                        if cx < x0 or cx > x1:
                            continue
                        c = cy * nx + cx
                        if box_metres(box_lo, box_hi, c, x, y, z) > max_m + 1.0:
                            continue
                        for bit in range(n_languages):
                            if full:
                                break
                            if (hmask[h] >> bit) & 1 == 0:
                                continue
                            key = bit * cells + c
                            j = gstart[key]
                            while j < live[key]:
                                v = gvis[j]
                                if label_v[v] >= 0 and (exhaustive or label_v[v] < vlayer):
                                    # Labelled in an earlier layer: strike it from the cell.
                                    live[key] -= 1
                                    gvis[j] = gvis[live[key]]
                                    gvis[live[key]] = v
                                    continue
                                j += 1
                                d = _haversine(hlat[h], hlon[h], vlat[v], vlon[v])
                                if np.rint(d) > max_m:
                                    continue
                                if not area_and_exclusion_allow(
                                    h, v, harea, varea, area_enter, area_leave, excl, n_visitors
                                ):
                                    continue
                                new = label_v[v] < 0
                                if new:
                                    label_v[v] = vlayer
                                    vq[vn] = v
                                    vn += 1
                                if new or arc_count[h] < per_household:
                                    arc_v[n_arcs] = v
                                    n_arcs += 1
                                    arc_count[h] += 1
                                if not exhaustive and arc_count[h] >= per_household:
                                    full = True
                                    break
        room = False
        for qi in range(v_lo, vn):
            if load[vq[qi]] < capacity[vq[qi]]:
                room = True
                break
        if room and found < 0:
            found = vlayer
        h_lo = hn
        for qi in range(v_lo, vn):
            v = vq[qi]
            for k in range(slot_start[v], slot_start[v] + capacity[v]):
                h2 = slot_h[k]
                if h2 >= 0 and label_h[h2] < 0:
                    label_h[h2] = vlayer + 1
                    hq[hn] = h2
                    hn += 1
        h_hi = hn
        layer = vlayer + 1
    return found


@numba.njit(cache=True)
def _augment_layered(
    roots: IntArray,
    depth_limit: int,
    capacity: IntArray,
    load: IntArray,
    slot_start: IntArray,
    slot_h: IntArray,
    match: IntArray,
    label_h: IntArray,
    label_v: IntArray,
    arc_start: IntArray,
    arc_count: IntArray,
    arc_v: IntArray,
) -> int:  # pragma: no cover - compiled
    # Depth-first, along the kept arcs (each one layer up), from each unpaired household to
    # any visitor with room; households are used once, and nodes that lead nowhere are dropped
    # for the phase.
    nh = len(match)
    dead_h = np.zeros(nh, np.bool_)
    dead_v = np.zeros(len(label_v), np.bool_)
    ptr = np.zeros(nh, np.int64)
    stack = np.empty(depth_limit, np.int64)
    augmented = 0
    for root in roots:
        if label_h[root] != 0 or match[root] >= 0:
            continue
        stack[0] = root
        ptr[root] = 0
        depth = 1
        while depth > 0:
            h = stack[depth - 1]
            moved = False
            while ptr[h] < arc_count[h]:
                v = arc_v[arc_start[h] + ptr[h]]
                if dead_v[v] or label_v[v] != label_h[h] + 1 or v == match[h]:
                    ptr[h] += 1
                    continue
                if load[v] < capacity[v]:
                    ptr[h] += 1
                    # Found: shift every household on the stack one visitor on.
                    target = v
                    for k in range(depth - 1, -1, -1):
                        u = stack[k]
                        prev = match[u]
                        for q in range(slot_start[target], slot_start[target] + capacity[target]):
                            if slot_h[q] < 0:
                                slot_h[q] = u
                                break
                        load[target] += 1
                        match[u] = target
                        dead_h[u] = True
                        if prev >= 0:
                            for q in range(slot_start[prev], slot_start[prev] + capacity[prev]):
                                if slot_h[q] == u:
                                    slot_h[q] = -1
                                    break
                            load[prev] -= 1
                        target = prev
                    augmented += 1
                    depth = 0
                    moved = True
                    break
                nxt = -1
                for q in range(slot_start[v], slot_start[v] + capacity[v]):
                    u = slot_h[q]
                    if u >= 0 and not dead_h[u] and label_h[u] == label_v[v] + 1:
                        nxt = u
                        break
                if nxt < 0:
                    dead_v[v] = True
                    ptr[h] += 1
                    continue
                # The arc stays current: if ``nxt`` leads nowhere, ``v``'s next household is
                # tried. Households on the stack are marked used (their layers only rise).
                dead_h[nxt] = True
                ptr[nxt] = 0
                stack[depth] = nxt
                depth += 1
                moved = True
                break
            if not moved:
                dead_h[h] = True
                depth -= 1
    return augmented


def _csr_by_household(n_households: int, arcs: Arcs) -> tuple[IntArray, IntArray]:
    order = np.argsort(arcs.household, kind="stable")
    start = np.zeros(n_households + 1, np.int64)
    np.cumsum(np.bincount(arcs.household, minlength=n_households), out=start[1:])
    return start, arcs.visitor[order].astype(np.int64)


class PathSearch:
    """Breadth-first searches from the unpaired households over every eligible arc."""

    def __init__(self, index: CandidateIndex, grid: VisitorGrid) -> None:
        p = index.problem
        self.index, self.grid = index, grid
        self.n_households, self.n_visitors = p.n_households, p.n_visitors
        self.capacity = np.where(p.visitor_active, p.visitor_capacity, 0).astype(np.int64)
        self.fstart, self.fvis = _csr_by_household(p.n_households, index.fixed_arcs())
        self.lang = language_grid(grid, p.visitor_languages, len(p.languages))
        self.wanted = p.household_consent & (p.household_languages != 0)
        self.hmask = np.where(p.household_consent, p.household_languages.view(np.int64), 0)
        self.harea = p.household_area.astype(np.int64)
        self.varea = p.visitor_area.astype(np.int64)
        self.area_enter = p.area_enter.astype(np.int64)
        self.area_leave = p.area_leave.astype(np.int64)
        self.per_household = 8

    def slots(self, match: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """Each visitor's load and households (``capacity`` slots per visitor, ``-1`` free)."""
        nv, capacity = self.n_visitors, self.capacity
        load = np.bincount(match[match >= 0], minlength=nv).astype(np.int64)
        if (load > capacity).any():
            raise ValueError("the pairing exceeds a visitor's capacity")
        slot_start = np.zeros(nv + 1, np.int64)
        np.cumsum(capacity, out=slot_start[1:])
        slot_h = np.full(int(slot_start[-1]) + 1, -1, np.int64)
        paired = np.flatnonzero(match >= 0)
        by_v = paired[np.argsort(match[paired], kind="stable")]
        if len(by_v):
            first = np.searchsorted(match[by_v], np.arange(nv))
            rank = np.arange(len(by_v)) - first[match[by_v]]
            slot_h[slot_start[match[by_v]] + rank] = by_v
        return load, slot_start, slot_h

    def phase(
        self,
        match: IntArray,
        load: IntArray,
        slot_start: IntArray,
        slot_h: IntArray,
        *,
        exhaustive: bool,
    ) -> tuple[int, BoolArray, BoolArray]:
        """One phase: layers from the unpaired households, then augmenting paths along them,
        applied in place (``match``, ``load`` and ``slot_h`` change). Returns the number of
        augmentations and the households and visitors labelled; when an exhaustive phase
        finds none, those are exactly the nodes the unpaired households reach (the cut)."""
        p, grid, lang = self.index.problem, self.grid, self.lang
        nh, nv = self.n_households, self.n_visitors
        label_h = np.full(nh, -1, np.int64)
        label_v = np.full(nv, -1, np.int64)
        arc_start = np.zeros(nh, np.int64)
        arc_count = np.zeros(nh, np.int64)
        arc_v = np.empty(nh * self.per_household + nv, np.int64)
        roots = np.flatnonzero(self.wanted & (match < 0)).astype(np.int64)
        final = _layers(
            roots,
            self.hmask,
            self.index.household_xyz,
            p.household_lat,
            p.household_lon,
            self.harea,
            self.fstart,
            self.fvis,
            lang.visitors.copy(),
            lang.start,
            lang.cells,
            len(p.languages),
            grid.box_lo,
            grid.box_hi,
            grid.lat0,
            grid.lon0,
            grid.dlat,
            grid.dlon,
            grid.ny,
            grid.nx,
            p.visitor_lat,
            p.visitor_lon,
            self.varea,
            self.area_enter,
            self.area_leave,
            p.exclusion_keys,
            self.index.max_m,
            self.capacity,
            load,
            slot_start,
            slot_h,
            label_h,
            label_v,
            arc_start,
            arc_count,
            arc_v,
            self.per_household,
            exhaustive,
        )
        if final < 0:
            return 0, label_h >= 0, label_v >= 0
        found = _augment_layered(
            roots,
            int(label_h.max()) + 2,
            self.capacity,
            load,
            slot_start,
            slot_h,
            match,
            label_h,
            label_v,
            arc_start,
            arc_count,
            arc_v,
        )
        if found == 0:
            raise RuntimeError("layers reached room but no path along them did (a bug)")
        return int(found), label_h >= 0, label_v >= 0


def maximum_pairing(
    index: CandidateIndex,
    grid: VisitorGrid,
    start: IntArray | None = None,
) -> MaximumPairing:
    """A pairing of as many households as possible over every eligible arc, with its cut.

    ``start`` (a visitor per household, ``-1`` for none; eligible pairs within capacity) is
    where the search begins; any valid pairing will do, the count found is the maximum.
    """
    search = PathSearch(index, grid)
    nh = index.problem.n_households
    match = np.full(nh, NONE, np.int64) if start is None else start.astype(np.int64).copy()
    load, slot_start, slot_h = search.slots(match)
    phases = augmented = 0
    exhaustive = False
    while True:
        phases += 1
        found, seen_h, seen_v = search.phase(match, load, slot_start, slot_h, exhaustive=exhaustive)
        augmented += found
        if found == 0 and exhaustive:
            break
        if exhaustive and found:
            # There were paths the nearest arcs missed: look at more of them from now on.
            search.per_household *= 2
        # The cheap phases go on while they find paths; an exhaustive one settles it.
        exhaustive = found == 0
    return MaximumPairing(match, seen_h, seen_v, phases, augmented)
