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
``insert_search``), so every reduced cost starts non-negative and the search (an A* search in
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

import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import types
from numba.typed import Dict

from doorstep.domain.geo import to_unit_xyz
from doorstep.engine.pairing.insert_graph import Eligibility
from doorstep.engine.pairing.insert_search import (
    INF,
    Workspace,
    insert_some,
    key_heap,
    link_all,
    lower_bounds,
    nearest,
    workspace,
)
from doorstep.engine.pairing.longitude import away_from_antimeridian
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, PairingProblem
from doorstep.engine.pairing.reach import no_way_to_room
from doorstep.engine.pairing.scan import VisitorGrid, build_grid, cell_minimum
from doorstep.engine.pairing.solve import Progress, Silent

#: Finer cells than the certificate's: a scan skips whole cells whose visitors hold better
#: labels or potentials (``insert_search``), which pays off when cells are small (1.5 km at 30 km).
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
    near = nearest(searched, g, rooms)
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
        # ``lower_bounds`` are the keys; a search that finds its newcomer's way in dearer
        # than the next key puts it back with that cost (a way in only gets dearer as others
        # are paired), so each newcomer paired is the cheapest of all at its turn. Where
        # that costs far more than the first pass (a crowded city whose unpaired households
        # reach room only through long chains), it is given up and the first pass stands.
        first = run
        second = _State.start(region, _room(p, orig))
        progress.stage("choosing which new households to pair", len(todo))
        progress.advance(len(todo) - len(searched))
        low = lower_bounds(searched, near, g, keep_m)
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
    searches' arrays, and the ways in of newcomers sent back (``insert_some``)."""

    visitor: IntArray
    head: IntArray
    nxt: IntArray
    prv: IntArray
    room: IntArray
    qv: IntArray
    lift: IntArray
    w: Workspace
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
        link_all(paired, orig[paired], head, nxt, prv)
        # Potentials: a full visitor is at least one move (``keep_m``) from any room, until
        # ``insert_search`` looks closer; see the module docstring.
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
            w=workspace(nv, grid),
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
        whole = np.where(keys < INF, np.floor(keys), INF).astype(np.int64)
        order = np.lexsort((todo, whole))
        return _Run(s, region, key_heap(todo[order], whole[order]), patient)

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
                finished, ran, more, whole, cuts = insert_some(
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
