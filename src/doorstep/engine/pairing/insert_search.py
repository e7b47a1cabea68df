"""The compiled searches of :mod:`.insert`: one newcomer's cheapest way in at a time.

Each search is Dijkstra's on reduced costs over every eligible move (the grid of
:mod:`.scan`, nothing pruned by a candidate list), from a newcomer to a visitor with room,
with the potentials of Johnson's method kept from one search to the next; the costs and the
order of the searches are in :mod:`.insert`, the breadth-first pass for a newcomer with no
room in reach in :mod:`.insert_reach`. Everything here runs compiled, most of it without
the GIL, so that a pass can be given up from another thread (``insert_some``'s ``stop``).
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numba
import numpy as np
from numba.typed import List

from doorstep.engine.pairing.insert_graph import Eligibility, cost_of
from doorstep.engine.pairing.insert_reach import ReachScratch, reach_room, reach_scratch
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray
from doorstep.engine.pairing.scan import (
    VisitorGrid,
    area_and_exclusion_allow,
    box_metres,
    grid_window,
)
from doorstep.engine.pairing.sphere import haversine

#: "No label yet": far above any cost, and safe to add a few of.
INF = np.iinfo(np.int64).max // 4


@numba.njit(cache=True)
def link_all(
    h: IntArray, v: IntArray, head: IntArray, nxt: IntArray, prv: IntArray
) -> None:  # pragma: no cover - compiled
    """Doubly linked lists of each visitor's households."""
    for i in range(len(h)):
        _link(h[i], v[i], head, nxt, prv)


@numba.njit(cache=True)
def _link(h: int, v: int, head: IntArray, nxt: IntArray, prv: IntArray) -> None:  # pragma: no cover
    nxt[h] = head[v]
    prv[h] = NONE
    if head[v] != NONE:
        prv[head[v]] = h
    head[v] = h


@numba.njit(cache=True)
def _unlink(
    h: int, v: int, head: IntArray, nxt: IntArray, prv: IntArray
) -> None:  # pragma: no cover
    if prv[h] != NONE:
        nxt[prv[h]] = nxt[h]
    else:
        head[v] = nxt[h]
    if nxt[h] != NONE:
        prv[nxt[h]] = prv[h]
    nxt[h] = NONE
    prv[h] = NONE


@numba.njit(cache=True)
def _eligible(
    h: int,
    radius: float,
    slack: int,
    base: int,
    out_v: IntArray,
    out_d: IntArray,
    g: Eligibility,
    qv: IntArray,
    lift: IntArray,
    dist: IntArray,
    most: IntArray,
    dead: BoolArray,
) -> int:  # pragma: no cover - compiled
    """Eligible visitors ``x`` of ``h`` that may improve on their label, into ``out_v`` and
    ``out_d``; returns how many.

    Moving ``h`` to ``x`` costs at least ``max(0, d - slack)`` more than ``base`` (``slack``
    is ``h``'s current metres for an existing household, whose cost is ``keep_m`` plus what
    it gains; 0 for a newcomer, whose cost is its metres), and is worth a label only within
    ``radius + qv[x]`` metres, so only while ``-qv[x] <= radius - slack``; ``lift`` bounds
    ``-qv`` per cell. ``x`` improves only when ``base`` (plus the metres) is below
    ``dist[x] + qv[x]``; ``most[c]`` holds the largest of these over cell ``c`` when last
    scanned (labels only fall during a search, so it stays an upper bound) and lets a cell
    whose visitors all hold better labels be skipped. Visitors in a closed set without room
    (``dead``) are left out, so a cell of them only is skipped from its next scan on. Local
    visitors are also within ``max_m``."""
    n = 0
    r = min(radius, g.max_m)
    grid = g.grid
    start = grid.start
    if r >= 0 and len(grid.visitors) > 0:
        x, y, z = g.hxyz[h, 0], g.hxyz[h, 1], g.hxyz[h, 2]
        y0, y1, x0, x1 = grid_window(grid, g.hlat[h], g.hlon[h], r)
        for cy in range(y0, y1 + 1):
            for cx in range(x0, x1 + 1):
                c = cy * grid.nx + cx
                if start[c] == start[c + 1] or lift[c] > radius - slack + 1:
                    continue
                box = box_metres(grid.box_lo, grid.box_hi, c, x, y, z)
                if box > min(r, radius - lift[c]) + 1:
                    continue
                if base + max(box - slack - 1.0, 0.0) >= most[c]:
                    continue
                top = -INF
                for k in range(start[c], start[c + 1]):
                    v = grid.visitors[k]
                    if dead[v]:
                        continue
                    label = dist[v] + qv[v]
                    top = max(top, label)
                    if base >= label or -qv[v] > radius - slack + 1:
                        continue
                    n = _keep_if_allowed(h, v, g.max_m, radius, out_v, out_d, n, g, qv)
                most[c] = top
    pool = g.hpool[h]
    if pool >= 0:
        for k in range(g.pool_start[pool], g.pool_start[pool + 1]):
            n = _keep_if_allowed(h, g.pooled[k], np.inf, radius, out_v, out_d, n, g, qv)
    return n


@numba.njit(cache=True, inline="always")
def _keep_if_allowed(
    h: int,
    v: int,
    limit: float,
    reach: float,
    out_v: IntArray,
    out_d: IntArray,
    n: int,
    g: Eligibility,
    qv: IntArray,
) -> int:  # pragma: no cover - compiled
    """Append ``v`` to the output when it may visit ``h`` (within ``limit`` metres) and is
    within ``reach + qv[v]`` (a pruning radius, +1 m of slack); returns the new count."""
    if (g.hmask[h] & g.vmask[v]) == 0:
        return n
    d = np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v]))
    if d > limit or d > reach + qv[v] + 1.0:
        return n
    if not area_and_exclusion_allow(
        h, v, g.harea, g.varea, g.area_enter, g.area_leave, g.excl, len(g.vlat)
    ):
        return n
    out_v[n] = v
    out_d[n] = int(d)
    return n + 1


@numba.njit(cache=True)
def _potential(
    x: int,
    qv: IntArray,
    known: BoolArray,
    head: IntArray,
    nxt: IntArray,
    dorig: IntArray,
    keep_m: int,
    g: Eligibility,
    rooms: VisitorGrid,
) -> int:  # pragma: no cover - compiled
    """Visitor ``x``'s potential, made exact the first time a search reaches ``x``.

    Until then a full visitor holds ``-keep_m``, a bound of it (never below it, so scans
    may prune with it). A visitor no search has reached still has its households and room
    from the start, so its exact potential is ``-`` the least a household of it pays to
    leave: ``keep_m`` plus the metres it gains to the nearest visitor that had room at the
    start, or ``2 * keep_m`` when that is less (moving on into another full visitor costs a
    second move). Every reduced cost stays non-negative whichever visitors are made exact
    and when, so the potentials stay valid for Johnson's method."""
    if not known[x]:
        known[x] = True
        if qv[x] < 0:
            low = 2 * keep_m
            h = head[x]
            while h != NONE and low > keep_m:
                if g.hpool[h] >= 0:
                    low = keep_m  # a pool's visitors are not in the room grid
                else:
                    reach = min(dorig[h] + keep_m, g.max_m)
                    near = _nearest_room(h, reach, g, rooms)
                    if near <= reach:
                        low = min(low, keep_m + max(near - dorig[h], 0))
                h = nxt[h]
            qv[x] = -low
    return int(qv[x])


@numba.njit(cache=True)
def _nearest_room(
    h: int, reach: float, g: Eligibility, rooms: VisitorGrid
) -> float:  # pragma: no cover - compiled
    """Whole metres from ``h`` to the nearest visitor with room at the start, if one is
    within ``reach`` (otherwise more than ``reach``); languages are not checked, so it is a
    lower bound of the distance to any visitor with room that may visit ``h``."""
    best = np.inf
    if len(rooms.visitors) == 0:
        return best
    x, y, z = g.hxyz[h, 0], g.hxyz[h, 1], g.hxyz[h, 2]
    y0, y1, x0, x1 = grid_window(rooms, g.hlat[h], g.hlon[h], reach)
    for cy in range(y0, y1 + 1):
        for cx in range(x0, x1 + 1):
            c = cy * rooms.nx + cx
            if rooms.start[c] == rooms.start[c + 1]:
                continue
            if box_metres(rooms.box_lo, rooms.box_hi, c, x, y, z) > min(reach, best) + 1:
                continue
            for k in range(rooms.start[c], rooms.start[c + 1]):
                v = rooms.visitors[k]
                d = np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v]))
                best = min(best, d)
    return best


@numba.njit(cache=True)
def nearest(todo: IntArray, g: Eligibility, among: VisitorGrid) -> FloatArray:  # pragma: no cover
    """Metres from each of ``todo`` to the nearest visitor of ``among`` (0 for a household of
    a remote pool, whose visitors are in no grid; infinite beyond the distance limit)."""
    out = np.empty(len(todo))
    for i in range(len(todo)):
        h = todo[i]
        out[i] = 0.0 if g.hpool[h] >= 0 else _nearest_room(h, g.max_m, g, among)
    return out


def lower_bounds(todo: IntArray, near: FloatArray, g: Eligibility, keep_m: int) -> FloatArray:
    """A lower bound of what pairing each of ``todo`` costs, given ``near`` (``nearest``
    visitor with room).

    The way in either pairs it with a visitor that has room (at least the metres to the
    nearest one) or with a full visitor (at least the metres to the nearest visitor) whose
    household moves out, which costs at least ``keep_m`` while only existing households are
    paired; later it only gets dearer. Languages, areas and exclusions are ignored."""
    return np.asarray(np.floor(np.minimum(near, nearest(todo, g, g.grid) + keep_m)))


@numba.njit(cache=True)
def key_heap(
    todo: IntArray, keys: IntArray
) -> list[tuple[np.int64, np.int64]]:  # pragma: no cover - compiled
    """A heap of ``(key, household)`` from pairs already in order (a sorted list is a heap)."""
    heap: list[tuple[np.int64, np.int64]] = List()
    for i in range(len(todo)):
        heap.append((np.int64(keys[i]), np.int64(todo[i])))
    return heap


@numba.njit(cache=True, inline="always")
def _relax(
    x: int,
    nd: int,
    v: int,
    h: int,
    dist: IntArray,
    pred_v: IntArray,
    pred_h: IntArray,
    heap: list[tuple[np.int64, np.int64]],
    touched: IntArray,
    n_t: int,
    room: IntArray,
    qv: IntArray,
    best: int,
    best_v: int,
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Reach visitor ``x`` at label ``nd`` by moving ``h`` from ``v`` (``-1``: ``h`` is the
    newcomer); a visitor with room also reaches the sink. Returns ``n_t, best, best_v``."""
    if nd < dist[x] and nd < best:
        if dist[x] == INF:
            touched[n_t] = x
            n_t += 1
        dist[x] = nd
        pred_v[x] = v
        pred_h[x] = h
        heapq.heappush(heap, (np.int64(nd), np.int64(x)))
        if room[x] > 0 and nd + qv[x] < best:
            best = nd + qv[x]
            best_v = x
    return n_t, best, best_v


class Workspace(NamedTuple):
    """The searches' arrays, kept from one batch of newcomers to the next: labels and
    predecessors (reset after each search), the closed sets found dead, the visitors whose
    potential is exact, each cell's label bound (``_eligible``), and the scratch of the pass
    that bounds a newcomer's search when no room is in reach (``insert_reach``)."""

    dist: IntArray
    pred_v: IntArray
    pred_h: IntArray
    dead: BoolArray
    known: BoolArray
    touched: IntArray
    done: IntArray
    out_v: IntArray
    out_d: IntArray
    stale: BoolArray
    cells: IntArray
    most: IntArray
    reach: ReachScratch


def workspace(nv: int, grid: VisitorGrid) -> Workspace:
    ncell = len(grid.start) - 1
    dead = np.zeros(nv, np.bool_)
    return Workspace(
        dist=np.full(nv, INF, np.int64),
        pred_v=np.full(nv, NONE, np.int64),
        pred_h=np.full(nv, NONE, np.int64),
        dead=dead,
        known=np.zeros(nv, np.bool_),
        touched=np.empty(nv, np.int64),
        done=np.empty(nv, np.int64),
        out_v=np.empty(nv + 1, np.int64),
        out_d=np.empty(nv + 1, np.int64),
        stale=np.zeros(ncell, np.bool_),
        cells=np.empty(ncell, np.int64),
        most=np.full(ncell, INF, np.int64),
        reach=reach_scratch(dead, grid),
    )


@numba.njit(cache=True)
def _path(
    best: int, best_v: int, pred_v: IntArray, pred_h: IntArray
) -> IntArray:  # pragma: no cover
    """A search's way in as ``[cost, visitor with room, h, from, to, h, from, to, ...]``: each
    household ``h`` moves ``from`` one visitor (``-1``: the newcomer) ``to`` the next, last
    move first."""
    n = 0
    x = best_v
    while True:
        n += 1
        if pred_v[x] == NONE:
            break
        x = pred_v[x]
    out = np.empty(2 + 3 * n, np.int64)
    out[0] = best
    out[1] = best_v
    x = best_v
    for i in range(n):
        out[2 + 3 * i] = pred_h[x]
        out[3 + 3 * i] = pred_v[x]
        out[4 + 3 * i] = x
        x = pred_v[x]
    return out


@numba.njit(cache=True)
def _intact(
    paths: dict[int, IntArray], h0: int, visitor: IntArray, room: IntArray
) -> int:  # pragma: no cover - compiled
    """The cost of ``h0``'s kept way in if every household on it is still where it was and
    its last visitor still has room (so it costs the same now); ``-1`` otherwise."""
    if h0 not in paths:
        return -1
    path = paths[h0]
    if room[path[1]] <= 0:
        return -1
    for i in range(2, len(path), 3):
        if visitor[path[i]] != path[i + 1]:
            return -1
    return int(path[0])


@numba.njit(cache=True)
def _augment(
    path: IntArray, visitor: IntArray, head: IntArray, nxt: IntArray, prv: IntArray, room: IntArray
) -> None:  # pragma: no cover - compiled
    """Make the moves of a way in (see ``_path``) and take its room."""
    room[path[1]] -= 1
    for i in range(2, len(path), 3):
        h, v, x = path[i], path[i + 1], path[i + 2]
        if v != NONE:
            _unlink(h, v, head, nxt, prv)
        _link(h, x, head, nxt, prv)
        visitor[h] = x


@numba.njit(cache=True, nogil=True)
def insert_some(
    keys: list[tuple[np.int64, np.int64]],
    paths: dict[int, IntArray],
    limit: int,
    stop: BoolArray,
    patient: bool,
    visitor: IntArray,
    orig: IntArray,
    dorig: IntArray,
    head: IntArray,
    nxt: IntArray,
    prv: IntArray,
    room: IntArray,
    qv: IntArray,
    lift: IntArray,
    vcell: IntArray,
    keep_m: int,
    g: Eligibility,
    rooms: VisitorGrid,
    w: Workspace,
    max_settled: int,
) -> tuple[int, int, int, bool, int]:  # pragma: no cover - compiled
    """Successive shortest paths from the newcomers of ``keys`` until ``limit`` of them are
    paired or found unpairable, or until ``stop[0]`` is raised (from another thread: the GIL
    is released; the pass is then to be dropped, the search under way left unfinished); see
    the module docstring. Returns how many were, the searches run, the visitors settled, whether all
    were exact, and how many were cut short.

    ``keys`` is a heap of ``(lower bound of the cost, newcomer)``. The newcomer of least key
    is searched; if its cheapest way in costs more than the next key it goes back with that
    cost instead of being paired (its search still tightens the potentials), and its way in
    is kept in ``paths`` (see ``_path``) to bound its next search. ``qv`` are the
    visitors' potentials (never positive, zero while a visitor has room; the sink's and the
    newcomers' stay 0, so a search's ``best`` is the real cost of its way in); ``lift[c]`` is
    at most the least ``-qv`` over grid cell ``c``; the reduced cost of moving household
    ``h`` from ``v`` to ``x`` is ``c(h, x) - c(h, v) + qv[v] - qv[x] >= 0``."""
    dist, pred_v, pred_h, dead, known, touched, done, out_v, out_d, stale, cells, most, reach = w
    settled = 0
    exact = True
    cut = 0
    finished = 0
    searches = 0
    while len(keys) > 0 and finished < limit and not stop[0]:
        h0 = int(heapq.heappop(keys)[1])
        next_key = keys[0][0] if len(keys) > 0 else INF
        searches += 1
        was_cut = False
        n_t = 0
        n_s = 0
        best = INF
        best_v = NONE
        kept = _intact(paths, h0, visitor, room)
        if kept >= 0:
            # Its last search found this way in and sent it back: it still holds, and a way
            # in never gets cheaper, so it bounds this search (which settles only what other
            # searches changed since, and raises the potentials along it).
            best = kept
            best_v = paths[h0][1]
        heap = [(np.int64(0), np.int64(0))]
        heap.pop()
        n = _eligible(h0, np.inf, 0, -INF, out_v, out_d, g, qv, lift, dist, most, dead)
        near = INF  # the nearest visitor with room: no full visitor beyond it is worth a label
        for k in range(n):
            if room[out_v[k]] > 0 and not dead[out_v[k]]:
                near = min(near, out_d[k])
        for k in range(n):
            x = out_v[k]
            # ``qv[x]`` is at least the exact potential: skip before making it exact.
            worth = min(best, dist[x]) if room[x] > 0 else min(near, best, dist[x])
            if dead[x] or out_d[k] - qv[x] >= worth:
                continue
            nd = out_d[k] - _potential(x, qv, known, head, nxt, dorig, keep_m, g, rooms)
            if nd < 0:
                nd = 0  # only after a search was cut short (see below)
                exact = False
            n_t, best, best_v = _relax(
                x, nd, NONE, h0, dist, pred_v, pred_h, heap, touched, n_t, room, qv, best, best_v
            )
        if best == INF and len(heap) > 0:
            # No room next door: without a bound the search would list every eligible
            # visitor of every household it meets. A breadth-first pass finds some chain to
            # room (its cost bounds the search) or proves there is none.
            found, bound, n_q = reach_room(h0, orig, dorig, head, nxt, room, keep_m, g, reach)
            settled += n_q
            if found == NONE:
                for k in range(n_q):
                    dead[reach.queue[k]] = True
                while len(heap) > 0:
                    heap.pop()
            else:
                best = bound + 1
        while len(heap) > 0:
            lab, v = heapq.heappop(heap)
            if lab > dist[v]:
                continue
            if lab >= best:
                break
            if n_s >= max_settled and best_v != NONE:
                # Cut short: the path found so far is taken, not proved the cheapest, and the
                # potentials may no longer bound every reduced cost (clamped at zero above).
                exact = False
                cut += 1
                was_cut = True
                break
            if stop[0]:
                break  # given up: the caller drops this pass
            done[n_s] = v
            n_s += 1
            h = head[v]
            while h != NONE:
                d_hv = np.int64(np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v])))
                c_hv = cost_of(h, int(v), int(d_hv), orig, dorig, keep_m)
                budget = best - lab + c_hv - qv[v] if best < INF else INF
                o = orig[h]
                if budget >= INF:
                    radius = np.inf
                elif o == NONE:
                    radius = float(budget)
                elif budget > keep_m:
                    radius = float(dorig[h] + budget - keep_m)
                else:
                    radius = -1.0
                n = 0
                if radius >= 0:
                    slack = int(dorig[h]) if o != NONE else 0
                    base = lab + (keep_m if o != NONE else 0) - c_hv + qv[v]
                    n = _eligible(
                        h, radius, slack, base, out_v, out_d, g, qv, lift, dist, most, dead
                    )
                if o != NONE and o != v:
                    out_v[n] = o  # going home costs nothing and is always allowed
                    out_d[n] = dorig[h]
                    n += 1
                for k in range(n):
                    x = out_v[k]
                    if x == v or dead[x]:
                        continue
                    nd = lab + cost_of(h, x, out_d[k], orig, dorig, keep_m) - c_hv + qv[v]
                    if nd - qv[x] >= min(best, dist[x]):
                        continue  # a lower bound of the label: skip before making it exact
                    nd -= _potential(x, qv, known, head, nxt, dorig, keep_m, g, rooms)
                    if nd < lab:
                        nd = lab
                        exact = False
                    n_t, best, best_v = _relax(
                        x,
                        nd,
                        int(v),
                        h,
                        dist,
                        pred_v,
                        pred_h,
                        heap,
                        touched,
                        n_t,
                        room,
                        qv,
                        best,
                        best_v,
                    )
                h = nxt[h]
        settled += n_s
        if stop[0]:
            break  # the pass is dropped with its arrays: nothing to reset
        if best_v == NONE:
            # Nothing reachable from h0 has room, and no later chain can enter this closed
            # set and leave it: skip it from now on.
            for k in range(n_t):
                dead[touched[k]] = True
            finished += 1
            paths.pop(h0, None)
        else:
            n_c = 0
            for k in range(n_s):
                v = done[k]
                qv[v] += dist[v] - best
                c = vcell[v]
                if c != NONE and not stale[c]:
                    stale[c] = True
                    cells[n_c] = c
                    n_c += 1
            for k in range(n_c):  # potentials only fall, so each cell's lift only grows
                c = cells[k]
                stale[c] = False
                low = INF
                for i in range(g.grid.start[c], g.grid.start[c + 1]):
                    low = min(low, -qv[g.grid.visitors[i]])
                lift[c] = low
            path = paths[h0] if kept >= 0 and best == kept else _path(best, best_v, pred_v, pred_h)
            if patient and best > next_key and not was_cut:
                # Another newcomer may get in for less: this one waits for its turn.
                paths[h0] = path
                heapq.heappush(keys, (np.int64(best), np.int64(h0)))
            else:
                finished += 1
                paths.pop(h0, None)
                _augment(path, visitor, head, nxt, prv, room)
        for k in range(n_t):
            x = touched[k]
            if vcell[x] != NONE:
                most[vcell[x]] = INF  # a finite bound: every visitor touched (or dead for good)
            dist[x] = INF
            pred_v[x] = NONE
            pred_h[x] = NONE
    return finished, searches, settled, exact, cut
