"""Insert new households into a paired region, moving as few existing pairs as possible.

A coordinator who adds a hundred households to a paired region expects them paired and
everyone else left alone, unless a short chain of moves makes room where it is needed. That
is this min-cost flow, solved exactly:

* a new household's pair costs its distance in metres;
* an existing household that keeps its visitor costs nothing; one that moves costs
  ``keep_km`` plus any distance it gains (``keep_m + max(0, d_new - d_now)``), and a move
  never counts as a saving (making existing pairs shorter is a job for a full re-pairing);
* first as many new households as possible are paired, without unpairing anyone; then the
  least total cost.

With these costs the current pairing is optimal on its own, so successive shortest paths
apply: a new household follows the cheapest chain of moves to a visitor with room, found by
Dijkstra on reduced costs over every eligible pair (a grid search, nothing pruned by a
candidate list), and the potentials are updated as in Johnson's method. They start at 0 for
a visitor with room and, for a full one, at minus a lower bound of what leaving it costs
(``keep_m`` plus what a household gains towards the nearest room, at most two moves;
``_potential``), so every reduced cost starts non-negative and the search (an A* search in
effect) does not settle full visitors that a direct pair to room already beats. A scan from
a visitor skips visitors, and whole grid cells, whose potentials put them out of reach or
whose labels it cannot improve (most of a crowded city, once a search has spread over it;
cells are finer than the certificate's for this). Each search pairs its newcomer along a
cheapest way in given the newcomers paired before it, so the result is exact whatever the
order when every newcomer is paired. The newcomers with room nearest go first. When some
cannot be paired, the order may have chosen the wrong ones; that is possible only if a
newcomer was paired with a visitor that a failed one could reach (``_rivals``), and then a
second pass chooses them by successive shortest paths from one source joined to every
newcomer: the next paired is always the one whose way in costs least (each waits in a heap
keyed by a lower bound of its cost and goes back with its true cost when a search finds it
dearer than the next key). The whole is then exact: the most newcomers possible, at the
least cost over every choice of which are left out. That pass is given up when it runs
longer than the first pass plus 5 s (``_CHOICE_FACTOR``; ``Insertion.chosen``). A newcomer
with no room within reach first gets a breadth-first pass over the same moves
(``insert_reach``): it finds some chain to room, whose cost then bounds the search, or
proves that there is none (and the visitors it reached are skipped from then on), where an
unbounded search would list every eligible visitor of every household it met. Where a
visitor with room is near, a search settles a handful of visitors; where every visitor for
kilometres is full (a crowded city) and earlier newcomers took the room nearby, proving that
no chain beats the nearest room means settling every visitor of lower label, which can take
seconds each at region scale (``max_settled`` bounds it; ``docs/pairing.md``).
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.typed import Dict, List

from doorstep.domain.geo import to_unit_xyz
from doorstep.engine.pairing.insert_graph import Eligibility, cost_of
from doorstep.engine.pairing.insert_reach import ReachScratch, reach_room, reach_scratch
from doorstep.engine.pairing.longitude import away_from_antimeridian
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, PairingProblem
from doorstep.engine.pairing.reach import no_way_to_room
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
#: The second pass, which chooses the newcomers to leave out, is given up once it has run
#: this many times as long as the first pass, plus the allowance (seconds of CPU time are
#: not counted in the compiled searches, so a timer raises a flag that they read).
_CHOICE_FACTOR = 1.0
_CHOICE_ALLOWANCE_S = 5.0
#: Newcomers are screened (``no_way_to_room``) when they are at least one household in this
#: many: the screen costs about as much as one global relabel of the region (seed scale:
#: 3-4.5 s with its index, a microsecond or two a household), a failed search milliseconds.
_SCREEN_SHARE = 100


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
        Whether the result is proved least-cost: every search of the pass whose result
        stands ran to its proof (``cut`` says how many were cut short) and, if not every
        newcomer could be paired, which to leave out was chosen (``chosen``).
    chosen
        ``False`` when the pass that chooses which newcomers to leave out was given up for
        its time (``_CHOICE_FACTOR``); the first pass's choice, in order of nearest room,
        then stands.
    searches
        Searches run: one per household of ``new``, plus one each time a newcomer's way in
        turned out dearer than another's and it waited for its turn.
    """

    visitor: IntArray
    new: IntArray
    released: IntArray
    moved: IntArray
    cost: int
    settled: int
    exact: bool
    cut: int
    chosen: bool
    searches: int
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
    nv = p.n_visitors
    keep_m = params.keep_m
    # ``orig``/``dorig``: each household's pair before the insertion (read only from here).
    orig, dorig, released = _allowed_current(p, params.max_m)
    todo = np.union1d(new, released[p.household_consent[released]])
    todo = todo[p.household_consent[todo] & (p.household_languages[todo] != 0)]
    # Newcomers that no chain can pair, now or after others are paired, are found by one
    # search when there are many: a region's households left over where visitors are short
    # would each fail a search of their own (seed scale: 64k of them, ms each).
    searched = todo
    if len(todo) * _SCREEN_SHARE >= p.n_households:
        searched = todo[~no_way_to_room(p, orig, params.max_m)[todo]]
    room = _room(p, orig)

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
    rooms = build_grid(p, vxyz, params.max_m, among=room > 0)  # visitors with room
    vcell = np.full(nv, NONE, np.int64)
    vcell[grid.visitors] = np.repeat(np.arange(len(grid.start) - 1), np.diff(grid.start))
    near = _nearest(searched, g, rooms)
    progress = progress or Silent()
    # First the newcomers with room nearest, each paired by its own search: exact whenever
    # no newcomer that failed could have taken the place of one paired (see ``_rivals``).
    region = _Region(orig, dorig, keep_m, g, rooms, vcell)
    s = _State.start(region, room)
    progress.stage("pairing the new households", len(todo))
    progress.advance(len(todo) - len(searched))
    run = _Run.of(s, region, searched, near, patient=False)
    first_s = time.perf_counter()
    run.all(max_settled, progress)
    first_s = time.perf_counter() - first_s
    chosen = True
    if _rivals(s.visitor, searched, s.w.dead):
        # Some newcomer paired where a failed one could have been: choose who gets in by
        # successive shortest paths from all the newcomers at once, the cheapest way in first.
        # ``_lower_bounds`` are the keys; a search that finds its newcomer's way in dearer
        # than the next key puts it back with that cost (a way in only gets dearer as others
        # are paired), so each newcomer paired is the cheapest of all at its turn. Where
        # that costs far more than the first pass (a crowded city whose unpaired households
        # reach room only through long chains), it is given up and the first pass stands.
        first = run
        second = _State.start(region, _room(p, orig))
        progress.stage("choosing which new households to pair", len(todo))
        progress.advance(len(todo) - len(searched))
        low = _lower_bounds(searched, near, g, keep_m)
        run = _Run.of(second, region, searched, low, patient=True)
        if run.all(max_settled, progress, _CHOICE_FACTOR * first_s + _CHOICE_ALLOWANCE_S):
            s = second
            run.add(first)
        else:
            chosen = False
            first.add(run)
            run = first
    visitor = s.visitor
    existing = np.flatnonzero(orig != NONE)
    moved = existing[visitor[existing] != orig[existing]]
    cost = _cost(p, visitor, todo, moved, orig, dorig, keep_m)
    return Insertion(
        visitor=visitor,
        new=todo,
        released=released,
        moved=moved,
        cost=cost,
        settled=run.settled,
        exact=run.exact and chosen,
        chosen=chosen,
        cut=run.cut,
        searches=run.searches,
        seconds=time.perf_counter() - started,
    )


@dataclass(eq=False)
class _State:
    """What the searches change: every household's visitor, each visitor's households (linked
    lists), room and potential (``qv``; ``lift`` bounds ``-qv`` per grid cell), the
    searches' arrays, and the ways in of newcomers sent back (``_insert_some``)."""

    visitor: IntArray
    head: IntArray
    nxt: IntArray
    prv: IntArray
    room: IntArray
    qv: IntArray
    lift: IntArray
    w: _Workspace
    paths: dict[int, IntArray]

    @staticmethod
    def start(region: _Region, room: IntArray) -> _State:
        """The region before any newcomer, with ``room`` (owned from here on) per visitor."""
        orig = region.orig
        nh, nv = len(orig), len(room)
        head = np.full(nv, NONE, np.int64)
        nxt = np.full(nh, NONE, np.int64)
        prv = np.full(nh, NONE, np.int64)
        paired = np.flatnonzero(orig != NONE)
        _link_all(paired, orig[paired], head, nxt, prv)
        # Potentials: a full visitor is at least one move (``keep_m``) from any room, until
        # ``_potential`` looks closer; see the module docstring.
        qv = np.where(room > 0, 0, -region.keep_m).astype(np.int64)
        grid = region.g.grid
        return _State(
            visitor=orig.copy(),
            head=head,
            nxt=nxt,
            prv=prv,
            room=room,
            qv=qv,
            lift=cell_minimum(grid, -qv),
            w=_workspace(nv, grid),
            paths=Dict.empty(key_type=types.int64, value_type=types.int64[::1]),
        )


def _room(p: PairingProblem, orig: IntArray) -> IntArray:
    """Each visitor's free places with the pairs ``orig`` (none for an inactive visitor)."""
    load = np.bincount(orig[orig != NONE], minlength=p.n_visitors)
    return np.where(p.visitor_active, p.visitor_capacity.astype(np.int64) - load, 0)


class _Region(NamedTuple):
    """What every pass reads and none changes: each household's pair before the insertion
    and its metres, the cost of a move, the eligibility, the visitors that had room, and
    each visitor's cell of the eligibility grid."""

    orig: IntArray
    dorig: IntArray
    keep_m: int
    g: Eligibility
    rooms: VisitorGrid
    vcell: IntArray


@dataclass(eq=False)
class _Run:
    """One pass of searches over the newcomers of ``keys``, and what it counted."""

    s: _State
    region: _Region
    keys: list[tuple[np.int64, np.int64]]
    patient: bool
    settled: int = 0
    exact: bool = True
    cut: int = 0
    searches: int = 0

    @staticmethod
    def of(s: _State, region: _Region, todo: IntArray, keys: FloatArray, *, patient: bool) -> _Run:
        """``todo`` to be searched in the order of ``keys``, least first (then by index);
        ``patient``: a newcomer whose way in costs more than the next key waits its turn."""
        whole = np.where(keys < _INF, np.floor(keys), _INF).astype(np.int64)
        order = np.lexsort((todo, whole))
        return _Run(s, region, _key_heap(todo[order], whole[order]), patient)

    def all(self, max_settled: int, progress: Progress, seconds: float | None = None) -> bool:
        """Search every newcomer; ``False`` if that was given up after ``seconds``."""
        s, r = self.s, self.region
        stop = np.zeros(1, np.bool_)
        timer = None
        if seconds is not None and seconds <= 0:
            stop[0] = True
        elif seconds is not None:
            timer = threading.Timer(seconds, stop.fill, (True,))
            timer.daemon = True
            timer.start()
        try:
            while len(self.keys) > 0 and not stop[0]:
                finished, ran, more, whole, cuts = _insert_some(
                    self.keys,
                    s.paths,
                    _BATCH,
                    stop,
                    self.patient,
                    s.visitor,
                    r.orig,
                    r.dorig,
                    s.head,
                    s.nxt,
                    s.prv,
                    s.room,
                    s.qv,
                    s.lift,
                    r.vcell,
                    r.keep_m,
                    r.g,
                    r.rooms,
                    s.w,
                    max_settled,
                )
                self.settled += more
                self.exact = self.exact and whole
                self.cut += cuts
                self.searches += ran
                progress.advance(finished)
        finally:
            if timer is not None:
                timer.cancel()
        return len(self.keys) == 0 and not stop[0]

    def add(self, other: _Run) -> None:
        """Count ``other``'s work too (its cuts stay its own: they did not shape this
        pass's result)."""
        self.settled += other.settled
        self.searches += other.searches


def _rivals(visitor: IntArray, todo: IntArray, dead: BoolArray) -> bool:
    """Whether a newcomer is paired with a visitor that some failed newcomer could reach.

    Only then may the order of the searches have chosen the wrong newcomers: a cheaper
    choice swaps a paired newcomer for a failed one along a chain from the failed one, whose
    visitors are all ``dead`` (a closed set without room that no later search enters)."""
    v = visitor[todo]
    return bool(dead[v[v != NONE]].any())


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
def _nearest(todo: IntArray, g: Eligibility, among: VisitorGrid) -> FloatArray:  # pragma: no cover
    """Metres from each of ``todo`` to the nearest visitor of ``among`` (0 for a household of
    a remote pool, whose visitors are in no grid; infinite beyond the distance limit)."""
    out = np.empty(len(todo))
    for i in range(len(todo)):
        h = todo[i]
        out[i] = 0.0 if g.hpool[h] >= 0 else _nearest_room(h, g.max_m, g, among)
    return out


def _lower_bounds(todo: IntArray, near: FloatArray, g: Eligibility, keep_m: int) -> FloatArray:
    """A lower bound of what pairing each of ``todo`` costs, given ``near`` (``_nearest``
    visitor with room).

    The way in either pairs it with a visitor that has room (at least the metres to the
    nearest one) or with a full visitor (at least the metres to the nearest visitor) whose
    household moves out, which costs at least ``keep_m`` while only existing households are
    paired; later it only gets dearer. Languages, areas and exclusions are ignored."""
    return np.asarray(np.floor(np.minimum(near, _nearest(todo, g, g.grid) + keep_m)))


@numba.njit(cache=True)
def _key_heap(
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
def _insert_some(
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
    w: _Workspace,
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
        next_key = keys[0][0] if len(keys) > 0 else _INF
        searches += 1
        was_cut = False
        n_t = 0
        n_s = 0
        best = _INF
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
                low = _INF
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
                most[vcell[x]] = _INF  # a finite bound: every visitor touched (or dead for good)
            dist[x] = _INF
            pred_v[x] = NONE
            pred_h[x] = NONE
    return finished, searches, settled, exact, cut
