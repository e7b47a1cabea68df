"""A cheap first pass for a newcomer with no visitor with room in reach.

Without any room in reach an insertion search has no bound, and would list every eligible
visitor of every household it meets (485M distance checks in one failing search at the seed
scale). This pass follows the same moves, reaching each visitor once (the first chain to it
is kept), until it reaches a visitor with room: the chain's cost then bounds the search. When
it reaches none, no room is reachable at all and the visitors it reached form a closed set
that later searches skip. A grid cell keeps the visitors not yet reached after a pointer,
so cells whose visitors were all reached are skipped whole.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from doorstep.engine.pairing.insert_graph import Eligibility, cost_of
from doorstep.engine.pairing.problem import NONE, BoolArray, IntArray
from doorstep.engine.pairing.scan import (
    VisitorGrid,
    area_and_exclusion_allow,
    box_metres,
    grid_window,
)
from doorstep.engine.pairing.sphere import haversine

_INF = np.iinfo(np.int64).max // 4


class ReachScratch(NamedTuple):
    """The pass's arrays, kept between newcomers: the closed sets found dead (shared with the
    searches), the visitors reached and the cost of the chain to each, and the per-cell order
    of visitors not yet reached (from ``ptr[c]`` on) with the cells whose order moved."""

    dead: BoolArray
    seen: BoolArray
    queue: IntArray
    cost: IntArray
    order: IntArray
    ptr: IntArray
    opened: BoolArray
    opened_cells: IntArray


def reach_scratch(dead: BoolArray, grid: VisitorGrid) -> ReachScratch:
    nv = len(dead)
    ncell = len(grid.start) - 1
    return ReachScratch(
        dead=dead,
        seen=np.zeros(nv, np.bool_),
        queue=np.empty(nv, np.int64),
        cost=np.empty(nv, np.int64),
        order=grid.visitors.copy(),
        ptr=grid.start[:-1].copy(),
        opened=np.zeros(ncell, np.bool_),
        opened_cells=np.empty(ncell, np.int64),
    )


@numba.njit(cache=True)
def reach_room(
    h0: int,
    orig: IntArray,
    dorig: IntArray,
    head: IntArray,
    nxt: IntArray,
    room: IntArray,
    keep_m: int,
    g: Eligibility,
    w: ReachScratch,
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Breadth-first search from newcomer ``h0`` over the same moves as the search, for any
    visitor with room: returns that visitor (``-1`` when none is reachable), the cost of the
    chain that reached it (so the cheapest chain costs at most that), and how many visitors
    it reached (``w.queue[:n]``; all of them, when none has room).

    Each visitor is reached once: a cell keeps the visitors not yet reached from
    ``w.ptr[c]`` on, so cells whose visitors were all reached are skipped whole. A moved
    household's way home needs no arc of its own here (the search adds one because it
    prunes): its own visitor is eligible, so the scan or its pool's list finds it."""
    n_o = np.zeros(1, np.int64)  # cells opened, listed in ``w.opened_cells``
    n_q, found, bound = _reach_from(h0, NONE, 0, 0, orig, dorig, room, keep_m, g, w, n_o)
    i = 0
    while found == NONE and i < n_q:
        v = w.queue[i]
        i += 1
        h = head[v]
        while found == NONE and h != NONE:
            d_hv = np.int64(np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v])))
            base = w.cost[v] - cost_of(h, int(v), int(d_hv), orig, dorig, keep_m)
            n_q, found, bound = _reach_from(h, v, base, n_q, orig, dorig, room, keep_m, g, w, n_o)
            h = nxt[h]
    for k in range(n_q):
        w.seen[w.queue[k]] = False
    for k in range(n_o[0]):
        c = w.opened_cells[k]
        w.opened[c] = False
        w.ptr[c] = g.grid.start[c]
    return found, bound, n_q


@numba.njit(cache=True)
def _reach_from(
    h: int,
    v: int,
    base: int,
    n_q: int,
    orig: IntArray,
    dorig: IntArray,
    room: IntArray,
    keep_m: int,
    g: Eligibility,
    w: ReachScratch,
    n_o: IntArray,
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Reach every visitor not yet reached that may visit ``h`` (now at ``v``; the chain so
    far costs ``base`` plus what ``h`` costs at ``v``); stops at one with room. Returns
    ``n_q, found, bound`` as :func:`reach_room`."""
    grid = g.grid
    start = grid.start
    if len(grid.visitors) > 0:
        x, y, z = g.hxyz[h, 0], g.hxyz[h, 1], g.hxyz[h, 2]
        y0, y1, x0, x1 = grid_window(grid, g.hlat[h], g.hlon[h], g.max_m)
        for cy in range(y0, y1 + 1):
            for cx in range(x0, x1 + 1):
                c = cy * grid.nx + cx
                if w.ptr[c] == start[c + 1]:
                    continue
                if box_metres(grid.box_lo, grid.box_hi, c, x, y, z) > g.max_m + 1:
                    continue
                for k in range(w.ptr[c], start[c + 1]):
                    t = w.order[k]
                    fresh = not w.dead[t] and not w.seen[t]
                    d = _allowed_metres(h, t, g.max_m, g) if fresh else 0
                    if d < 0:
                        continue  # stays among those not reached, for other households
                    # Reached now (or dead, or reached before): move it before the pointer.
                    w.order[k] = w.order[w.ptr[c]]
                    w.order[w.ptr[c]] = t
                    w.ptr[c] += 1
                    if not w.opened[c]:
                        w.opened[c] = True
                        w.opened_cells[n_o[0]] = c
                        n_o[0] += 1
                    if not fresh:
                        continue
                    step = cost_of(h, t, d, orig, dorig, keep_m)
                    n_q, found, bound = _reached(t, base + step, n_q, room, w)
                    if found != NONE:
                        return n_q, found, bound
    pool = g.hpool[h]
    if pool >= 0:
        for k in range(g.pool_start[pool], g.pool_start[pool + 1]):
            t = g.pooled[k]
            if w.seen[t] or w.dead[t] or t == v:
                continue
            d = _allowed_metres(h, t, np.inf, g)
            if d < 0:
                continue
            step = cost_of(h, t, d, orig, dorig, keep_m)
            n_q, found, bound = _reached(t, base + step, n_q, room, w)
            if found != NONE:
                return n_q, found, bound
    return n_q, NONE, _INF


@numba.njit(cache=True, inline="always")
def _reached(
    t: int, cost: int, n_q: int, room: IntArray, w: ReachScratch
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Mark ``t`` reached by a chain costing ``cost``; returns ``n_q, found, bound``."""
    w.seen[t] = True
    w.cost[t] = cost
    w.queue[n_q] = t
    if room[t] > 0:
        return n_q + 1, t, cost
    return n_q + 1, NONE, _INF


@numba.njit(cache=True, inline="always")
def _allowed_metres(h: int, v: int, limit: float, g: Eligibility) -> int:  # pragma: no cover
    """Whole metres from ``h`` to ``v`` when ``v`` may visit ``h`` within ``limit``, else -1."""
    if (g.hmask[h] & g.vmask[v]) == 0:
        return -1
    d = np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v]))
    if d > limit:
        return -1
    if not area_and_exclusion_allow(
        h, v, g.harea, g.varea, g.area_enter, g.area_leave, g.excl, len(g.vlat)
    ):
        return -1
    return int(d)
