"""Drop candidate arcs that the optimum on them does not use, to make room for new ones.

The widening adds violating arcs every round and never removes any, so at region scale the
arc list outgrows memory long before the certificate (the seed scale stopped after one
round). Column generation may also delete columns: a non-flow arc whose reduced cost under
the current potentials is positive is not needed by the current optimum, and if a later
round's potentials make it violate again the certificate scan (which looks at every eligible
arc, not at this list) finds it and it comes back. So dropping changes neither the
certificate's meaning nor the result's optimality, only how many rounds it takes.

Never dropped: the flow (the count must stay reachable), current pairs (their cost carries
continuity, which the scan does not price) and remote-pool arcs (the scan sees only local
visitors).
"""

from __future__ import annotations

import numpy as np

from doorstep.engine.pairing.candidates import Arcs
from doorstep.engine.pairing.problem import NONE, BoolArray, IntArray, PairingProblem


def round_budget(max_arcs: int) -> int:
    """The most new arcs one round adds: a quarter of the cap. At the seed scale's ten
    minutes a quarter did 8 rounds to 5,266,356,189 m where half did 6 to 5,308,107,357 m
    (the scan stops sooner, and fewer arcs give way), and an eighth 9 rounds to
    5,289,914,968 m against a quarter's 5,244,367,840 m the same day; at 200k under 4M, 23
    rounds instead of 22, in no more time."""
    return max(max_arcs // 4, 1)


def protected(problem: PairingProblem, arcs: Arcs, flow: BoolArray) -> BoolArray:
    """Arcs that must stay: in the flow, current pairs, or to a remote pool's visitor."""
    current = problem.household_current[arcs.household] == arcs.visitor
    pool = problem.visitor_pool[arcs.visitor] != NONE
    return np.asarray(flow | current | pool, dtype=np.bool_)


def reduced_costs(arcs: Arcs, costs: IntArray, pot: IntArray, n_households: int) -> IntArray:
    """``c(h, v) + pi(v) - pi(h)`` of each arc as a forward residual arc."""
    return np.asarray(
        costs + pot[n_households + arcs.visitor] - pot[arcs.household], dtype=np.int64
    )


def keep_mask(keep: BoolArray, score: IntArray, room: int) -> BoolArray:
    """``keep`` plus the ``room`` other arcs of least ``score`` (all of them if they fit)."""
    free = np.flatnonzero(~keep)
    out = keep.copy()
    if room >= len(free):
        out[free] = True
    elif room > 0:
        out[free[np.argpartition(score[free], room - 1)[:room]]] = True
    return out


def make_room(
    problem: PairingProblem,
    arcs: Arcs,
    flow: BoolArray,
    costs: IntArray,
    pot: IntArray,
    new: Arcs,
    max_arcs: int,
) -> tuple[Arcs, BoolArray, Arcs]:
    """The arcs and flow to keep, and the new arcs to add, within ``max_arcs`` if it can be.

    A round adds at most :func:`round_budget` new arcs, the most violated first (the next
    round's scan finds the others if they are still needed), and the unprotected arcs of
    largest reduced cost give way to them. When the protected arcs and the new ones alone
    pass ``max_arcs``, nothing is dropped and the caller stops.
    """
    nh = problem.n_households
    violation = reduced_costs(new, new.distance, pot, nh)  # new arcs are never current pairs
    new = new.take(keep_mask(np.zeros(len(new), np.bool_), violation, round_budget(max_arcs)))
    if len(arcs) + len(new) <= max_arcs:
        return arcs, flow, new
    keep = protected(problem, arcs, flow)
    room = max_arcs - len(new) - int(keep.sum())
    if room < 0:
        return arcs, flow, new
    mask = keep_mask(keep, reduced_costs(arcs, costs, pot, nh), room)
    return arcs.take(mask), flow[mask], new
