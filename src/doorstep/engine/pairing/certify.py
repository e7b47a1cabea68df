"""The least-cost half of the certificate, and the arcs it asks to add.

The solver only sees candidate arcs. How many households can be paired is already settled
over every eligible arc (:mod:`.cut`); the flow is then the least-cost one over every eligible
arc exactly when its residual graph has no negative cycle. ``pi(u)``, the shortest residual
distance from ``u`` to the sink on the candidate arcs, makes every residual candidate arc's
reduced cost ``c + pi(w) - pi(u)`` non-negative; so no pruned arc may have
``d(h, v) + pi(v) < pi(h)``. Only arcs with both ends on the same side of the cut count (no
maximum pairing uses the others), and they are searched among *all* local visitors with the
grid scan of :mod:`.scan`.

When none is found the flow is certified optimal for every eligible arc. Otherwise the offending
arcs are added and the affected parts are solved again (:func:`.solve.solve` says why this ends
when unused arcs give way to new ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.problem import BoolArray, IntArray, PairingProblem
from doorstep.engine.pairing.prune import reduced_costs
from doorstep.engine.pairing.scan import PricedGrid, VisitorGrid, price_grid, scan


@dataclass(frozen=True, eq=False)
class Residual:
    """Residual graph of a flow on the candidate arcs, over nodes ``households``,
    ``visitors`` (offset by the household count), source and sink."""

    n_nodes: int
    source: int
    sink: int
    n_inner: int  # the first ``n_inner`` arcs join households and visitors; then the hubs'
    tails: IntArray
    heads: IntArray
    costs: IntArray
    big: int


def residual_graph(
    n_households: int,
    n_visitors: int,
    wanted: BoolArray,
    arcs: Arcs,
    costs: IntArray,
    flow: BoolArray,
    capacity: IntArray,
    balance_m: int,
) -> Residual:
    """Residual arcs of ``flow`` (one bool per candidate arc) on the candidate arcs."""
    nh, nv = n_households, n_visitors
    source, sink = nh + nv, nh + nv + 1
    matched_h = np.zeros(nh, np.bool_)
    matched_h[arcs.household[flow]] = True
    load = np.bincount(arcs.visitor[flow], minlength=nv).astype(np.int64)
    hs = np.flatnonzero(wanted)
    free_h = hs[~matched_h[hs]]
    busy_h = hs[matched_h[hs]]
    # Every visitor with room has an arc to the sink, used in a candidate arc or not: the
    # potentials must hold for the arcs of the whole problem, not only the candidates.
    room = np.flatnonzero(load < capacity)
    loaded = np.flatnonzero(load > 0)
    # With balance the binding unit arcs are the next one up and the last one down.
    up = balance_m * (2 * load[room] + 1)
    down = -balance_m * (2 * load[loaded] - 1)
    tails = np.concatenate(
        (
            arcs.household[~flow],
            arcs.visitor[flow] + nh,
            np.full(len(free_h), source),
            busy_h,
            room + nh,
            np.full(len(loaded), sink),
        )
    )
    heads = np.concatenate(
        (
            arcs.visitor[~flow] + nh,
            arcs.household[flow],
            free_h,
            np.full(len(busy_h), source),
            np.full(len(room), sink),
            loaded + nh,
        )
    )
    rcost = np.concatenate(
        (
            costs[~flow],
            -costs[flow],
            np.zeros(len(free_h) + len(busy_h), np.int64),
            up,
            down,
        )
    ).astype(np.int64)
    # More than any simple path can gain: all negative arcs together (reverse flow arcs, down
    # arcs, and current pairs not in the flow, which continuity makes negative).
    big = int(-rcost[rcost < 0].sum()) + 1
    return Residual(nh + nv + 2, source, sink, len(arcs), tails, heads, rcost, big)


def csr(n: int, keys: IntArray, *cols: IntArray) -> tuple[IntArray, ...]:
    """Rows ``0..n-1`` keyed by ``keys``: row ``r`` holds ``cols[...][start[r]:start[r + 1]]``
    (in their order in ``keys``)."""
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=start[1:])
    order = _counting_order(np.asarray(keys, dtype=np.int64), start)
    return (start, *(c[order] for c in cols))


@numba.njit(cache=True)
def _counting_order(keys: IntArray, start: IntArray) -> IntArray:  # pragma: no cover - compiled
    # A stable counting sort: linear, where a comparison sort of tens of millions of arcs
    # took seconds a round.
    fill = start[:-1].copy()
    order = np.empty(len(keys), np.int64)
    for i in range(len(keys)):
        k = keys[i]
        order[fill[k]] = i
        fill[k] += 1
    return order


@numba.njit(parallel=True, cache=True)
def _spfa_parts(
    nodes: IntArray,
    part_start: IntArray,
    start: IntArray,
    nbr: IntArray,
    cost: IntArray,
    dist: IntArray,
) -> None:  # pragma: no cover - compiled
    # Label-correcting shortest paths inside each part, all parts at once. ``dist`` holds each
    # node's value through the fixed source and sink; popping ``w`` lowers ``dist[u]`` over
    # the arcs listed for ``w`` (out-arcs for distances from, in-arcs for distances to).
    n = len(dist)
    inq = np.zeros(n, np.bool_)
    for part in numba.prange(len(part_start) - 1):
        lo, hi = part_start[part], part_start[part + 1]
        size = hi - lo
        if size == 1 and start[nodes[lo]] == start[nodes[lo] + 1]:
            continue
        queue = np.empty(size, np.int64)
        for k in range(size):
            queue[k] = nodes[lo + k]
            inq[nodes[lo + k]] = True
        head, count = 0, size
        while count > 0:
            w = queue[head]
            head = (head + 1) % size
            count -= 1
            inq[w] = False
            dw = dist[w]
            for i in range(start[w], start[w + 1]):
                u = nbr[i]
                nd = dw + cost[i]
                if nd < dist[u]:
                    dist[u] = nd
                    if not inq[u]:
                        # Smallest label first: a node below the head's label goes in front.
                        if count > 0 and nd < dist[queue[head]]:
                            head = (head - 1) % size
                            queue[head] = u
                        else:
                            queue[(head + count) % size] = u
                        count += 1
                        inq[u] = True


def potentials(res: Residual, labels: IntArray) -> IntArray:
    """Node potentials: shortest residual distance from every node to the sink.

    Nodes of a saturated region cannot reach the sink, and a plain cap would give them all the
    same huge potential, which certifies nothing about their pruned arcs. So the graph also
    gets an arc source -> sink of cost ``x``; any ``x`` at least minus the shortest sink ->
    source path closes no negative cycle, and ``res.big`` (more than any simple path can
    gain) is one. Potentials valid with an extra arc are valid without it, and every node
    that reaches the source (every paired household does) gets a potential on one scale:
    its distance to the source plus ``x``. On the saturated side of the cut every node
    reaches the sink only that way, so ``x`` shifts all their potentials alike and cancels
    in every reduced cost the certificate tests there; the other side reaches room directly.
    (The least ``x`` took a search from the sink over the whole graph: three quarters of this
    step, 23 of 31 s at the seed scale.)

    With the source and sink fixed, the independent parts (``labels``, the connected
    components of the candidate arcs) are solved in parallel.
    """
    n, s, t, big = res.n_nodes, res.source, res.sink, res.big
    # Views, not copies: at the seed scale each copy is hundreds of megabytes.
    inner = slice(0, res.n_inner)
    tails, heads, costs = res.tails[inner], res.heads[inner], res.costs[inner]
    order = np.argsort(labels, kind="stable")
    part_start = np.r_[0, np.flatnonzero(np.diff(labels[order])) + 1, len(order)]

    pi_source = big  # ``x``, the source's potential

    # Distances to the sink (the source counts ``pi_source``). A node that reaches neither
    # keeps its starting value, which must lie above anything a path through the source
    # gives (no path gains more than ``big``): started at ``big`` itself, paths into such
    # nodes undercut the source, and a fuzz found certified results 1-64 m above the optimum.
    dist = np.full(n, 4 * big, np.int64)
    to_t = res.heads == t
    np.minimum.at(dist, res.tails[to_t], res.costs[to_t])
    to_s = (res.heads == s) & (res.tails < s)
    np.minimum.at(dist, res.tails[to_s], res.costs[to_s] + pi_source)
    dist[t] = 0
    dist[s] = pi_source
    start, nbr, cost = csr(n, heads, tails, costs)
    del tails, heads, costs
    _spfa_parts(order, part_start, start, nbr, cost, dist)
    # The source's own arcs (to unpaired households) must hold too; they always do when the
    # flow is a maximum flow, but the minimum keeps the potentials valid regardless.
    from_s = res.tails == s
    if from_s.any():
        dist[s] = min(dist[s], int((res.costs[from_s] + dist[res.heads[from_s]]).min()))
    return dist


def _not_in(arcs: Arcs, sorted_keys: IntArray, n_visitors: int) -> Arcs:
    keys = arcs.keys(n_visitors)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), max(len(sorted_keys) - 1, 0))
    fresh = sorted_keys[pos] != keys if len(sorted_keys) else np.ones(len(keys), np.bool_)
    return arcs.take(fresh)


def find_violations(
    index: CandidateIndex,
    grid: VisitorGrid,
    arcs: Arcs,
    pot: IntArray,
    household_side: BoolArray,
    visitor_side: BoolArray,
    per_household: int,
    enough: int | None = None,
    paired_grid: VisitorGrid | None = None,
    start: int = 0,
) -> tuple[Arcs, bool, int]:
    """Eligible arcs outside ``arcs`` with ``d(h, v) + pi(v) < pi(h)``: they could lower the cost.

    The flow already pairs as many households as possible (:mod:`.cut`), so only arcs with both
    ends on the same side of the cut matter. Remote-pool arcs and current pairs are always in
    ``arcs``, so only local visitors are searched. Each household gets at most
    ``2 * per_household`` arcs, the most violated first (column generation: the next round's
    potentials tell whether more are needed).

    With ``enough``, the scan stops once it holds more than that many arcs: when no further
    round may run, one violation settles "not certified" and the rest would go unused (at the
    seed scale the whole scan takes half a minute). The households of both sides are scanned
    in one order, from position ``start`` round to it again. Also returns whether every
    household was scanned (otherwise the arcs are only some of them) and the position to
    start from next time (where this scan stopped, or ``start`` when it went all round).
    ``paired_grid`` (the same visitors in finer cells, :data:`~.scan.PAIRED_SIDE_CELLS`) is
    scanned on the side where every household is paired, when its visitors have room to
    spare (:func:`_roomy`); ``grid`` elsewhere.
    """
    p = index.problem
    nh, nv = p.n_households, p.n_visitors
    wanted = p.household_consent & (p.household_languages != 0)
    slots = 2 * per_household + 1  # one slot may hold the household's own pair
    known = np.sort(arcs.keys(nv))
    parts: list[Arcs] = []
    found = 0
    # Visitors across the cut are priced out of reach, one side at a time.
    out_of_reach = np.iinfo(np.int64).max // 4
    setups = []
    for side in (True, False):
        sided = pot.copy()
        sided[nh : nh + nv][visitor_side != side] = out_of_reach
        hs = np.flatnonzero(wanted & (household_side == side))
        roomy = not side and _roomy(p, hs, visitor_side == side)
        cells = paired_grid if roomy and paired_grid is not None else grid
        setups.append((sided, hs, cells))
    # A side's cells are priced when its scan first reaches it: a scan stopped at its budget
    # may never reach the second side.
    priced: dict[int, PricedGrid] = {}
    # Both sides' households in one order, from ``start`` round to it again.
    firsts = np.cumsum([0] + [len(hs) for _, hs, _ in setups])
    total = int(firsts[-1])
    start = start % total if total else 0
    runs = [(k, setups[k][1][max(start - firsts[k], 0) :]) for k in range(2)]
    runs += [(k, setups[k][1][: max(start - firsts[k], 0)]) for k in range(2)]
    done = 0
    for k, hs in runs:
        sided, _, cells = setups[k]
        for batch in _batches(hs, enough):
            if enough is not None and found > enough:
                return Arcs.concat_all(parts), False, (start + done) % total
            if len(batch) == 0:
                continue
            if k not in priced:
                priced[k] = price_grid(cells, sided[nh : nh + nv])
            h, v = scan(
                p,
                cells,
                index.household_xyz,
                index.visitor_xyz,
                batch,
                pot=sided,
                max_m=index.max_m,
                slots=slots,
                priced=priced[k],
            )
            d = index.distances(h, v)
            bad = (d <= index.max_m) & (d + sided[v + nh] < sided[h])
            neg = _not_in(Arcs(h, v, d).take(bad), known, nv)
            # Each household's most violated arcs, however many households want the same
            # visitor: capping visitors too (a visitor with room at the edge of a crowded town
            # is wanted by all of it) measured 50 rounds instead of 5 for 100 new households
            # at 200k. A batch holds whole households, so this is the same per batch.
            reduced = reduced_costs(neg, neg.distance, pot, nh)
            parts.append(_best(neg, reduced, neg.household, 2 * per_household))
            found += len(parts[-1])
            done += len(batch)
    return Arcs.concat_all(parts), True, start


def _roomy(p: PairingProblem, households: IntArray, visitors: BoolArray) -> bool:
    """Whether a tenth or more of the ``visitors``' places are left when all ``households``
    are paired. Visitors with room then cost the same, so only distance stops a scan inside a
    crowded cell and finer cells pay (a seed-scale incremental neighbourhood with 69 % of its
    places free: 24.0 s -> 3.2 s of scans); without room the potentials tell visitors apart,
    and the solve's cells are faster (the same village with none free: 1.0 s against 1.8 s)."""
    places = int(p.visitor_capacity[visitors & p.visitor_active].sum())
    return places - len(households) >= 0.1 * places > 0


def _batches(households: IntArray, enough: int | None) -> list[IntArray]:
    """The whole side at once, or, when the scan may stop early, growing slices of it (the
    first small, so that a scan wanting a single violation stops soon)."""
    if enough is None or len(households) == 0:
        return [households]
    cuts, size, at = [], 4096, 0
    while at < len(households):
        cuts.append(households[at : at + size])
        at += size
        size = min(2 * size, 131_072)
    return cuts


def _best(arcs: Arcs, score: IntArray, owner: IntArray, per_owner: int) -> Arcs:
    """Each owner's ``per_owner`` arcs of least score."""
    if len(arcs) == 0:
        return arcs
    order = np.lexsort((score, owner))
    h = owner[order]
    first = np.r_[0, np.flatnonzero(h[1:] != h[:-1]) + 1]
    rank = np.arange(len(h)) - np.repeat(first, np.diff(np.r_[first, len(h)]))
    return arcs.take(order[rank < per_owner])
