"""``solve``: exact, certified min-cost max-flow pairing on pruned candidate arcs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numba
import numpy as np
from scipy.spatial import cKDTree

from doorstep.engine.pairing.bound import lower_bound
from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.certify import find_violations, potentials, residual_graph
from doorstep.engine.pairing.coarse import coarse_prices
from doorstep.engine.pairing.cut import MaximumPairing, maximum_pairing
from doorstep.engine.pairing.flow import Chunk, solve_chunk
from doorstep.engine.pairing.greedy import greedy
from doorstep.engine.pairing.longitude import away_from_antimeridian
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, BoolArray, Int32Array, IntArray, PairingProblem
from doorstep.engine.pairing.prune import make_room, round_budget
from doorstep.engine.pairing.result import REASONS, PairingResult, SolveStats, Unpaired, count_moved
from doorstep.engine.pairing.scan import PAIRED_SIDE_CELLS, VisitorGrid, build_grid, scan
from doorstep.engine.progress import Progress as Progress  # re-exported: imported from here
from doorstep.engine.progress import Silent as Silent

ChunkSolver = Callable[[Chunk], BoolArray]

# Rounds in a row that did not lower the cost in which arcs may still give way to new ones:
# near the optimum ties keep a round's cost while arcs of zero reduced cost come and go (at
# 200k with 4 candidates and a 3M cap, none at all stopped the widening 1 m above it).
STALLED_DROPS = 3


class Mapper(Protocol):
    """Runs the chunk solver over chunks, like the built-in ``map`` (see :mod:`.parallel`)."""

    def __call__(self, fn: ChunkSolver, chunks: Sequence[Chunk], /) -> Iterable[BoolArray]: ...


def _since_last(history: list[int], cost: int) -> str:
    """What the last round left, for a long widening's progress: its cost and how many
    arcs its check found that could lower it (a scan stopped at its budget: at least)."""
    if not history:
        return ""
    return f"; cost {cost:,} m, {history[-1]:,} other pairs could lower it"


def arc_costs(problem: PairingProblem, arcs: Arcs, keep_m: int) -> IntArray:
    """Solver cost of each arc: its distance, less ``keep_m`` when it is the current pair."""
    current = problem.household_current[arcs.household] == arcs.visitor
    return np.asarray(arcs.distance - keep_m * current, dtype=np.int64)


def component_labels(n_nodes: int, n_households: int, arcs: Arcs) -> IntArray:
    """Connected component of every node (households, then visitors) of the arc graph,
    numbered in the order of each component's first node (as scipy's ``connected_components``
    numbers them, which this replaced: a union-find over the arcs needs no sparse matrix,
    and at the seed scale building one cost seconds a round)."""
    return np.asarray(
        _union_labels(
            n_nodes,
            arcs.household.astype(np.int64),
            arcs.visitor.astype(np.int64) + n_households,
        )
    )


@numba.njit(cache=True, inline="always")
def _root(parent: IntArray, x: int) -> int:  # pragma: no cover - compiled
    """``x``'s root, halving the path to it on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True)
def _union_labels(n: int, a: IntArray, b: IntArray) -> IntArray:  # pragma: no cover - compiled
    parent = np.arange(n)
    for i in range(len(a)):
        x, y = _root(parent, a[i]), _root(parent, b[i])
        parent[max(x, y)] = min(x, y)
    labels = np.full(n, -1, np.int64)
    count = 0
    for i in range(n):
        root = _root(parent, i)
        if labels[root] < 0:
            labels[root] = count
            count += 1
        labels[i] = labels[root]
    return labels


def make_chunks(
    problem: PairingProblem,
    arcs: Arcs,
    costs: IntArray,
    which: IntArray,
    labels: IntArray,
    chunk_arcs: int,
    balance_m: int,
) -> list[tuple[IntArray, Chunk]]:
    """Pack the arcs ``which`` (whole components) into solver chunks of about ``chunk_arcs``.

    Returns each chunk with the positions of its arcs in ``arcs``.
    """
    if len(which) == 0:
        return []
    lab = labels[arcs.household[which]]
    size = np.bincount(lab, minlength=int(labels.max()) + 1)
    # Components in label order; a component goes to the chunk in which it starts.
    before = np.cumsum(size) - size
    chunk_of_comp = before // chunk_arcs
    used = np.unique(chunk_of_comp[size > 0])
    chunk_of_arc = np.searchsorted(used, chunk_of_comp[lab])
    n_chunks = len(used)
    # Few chunks: a 16-bit key sorts by radix, in linear time.
    key = chunk_of_arc.astype(np.int16 if n_chunks < 2**15 else np.int64)
    order = which[np.argsort(key, kind="stable")]
    bounds = np.cumsum(np.bincount(chunk_of_arc, minlength=n_chunks))[:-1]
    nh, nv = problem.n_households, problem.n_visitors
    out = []
    for pos in np.split(order, bounds):
        hs, h_local = _local(arcs.household[pos], nh)
        vs, v_local = _local(arcs.visitor[pos], nv)
        chunk = Chunk(
            n_households=len(hs),
            tails=h_local,
            heads=v_local,
            costs=costs[pos],
            capacity=problem.visitor_capacity[vs],
            balance_m=balance_m,
        )
        out.append((pos, chunk))
    return out


def _local(nodes: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """The distinct ``nodes`` (sorted) and each one's position among them, without sorting."""
    mark = np.zeros(n, np.bool_)
    mark[nodes] = True
    distinct = np.flatnonzero(mark)
    local = np.cumsum(mark) - 1
    return distinct, local[nodes].astype(np.int64)


def seed_arcs(index: CandidateIndex, grid: VisitorGrid, per_household: int) -> Arcs:
    """Arcs that carry households out of crowded towns, priced by the coarse transport."""
    p = index.problem
    nh, nv = p.n_households, p.n_visitors
    hs = np.flatnonzero(p.household_consent & (p.household_languages != 0))
    if len(hs) == 0 or len(grid.visitors) == 0:
        return Arcs.empty()
    price_h, price_v = coarse_prices(
        p, hs, grid.visitors, index.household_xyz, index.visitor_xyz, index.max_m
    )
    pot = np.zeros(nh + nv + 2, np.int64)
    pot[hs] = price_h
    pot[nh + grid.visitors] = price_v
    crowded = hs[price_h > 0]
    h, v = scan(
        p,
        grid,
        index.household_xyz,
        index.visitor_xyz,
        crowded,
        pot=pot,
        max_m=index.max_m,
        slots=per_household,
    )
    d = index.distances(h, v)
    return Arcs(h, v, d).take(d <= index.max_m)


def greedy_start(index: CandidateIndex) -> IntArray:
    """A valid pairing to start the search for the most households paired from."""
    start = np.full(index.problem.n_households, NONE, np.int64)
    g = greedy(index, max_k=32)
    start[g.household] = g.visitor
    return start


def same_side(most: MaximumPairing, arcs: Arcs) -> BoolArray:
    """Arcs with both ends on the same side of the cut (no maximum pairing uses the others)."""
    return np.asarray(
        most.household_side[arcs.household] == most.visitor_side[arcs.visitor], dtype=np.bool_
    )


def solve(
    problem: PairingProblem,
    *,
    params: PairingParams | None = None,
    mapper: Mapper | None = None,
    progress: Progress | None = None,
) -> PairingResult:
    """Pair as many households as possible, then with the least total cost.

    Parameters
    ----------
    problem
        The households and visitors.
    params
        Distance limit, continuity, balance and pruning settings.
    mapper
        Runs independent chunks (``map`` by default; see :mod:`.parallel` for a process pool
        or a Dask cluster). The result does not depend on it.
    progress
        Receives stage names and progress.

    Returns
    -------
    PairingResult
        The pairing, a reason for every unpaired household, and ``certified=True`` when the
        optimum over the candidate arcs is proved optimal over every eligible arc.
    """
    params = params or PairingParams()
    # The grid searches do not wrap at ±180°; distances do not change when turned.
    problem = away_from_antimeridian(problem, params.max_m)
    run: Mapper = mapper or map
    report: Progress = progress or Silent()
    seconds: dict[str, float] = {}
    clock = started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = seconds.get(name, 0.0) + now - clock
        clock = now

    nh, nv = problem.n_households, problem.n_visitors
    balance_m = int(params.balance_m)  # whole metres: the params refuse a fraction
    report.stage("candidates", max(len(problem.languages), 1))
    index = CandidateIndex(problem, params.max_m)
    arcs, _ = index.initial_arcs(params.candidates)
    by_visitor = index.nearest_households(params.candidates)
    report.advance(max(len(problem.languages), 1))
    grid = build_grid(problem, index.visitor_xyz, params.max_m)
    paired_grid = build_grid(problem, index.visitor_xyz, params.max_m, per_limit=PAIRED_SIDE_CELLS)
    if params.coarse:
        arcs = arcs.concat(seed_arcs(index, grid, params.candidates)).unique()
    lap("candidates")

    # How many can be paired is settled first, over every eligible arc (see :mod:`.cut`);
    # the cut it proves splits the rest into two independent least-cost problems.
    start = greedy_start(index)
    # The bar counts the households still unpaired after the greedy start; those that no
    # pairing can take are ticked off when the search proves it.
    open_ = int((problem.household_consent & (problem.household_languages != 0)).sum())
    unpaired = open_ - int((start >= 0).sum())
    report.stage("most households paired", unpaired)
    most = maximum_pairing(index, grid, start, report.advance)
    report.advance(unpaired - (most.paired - int((start >= 0).sum())))
    h = np.flatnonzero(most.visitor >= 0)
    arcs = arcs.concat(Arcs(h, most.visitor[h], index.distances(h, most.visitor[h])))
    # A visitor's nearest households matter where households outnumber places (the visitors
    # choose); where visitors have room they only make the first round larger and slower
    # (200k sample: the same rounds' time with 16 % fewer arcs; a seed-scale incremental
    # neighbourhood with room to spare 12.8 s instead of 15.6 s).
    arcs = arcs.concat(by_visitor.take(most.visitor_side[by_visitor.visitor])).unique()
    del by_visitor
    arcs = arcs.take(same_side(most, arcs))
    initial = len(arcs)
    cap = params.arc_cap(initial)
    lap("count")

    flow = np.zeros(len(arcs), np.bool_)
    dirty = np.arange(len(arcs))
    certified = False
    history: list[int] = []
    labels = component_labels(nh + nv, nh, arcs)
    wanted = problem.household_consent
    capacity = problem.visitor_capacity.astype(np.int64)
    rounds = 0
    stopped_by = "certified"
    all_counted = True
    dropped = 0
    scan_from = 0
    best_cost, stalled = np.iinfo(np.int64).max, 0
    for rounds in range(1, params.max_rounds + 1):
        costs = arc_costs(problem, arcs, params.keep_m)
        chunks = make_chunks(problem, arcs, costs, dirty, labels, params.chunk_arcs, balance_m)
        lap("components")
        report.stage(f"solving (round {rounds}{_since_last(history, best_cost)})", len(chunks))
        for (pos, _), flows in zip(chunks, run(solve_chunk, [c for _, c in chunks]), strict=True):
            flow[pos] = flows
            report.advance()
        del chunks  # about as large as the arcs themselves: not kept through the certificate
        lap("solve")
        if int(flow.sum()) != most.paired:
            raise RuntimeError("the candidate arcs lost the maximum pairing (a bug)")
        # At the seed scale these two steps take about a minute: a bar of their own, so the
        # solve's full bar does not look stuck.
        report.stage(f"checking every eligible pair (round {rounds})", 2)
        res = residual_graph(nh, nv, wanted, arcs, costs, flow, capacity, balance_m)
        pot = potentials(res, labels)
        del res
        report.advance()
        lap("potentials")
        # When no further round may run, any violation settles it: no need to list them all.
        last = bool(_limit_reached(params, rounds, 0, started))
        # A round adds at most as many arcs as fit, or its budget when others may give way.
        room = round_budget(cap) if params.drop_arcs else max(cap - len(arcs), 0)
        enough = 0 if last else room
        new, counted, stop = find_violations(
            index,
            grid,
            arcs,
            pot,
            most.household_side,
            most.visitor_side,
            params.candidates,
            enough=enough,
            paired_grid=paired_grid,
            start=scan_from,
        )
        # A scan stopped at its budget goes on from there next round: every household is
        # scanned in turn, not only the first ones of the file (session 16: from the seed
        # region's ten-minute pairing, re-pairing a village's newcomers took 0.4-3.6 s
        # instead of 0.6-5.6 s, and the total was no longer).
        scan_from = stop
        report.advance()
        lap("certify")
        history.append(len(new))
        all_counted = counted
        if len(new) == 0:
            certified, stopped_by = True, "certified"
            break
        # Arcs give way (to stay under ``cap``) in at most a few rounds in a row that
        # did not lower the cost; then only arcs are added until it falls again, past ``cap``
        # if need be but never past ``max_arcs``. The cost falls finitely often and the arcs
        # cannot grow forever, so the widening still ends. (With the stop at ``cap`` a county
        # paired again with its own pairs as current ones, already least-cost, so that its
        # cost never fell, stopped at twice the first round's arcs, uncertified.)
        cost = _objective(arcs, costs, flow, nv, balance_m)
        stalled = 0 if cost < best_cost else stalled + 1
        best_cost = min(cost, best_cost)
        if params.drop_arcs and not last and stalled <= STALLED_DROPS:
            before = len(arcs)
            arcs, flow, new = make_room(problem, arcs, flow, costs, pot, new, cap)
            dropped += before - len(arcs)
        # A last round names the limit that made it last, not the arcs it could not add.
        next_arcs = 0 if last else len(arcs) + len(new)
        stopped_by = _limit_reached(params, rounds, next_arcs, started)
        if stopped_by:
            break
        arcs = arcs.concat(new)
        flow = np.concatenate((flow, np.zeros(len(new), np.bool_)))
        # Only parts that the new arcs touch (and merge) are solved again.
        labels = component_labels(nh + nv, nh, arcs)
        touched = np.zeros(labels.max() + 1, np.bool_)
        touched[labels[new.household]] = True
        dirty = np.flatnonzero(touched[labels[arcs.household]])
        lap("components")

    costs = arc_costs(problem, arcs, params.keep_m)
    visitor = np.full(nh, NONE, np.int32)
    distance = np.full(nh, -1, np.int64)
    visitor[arcs.household[flow]] = arcs.visitor[flow]
    distance[arcs.household[flow]] = arcs.distance[flow]
    total_cost = _objective(arcs, costs, flow, nv, balance_m)
    reasons = unpaired_reasons(index, visitor)
    lap("reasons")
    # How far from the least cost a stopped widening may be (balance has no bound here).
    bound: int | None = total_cost if certified else None
    if not certified and balance_m == 0 and params.bound:
        report.stage("bounding the least cost", 2)
        bound = lower_bound(
            index,
            grid,
            pot,
            most.household_side,
            most.visitor_side,
            params.keep_m,
            on_side=report.advance,
            paired_grid=paired_grid,
        )
        lap("bound")
    comp_arcs = np.bincount(labels[arcs.household]) if len(arcs) else np.zeros(1, np.int64)
    stats = SolveStats(
        rounds=rounds,
        arcs=len(arcs),
        initial_arcs=initial,
        components=int((comp_arcs > 0).sum()),
        largest_component_arcs=int(comp_arcs.max(initial=0)),
        violations_per_round=tuple(history),
        last_round_counted=all_counted,
        seconds=seconds,
        count_relabels=most.relabels,
        stopped_by=stopped_by,
        lower_bound=bound,
        dropped_arcs=dropped,
    )
    return PairingResult(
        visitor=visitor,
        distance_m=distance,
        reason_codes=reasons,
        total_cost=total_cost,
        certified=certified,
        moved=count_moved(problem, visitor),
        stats=stats,
    )


def _objective(
    arcs: Arcs, costs: IntArray, flow: BoolArray, n_visitors: int, balance_m: int
) -> int:
    """The solver's objective: the pairs' costs plus the balance cost of the caseloads."""
    load = np.bincount(arcs.visitor[flow], minlength=n_visitors).astype(np.int64)
    return int(costs[flow].sum() + balance_m * (load * load).sum())


def _limit_reached(params: PairingParams, rounds: int, next_arcs: int, started: float) -> str:
    """The limit that ends the widening before the next round, or ``""``."""
    if rounds >= params.max_rounds:
        return "max_rounds"
    if next_arcs > params.max_arcs:
        return "max_arcs"
    limit = params.time_limit_s
    if limit is not None and time.perf_counter() - started >= limit:
        return "time_limit"
    return ""


def unpaired_reasons(
    index: CandidateIndex, visitor: Int32Array
) -> np.ndarray[tuple[int], np.dtype[np.int8]]:
    """Reason code of every household (``0`` when paired); see :class:`.Unpaired`."""
    p = index.problem
    code = {r: np.int8(i + 1) for i, r in enumerate(REASONS)}
    out = np.zeros(p.n_households, np.int8)
    todo = np.flatnonzero(visitor == NONE)
    out[todo[~p.household_consent[todo]]] = code[Unpaired.NO_CONSENT]
    todo = todo[p.household_consent[todo]]
    if len(todo) == 0:
        return out
    # Any eligible visitor at all: then they are all full (the flow is a maximum flow).
    has_eligible = np.zeros(p.n_households, np.bool_)
    has_pool = np.zeros(p.n_households, np.bool_)
    # A household speaks with someone who may serve it: a local visitor within the limit, or
    # an active visitor of its own pool (wherever they live) sharing a language. Then an
    # exclusion or a service area, not the language, is why nobody is eligible.
    speaks_near = np.zeros(p.n_households, np.bool_)
    for pool in range(len(p.pools)):
        vs = np.flatnonzero(p.visitor_active & (p.visitor_pool == pool))
        hs = todo[p.household_pool[todo] == pool]
        if len(vs) and len(hs):
            has_pool[hs] = True
            hh, vv = np.repeat(hs, len(vs)), np.tile(vs, len(hs))
            has_eligible[hh[p.eligible(hh, vv)]] = True
            speaks_near[hh[(p.household_languages[hh] & p.visitor_languages[vv]) != 0]] = True
    for group in index.groups:
        hs = np.intersect1d(todo, group.households, assume_unique=True)
        if len(hs) == 0:
            continue
        found, far = index.nearest(group, hs, 8)
        has_eligible[found.household] = True
        speaks_near[_nearest_within(index, group.tree, group.visitors, hs)] = True
        again = hs[np.isfinite(far) & ~has_eligible[hs]]
        if len(again):
            more = index.within(group, again, np.full(len(again), index.max_m), group.visitors)
            has_eligible[more.household] = True
    local = np.flatnonzero(p.visitor_active & (p.visitor_pool == NONE))
    any_near = np.zeros(p.n_households, np.bool_)
    if len(local):
        any_near[_nearest_within(index, cKDTree(index.visitor_xyz[local]), local, todo)] = True
    for h, reason in (
        (~any_near & ~has_pool, Unpaired.NO_VISITOR_WITHIN_DISTANCE),
        (~speaks_near & ~has_eligible, Unpaired.NO_SHARED_LANGUAGE),
        (~has_eligible, Unpaired.NO_ELIGIBLE_VISITOR),
        (np.ones(p.n_households, np.bool_), Unpaired.ALL_ELIGIBLE_VISITORS_FULL),
    ):
        pick = todo[h[todo] & (out[todo] == 0)]
        out[pick] = code[reason]
    return out


def _nearest_within(
    index: CandidateIndex, tree: cKDTree, visitors: IntArray, households: IntArray
) -> IntArray:
    """The ``households`` whose nearest of ``visitors`` (``tree`` over them) is within the
    limit in whole metres. The tree's reach runs half a metre and a little past the limit;
    the nearest by chord is the nearest by arc, so if it is out by whole metres all are."""
    chord, pos = tree.query(
        index.household_xyz[households], k=1, distance_upper_bound=index.max_chord
    )
    found = np.isfinite(chord)
    hs, vs = households[found], np.asarray(visitors[pos[found]], np.int64)
    return np.asarray(hs[index.distances(hs, vs) <= index.max_m], np.int64)
