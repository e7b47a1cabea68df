"""Insert new households into a paired region, moving as few existing pairs as possible.

A coordinator who adds a hundred households to a paired region expects them paired and
everyone else left alone, unless a short chain of moves makes room where it is needed. That
is this min-cost flow, solved exactly when every new household can be paired:

* a new household's pair costs its distance in metres;
* an existing household that keeps its visitor costs nothing; one that moves costs
  ``keep_km`` plus any distance it gains (``keep_m + max(0, d_new - d_now)``), and a move
  never counts as a saving (making existing pairs shorter is a job for a full re-pairing);
* first as many new households as possible are paired, without unpairing anyone; then the
  least total cost.

With these costs the current pairing is optimal on its own, so successive shortest paths
apply: each new household in turn follows the cheapest chain of moves to a visitor with room,
found by Dijkstra on reduced costs over every eligible pair (a grid search, nothing pruned by
a candidate list), and the potentials are updated as in Johnson's method. They start at 0
for a visitor with room and, for a full one, at minus a lower bound of what leaving it costs
(``keep_m`` plus what a household gains towards the nearest room, at most two moves;
``_potential``), so every reduced cost starts non-negative and the search (an A* search in
effect) does not settle full visitors that a direct pair to room already beats. A scan from a
visitor skips visitors, and whole grid cells, whose potentials put them out of reach or whose
labels it cannot improve (most of a crowded city, once a search has spread over it; cells are
finer than the certificate's for this). Each result is a
min-cost flow for the households inserted so far, so the whole is exact when every new
household is paired (the usual case). When some cannot be, the number paired is still the
most possible; which of several competing newcomers wins follows their order: those with
room nearest go first. A newcomer with no room within reach first gets a breadth-first
pass over the same moves (``insert_reach``): it finds some chain to room, whose cost then
bounds the search, or proves that there is none (and the visitors it reached are skipped
from then on), where an unbounded search would list every eligible visitor of every
household it met. Where a visitor with room is near, a search settles a handful of
visitors; where every visitor for kilometres is full (a crowded city) and earlier newcomers
took the room nearby, proving that no chain beats the nearest room means settling every
visitor of lower label, which can take seconds each at region scale (``max_settled`` bounds
it; ``docs/pairing.md``).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from doorstep.domain.geo import to_unit_xyz
from doorstep.engine.pairing.insert_graph import Eligibility, cost_of
from doorstep.engine.pairing.insert_reach import ReachScratch, reach_room, reach_scratch
from doorstep.engine.pairing.longitude import away_from_antimeridian
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, PairingProblem
from doorstep.engine.pairing.scan import (
    VisitorGrid,
    area_and_exclusion_allow,
    box_metres,
    build_grid,
    cell_minimum,
    grid_window,
)
from doorstep.engine.pairing.solve import Progress, Silent
from doorstep.engine.pairing.sphere import haversine

_INF = np.iinfo(np.int64).max // 4
#: Finer cells than the certificate's: a scan skips whole cells whose visitors hold better
#: labels or potentials (``_eligible``), which pays off when cells are small (1.5 km at 30 km).
_CELLS_PER_LIMIT = 20
#: Newcomers per compiled call, between which progress is reported.
_BATCH = 16


@dataclass(frozen=True, eq=False)
class Insertion:
    """The region after inserting new households.

    Attributes
    ----------
    visitor
        Every household's visitor afterwards (``-1`` when unpaired).
    new
        The households that were to be paired: the new ones, and existing ones whose current
        pair is no longer allowed (see ``released``).
    released
        Households whose current pair had to end (visitor inactive or over capacity, consent
        withdrawn, pair no longer eligible); those with consent are among ``new``.
    moved
        Existing households whose visitor changed to make room (``released`` not counted).
    cost
        The objective above: new pairs' metres plus what the moves cost.
    settled
        Visitors settled (or reached by a breadth-first pass) over all searches: how far
        the searches went.
    exact
        Whether every search ran to its proof (``cut`` says how many were cut short).
    """

    visitor: IntArray
    new: IntArray
    released: IntArray
    moved: IntArray
    cost: int
    settled: int
    exact: bool
    cut: int
    seconds: float

    @property
    def paired(self) -> int:
        """How many of ``new`` were paired."""
        return int((self.visitor[self.new] != NONE).sum())

    @property
    def unpaired(self) -> IntArray:
        """The households of ``new`` left unpaired."""
        return np.asarray(self.new[self.visitor[self.new] == NONE], dtype=np.int64)


def insert(
    problem: PairingProblem,
    new: IntArray,
    *,
    params: PairingParams | None = None,
    max_settled: int = 1_000_000_000,
    progress: Progress | None = None,
) -> Insertion:
    """Pair ``new`` households (indices) into the region paired by ``household_current``.

    ``max_settled`` cuts a search short after settling that many visitors once it has found
    some way in; the result then says ``exact=False`` (it is still a valid pairing).
    ``progress`` hears of every batch of newcomers searched (a stage as long as ``new``).
    Raises ``ValueError`` when a new household already has a current visitor, or when
    ``balance_m`` is set (a convex caseload cost makes the current pairing's own optimality
    depend on loads, which a full re-pairing handles).
    """
    started = time.perf_counter()
    params = params or PairingParams()
    if params.balance_m:
        raise ValueError("balance is not applied when inserting; re-pair the area instead")
    p = away_from_antimeridian(problem, params.max_m)
    new = np.unique(np.asarray(new, dtype=np.int64))
    if len(new) and (p.household_current[new] != NONE).any():
        raise ValueError("new households must not have a current visitor")
    nh, nv = p.n_households, p.n_visitors
    keep_m = params.keep_m
    # ``orig``/``dorig``: each household's pair before the insertion (read only from here).
    orig, dorig, released = _allowed_current(p, params.max_m)
    todo = np.union1d(new, released[p.household_consent[released]])
    todo = todo[p.household_consent[todo] & (p.household_languages[todo] != 0)]
    paired = np.flatnonzero(orig != NONE)

    head = np.full(nv, NONE, np.int64)
    nxt = np.full(nh, NONE, np.int64)
    prv = np.full(nh, NONE, np.int64)
    _link_all(paired, orig[paired], head, nxt, prv)
    load = np.bincount(orig[paired], minlength=nv)
    room = np.where(p.visitor_active, p.visitor_capacity.astype(np.int64) - load, 0)

    hxyz = to_unit_xyz(p.household_lat, p.household_lon)
    vxyz = to_unit_xyz(p.visitor_lat, p.visitor_lon)
    grid = build_grid(p, vxyz, params.max_m, per_limit=_CELLS_PER_LIMIT)
    pooled = np.flatnonzero(p.visitor_active & (p.visitor_pool != NONE) & (p.visitor_capacity > 0))
    pooled = pooled[np.argsort(p.visitor_pool[pooled], kind="stable")]
    pool_start = np.searchsorted(p.visitor_pool[pooled], np.arange(len(p.pools) + 1))
    g = Eligibility(
        p.household_lat,
        p.household_lon,
        hxyz,
        p.household_languages.view(np.int64),
        p.household_area.astype(np.int64),
        p.household_pool.astype(np.int64),
        grid,
        p.visitor_lat,
        p.visitor_lon,
        p.visitor_languages.view(np.int64),
        p.visitor_area.astype(np.int64),
        p.area_enter.astype(np.int64),
        p.area_leave.astype(np.int64),
        p.exclusion_keys,
        pool_start.astype(np.int64),
        pooled.astype(np.int64),
        params.max_m,
    )
    visitor = orig.copy()
    # Potentials: a full visitor is at least one move (``keep_m``) from any room, until
    # ``_potential`` looks closer; see the module docstring. ``lift`` holds each grid cell's
    # least ``-qv`` for pruning scans.
    qv = np.where(room > 0, 0, -keep_m).astype(np.int64)
    rooms = build_grid(p, vxyz, params.max_m, among=room > 0)  # visitors with room
    lift = cell_minimum(grid, -qv)
    vcell = np.full(nv, NONE, np.int64)
    vcell[grid.visitors] = np.repeat(np.arange(len(grid.start) - 1), np.diff(grid.start))
    # Newcomers with room nearest go first: they take the room next to them, and those for
    # whom only a long chain (or nothing) remains come last instead of taking that room
    # through a chain and leaving the near ones to search far.
    order = todo[np.argsort(_nearest_rooms(todo, g, rooms), kind="stable")]
    w = _workspace(nv, grid)
    settled, exact, cut = 0, True, 0
    progress = progress or Silent()
    progress.stage("pairing the new households", len(order))
    for i in range(0, len(order), _BATCH):
        batch = order[i : i + _BATCH]
        more, whole, cuts = _insert_all(
            batch,
            visitor,
            orig,
            dorig,
            head,
            nxt,
            prv,
            room,
            qv,
            lift,
            vcell,
            keep_m,
            g,
            rooms,
            w,
            max_settled,
        )
        settled, exact, cut = settled + more, exact and whole, cut + cuts
        progress.advance(len(batch))
    existing = np.flatnonzero(orig != NONE)
    moved = existing[visitor[existing] != orig[existing]]
    cost = _cost(p, visitor, todo, moved, orig, dorig, keep_m)
    return Insertion(
        visitor=visitor,
        new=todo,
        released=released,
        moved=moved,
        cost=cost,
        settled=int(settled),
        exact=bool(exact),
        cut=int(cut),
        seconds=time.perf_counter() - started,
    )


def _allowed_current(p: PairingProblem, max_m: float) -> tuple[IntArray, IntArray, IntArray]:
    """Current pairs that still hold, the metres of each (0 when none), and the households
    whose pair must end.

    A pair ends when it is no longer eligible (consent, activity, language, distance, area,
    exclusion) or its visitor is over capacity (the farthest households go first)."""
    current = p.household_current.astype(np.int64).copy()
    h = np.flatnonzero(current != NONE)
    v = current[h]
    ok = p.eligible(h, v)
    d = p.metres(h, v)
    ok &= (d <= max_m) | (p.visitor_pool[v] != NONE)
    current[h[~ok]] = NONE
    h, v, d = h[ok], v[ok], d[ok]
    # Over capacity: keep each visitor's nearest ``capacity`` households (sorting only the
    # households of visitors over capacity, usually none).
    crowded = np.bincount(v, minlength=p.n_visitors) > p.visitor_capacity
    some = crowded[v]
    hc, vc, dc = h[some], v[some], d[some]
    order = np.lexsort((dc, vc))
    hc, vc = hc[order], vc[order]
    first = np.searchsorted(vc, vc)  # position of each visitor's first household
    over = np.arange(len(vc)) - first >= p.visitor_capacity[vc]
    current[hc[over]] = NONE
    metres = np.zeros(p.n_households, np.int64)
    metres[h] = d
    metres[hc[over]] = 0
    released = np.flatnonzero((p.household_current != NONE) & (current == NONE))
    return current, metres, released


@numba.njit(cache=True)
def _link_all(
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


def _cost(
    p: PairingProblem,
    visitor: IntArray,
    todo: IntArray,
    moved: IntArray,
    orig: IntArray,
    dorig: IntArray,
    keep_m: int,
) -> int:
    got = todo[visitor[todo] != NONE]
    total = int(p.metres(got, visitor[got]).sum())
    d = p.metres(moved, visitor[moved])
    return total + int((keep_m + np.maximum(d - dorig[moved], 0)).sum())


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
                top = -_INF
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
def _nearest_rooms(
    todo: IntArray, g: Eligibility, rooms: VisitorGrid
) -> FloatArray:  # pragma: no cover - compiled
    """Metres from each of ``todo`` to the nearest visitor with room (0 for a household of a
    remote pool, infinite beyond the distance limit)."""
    out = np.empty(len(todo))
    for i in range(len(todo)):
        h = todo[i]
        out[i] = 0.0 if g.hpool[h] >= 0 else _nearest_room(h, g.max_m, g, rooms)
    return out


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
        if dist[x] == _INF:
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


class _Workspace(NamedTuple):
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


def _workspace(nv: int, grid: VisitorGrid) -> _Workspace:
    ncell = len(grid.start) - 1
    dead = np.zeros(nv, np.bool_)
    return _Workspace(
        dist=np.full(nv, _INF, np.int64),
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
        most=np.full(ncell, _INF, np.int64),
        reach=reach_scratch(dead, grid),
    )


@numba.njit(cache=True)
def _insert_all(
    todo: IntArray,
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
    w: _Workspace,
    max_settled: int,
) -> tuple[int, bool, int]:  # pragma: no cover - compiled
    """Successive shortest paths from each of ``todo``; see the module docstring.

    ``qv`` are the visitors' potentials (never positive, zero while a visitor has room; the
    sink's stays 0); ``lift[c]`` is at most the least ``-qv`` over grid cell ``c``;
    the reduced cost of moving household ``h`` from ``v`` to ``x`` is
    ``c(h, x) - c(h, v) + qv[v] - qv[x] >= 0``."""
    dist, pred_v, pred_h, dead, known, touched, done, out_v, out_d, stale, cells, most, reach = w
    settled = 0
    exact = True
    cut = 0
    for h0 in todo:
        n_t = 0
        n_s = 0
        best = _INF
        best_v = NONE
        heap = [(np.int64(0), np.int64(0))]
        heap.pop()
        n = _eligible(h0, np.inf, 0, -_INF, out_v, out_d, g, qv, lift, dist, most, dead)
        near = _INF  # the nearest visitor with room: no full visitor beyond it is worth a label
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
        if best == _INF and len(heap) > 0:
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
                break
            done[n_s] = v
            n_s += 1
            h = head[v]
            while h != NONE:
                d_hv = np.int64(np.rint(haversine(g.hlat[h], g.hlon[h], g.vlat[v], g.vlon[v])))
                c_hv = cost_of(h, int(v), int(d_hv), orig, dorig, keep_m)
                budget = best - lab + c_hv - qv[v] if best < _INF else _INF
                o = orig[h]
                if budget >= _INF:
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
        if best_v == NONE:
            # Nothing reachable from h0 has room, and no later chain can enter this closed
            # set and leave it: skip it from now on.
            for k in range(n_t):
                dead[touched[k]] = True
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
                low = _INF
                for i in range(g.grid.start[c], g.grid.start[c + 1]):
                    low = min(low, -qv[g.grid.visitors[i]])
                lift[c] = low
            x = best_v
            room[x] -= 1
            while True:
                h = pred_h[x]
                v = pred_v[x]
                if v != NONE:
                    _unlink(h, v, head, nxt, prv)
                _link(h, x, head, nxt, prv)
                visitor[h] = x
                if v == NONE:
                    break
                x = v
        for k in range(n_t):
            x = touched[k]
            if vcell[x] != NONE:
                most[vcell[x]] = _INF  # a finite bound: every visitor touched (or dead for good)
            dist[x] = _INF
            pred_v[x] = NONE
            pred_h[x] = NONE
    return settled, exact, cut
