"""The optimality certificate of a solve on pruned arcs, and the arcs it asks to add.

The solver only sees candidate arcs. Its flow is optimal for the whole problem (every
eligible arc) exactly when two things hold in the residual graph of the whole problem:

1. *Most households paired*: no augmenting path. Let ``S`` be the nodes the source reaches in
   the residual graph of the candidate arcs. The flow is a maximum flow if no eligible arc
   leads from a household in ``S`` to a visitor outside ``S`` (then ``S`` is a cut as small as
   the flow). Such arcs are found with a nearest query on the visitors outside ``S``.
2. *Least cost among those*: no negative cycle. ``pi(u)`` is the length of a shortest path
   from ``u`` to the sink in the residual graph of the candidate arcs (capped at a constant
   ``B`` larger than any path could be, so every node has one). These are node potentials:
   every residual candidate arc has reduced cost ``c + pi(w) - pi(u) >= 0`` by construction.
   A pruned arc ``h -> v`` has cost ``d(h, v) >= D_h``, where ``D_h`` is the distance beyond
   which the household's arcs were pruned, so it can only break the certificate if
   ``pi(v) < pi(h) - D_h``. Visitors are bucketed by potential and only the households and
   radii that could break it are searched, by k-d tree radius queries.

When both hold the flow is certified optimal for every eligible arc. Otherwise the offending
arcs are added and the affected parts are solved again: the arc set only grows, so this ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.problem import BoolArray, IntArray
from doorstep.engine.pairing.scan import MODE_AUGMENTING, MODE_NEGATIVE, VisitorGrid, scan


@dataclass(frozen=True, eq=False)
class Residual:
    """Residual graph of a flow on the candidate arcs, over nodes ``households``,
    ``visitors`` (offset by the household count), source and sink."""

    n_nodes: int
    source: int
    sink: int
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
    # A simple path has at most one negative arc per matched arc, plus one down arc.
    big = int(np.abs(costs[flow]).sum() + (down.min(initial=0) * -1) + 1)
    return Residual(nh + nv + 2, source, sink, tails, heads, rcost, big)


def _csr(n: int, keys: IntArray, *cols: IntArray) -> tuple[IntArray, ...]:
    order = np.argsort(keys, kind="stable")
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=start[1:])
    return (start, *(c[order] for c in cols))


@numba.njit(cache=True)
def _distances_to(
    n: int, target: int, start: IntArray, tails: IntArray, costs: IntArray, big: int
) -> IntArray:  # pragma: no cover - compiled
    # Label-correcting shortest paths (FIFO queue) towards ``target`` on in-arcs.
    # Every node starts with a virtual arc of cost ``big`` to the target, so every node is a
    # source of relaxations once; the target goes first.
    dist = np.full(n, big, np.int64)
    dist[target] = 0
    queue = np.empty(n, np.int64)
    inq = np.ones(n, np.bool_)
    queue[0] = target
    k = 1
    for u in range(n):
        if u != target:
            queue[k] = u
            k += 1
    head, size = 0, n
    while size > 0:
        w = queue[head]
        head = (head + 1) % n
        size -= 1
        inq[w] = False
        dw = dist[w]
        for i in range(start[w], start[w + 1]):
            u = tails[i]
            nd = dw + costs[i]
            if nd < dist[u]:
                dist[u] = nd
                if not inq[u]:
                    queue[(head + size) % n] = u
                    size += 1
                    inq[u] = True
    return dist


@numba.njit(cache=True)
def _reach_from(
    n: int, origin: int, start: IntArray, heads: IntArray
) -> BoolArray:  # pragma: no cover
    seen = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    stack[0] = origin
    seen[origin] = True
    size = 1
    while size > 0:
        size -= 1
        u = stack[size]
        for i in range(start[u], start[u + 1]):
            w = heads[i]
            if not seen[w]:
                seen[w] = True
                stack[size] = w
                size += 1
    return seen


def potentials(res: Residual) -> IntArray:
    """Node potentials: shortest residual distance from every node to the sink.

    Nodes of a saturated region cannot reach the sink, and a plain cap would give them all the
    same huge potential, which certifies nothing about their pruned arcs. So the graph also
    gets an arc source -> sink of cost ``x = -(shortest sink -> source path)``: the cheapest
    value that closes no negative cycle. Potentials valid with an extra arc are valid without
    it, and now every node that reaches the source (every paired household does) gets a
    potential on the same scale as the rest.
    """
    n = res.n_nodes
    start, heads, costs = _csr(n, res.tails, res.heads, res.costs)
    from_sink = _distances_to(n, res.sink, start, heads, costs, res.big)
    tails, heads, rcost = res.tails, res.heads, res.costs
    if from_sink[res.source] < res.big // 2:
        tails = np.append(tails, res.source)
        heads = np.append(heads, res.sink)
        rcost = np.append(rcost, -from_sink[res.source])
    start, tails, costs = _csr(n, heads, tails, rcost)
    return np.asarray(_distances_to(n, res.sink, start, tails, costs, res.big))


def reachable(res: Residual) -> BoolArray:
    """Nodes the source reaches in the residual graph."""
    start, heads = _csr(res.n_nodes, res.tails, res.heads)
    return np.asarray(_reach_from(res.n_nodes, res.source, start, heads))


@dataclass(frozen=True)
class Violations:
    """Pruned arcs that break the certificate, by kind."""

    augmenting: Arcs
    negative: Arcs

    @property
    def count(self) -> int:
        return len(self.augmenting) + len(self.negative)


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
    reach: BoolArray,
    per_household: int,
) -> Violations:
    """Eligible arcs outside ``arcs`` that could add a pair or lower the cost.

    Remote-pool arcs and current pairs are always in ``arcs``, so only local visitors are
    searched. For each household at most ``per_household`` arcs of each kind are returned,
    the most violated first (column generation: the next round's potentials tell whether more
    are needed).
    """
    p = index.problem
    nh, nv = p.n_households, p.n_visitors
    keys = np.sort(arcs.keys(nv))
    wanted = np.flatnonzero(p.household_consent & (p.household_languages != 0))
    slots = per_household + 1  # one slot may hold the household's own pair

    # 1. Augmenting arcs: from a household the source reaches to a visitor it does not.
    hs = wanted[reach[wanted]]
    outside = (~reach[nh : nh + nv]).astype(np.int64)
    h, v = scan(
        p,
        grid,
        index.household_xyz,
        index.visitor_xyz,
        hs,
        MODE_AUGMENTING,
        pot=pot,
        flag=outside,
        max_m=index.max_m,
        slots=slots,
    )
    d = index.distances(h, v)
    aug = _not_in(Arcs(h, v, d).take(d <= index.max_m), keys, nv)

    # 2. Negative cycles: arcs with d(h, v) + pi(v) < pi(h).
    h, v = scan(
        p,
        grid,
        index.household_xyz,
        index.visitor_xyz,
        wanted,
        MODE_NEGATIVE,
        pot=pot,
        flag=outside,
        max_m=index.max_m,
        slots=slots,
    )
    d = index.distances(h, v)
    bad = (d <= index.max_m) & (d + pot[v + nh] < pot[h])
    neg = _not_in(Arcs(h, v, d).take(bad), keys, nv)
    return Violations(
        _best(aug, aug.distance, per_household),
        _best(neg, neg.distance + pot[neg.visitor + nh] - pot[neg.household], per_household),
    )


def _best(arcs: Arcs, score: IntArray, per_household: int) -> Arcs:
    """Each household's ``per_household`` arcs of least score."""
    if len(arcs) == 0:
        return arcs
    order = np.lexsort((score, arcs.household))
    h = arcs.household[order]
    first = np.r_[0, np.flatnonzero(h[1:] != h[:-1]) + 1]
    rank = np.arange(len(h)) - np.repeat(first, np.diff(np.r_[first, len(h)]))
    return arcs.take(order[rank < per_household])
