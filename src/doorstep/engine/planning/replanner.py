"""Re-planning: after a change, move only the visits of the visitors it affects.

The caller builds the *new* problem (recorded visits, including shortened ones, as fixed
visits; new and ended pairings; new leave and blackouts) and names what changed. Every visit
of the previous plan that starts before ``from_day``, and every later visit of an unaffected
visitor that still satisfies the hard constraints, is kept as a fixed visit; the affected
visitors' later visits are planned again. A kept visit never moves, but where the kept visits
leave a cadence unmet with room to meet it, a visit is added there. A missed visit simply has
no recorded visit, so its pairing is planned again with its next visit pulled as early as the
constraints allow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.check import visit_flags
from doorstep.engine.planning.planner import PlanParams, Progress, plan
from doorstep.engine.planning.problem import PlanningProblem
from doorstep.engine.planning.result import PlanResult


def replan(
    problem: PlanningProblem,
    previous: PlanResult,
    *,
    from_day: int,
    changed_pairings: Iterable[int] = (),
    changed_visitors: Iterable[int] = (),
    missed_pairings: Iterable[int] = (),
    params: PlanParams | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan ``problem`` again from ``from_day``, keeping what the change does not touch.

    Parameters
    ----------
    problem
        The problem as it now stands (pairing and visitor indices of the new problem).
    previous
        The plan made before the change, for a problem with the same ids (indices may differ).
    from_day
        No visit before this day moves, and no new visit starts before it.
    changed_pairings, changed_visitors
        Pairings (a missed or shortened visit, a new cadence) and visitors (new leave) of the
        new problem whose visits must be planned again. Visitors with a new pairing, and
        visitors whose kept visits would now break a hard constraint, are added.
    missed_pairings
        Pairings whose last planned visit was missed: planned again, with the next visit
        pulled as early as the constraints allow.

    Returns
    -------
    PlanResult
        The new plan: kept visits are marked fixed.
    """
    pr, old = problem, previous.problem
    affected = np.zeros(pr.n_visitors, np.bool_)
    affected[list(changed_visitors)] = True
    missed = np.fromiter(missed_pairings, np.int64)
    changed = np.concatenate([np.fromiter(changed_pairings, np.int64), missed])
    affected[pr.pairing_visitor[changed]] = True

    # Match the previous plan to the new problem by ids. A household may be paired with the
    # same visitor more than once (on disjoint days): a new pairing is one whose window meets
    # no previous window of the same two (two windows meet iff one's first day lies in the
    # other), and each previous visit goes to the pairing whose window holds it.
    shift = (old.start - pr.start).days  # old day x is new day x + shift
    o_h, o_v = _indices_in(pr, old)
    n_h, n_v = _indices_in(old, pr)
    is_new = np.ones(pr.n_pairings, np.bool_)
    met = _holder(pr, o_h, o_v, old.pairing_from.astype(np.int64) + shift)
    is_new[met[met >= 0]] = False
    is_new[_holder(old, n_h, n_v, pr.pairing_from.astype(np.int64) - shift) >= 0] = False
    affected[pr.pairing_visitor[is_new]] = True

    # Planned visits of the previous plan that still belong to a pairing and its window.
    pv = previous.visits
    s = pv.start.astype(np.int64) + shift
    e = pv.end.astype(np.int64) + shift
    target = _owner(pr, o_h[pv.pairing], o_v[pv.pairing], s)
    keep = ~pv.fixed & (target >= 0)
    p, s, e = target[keep], s[keep], e[keep]
    inside = ((s >= pr.pairing_from[p]) & (s < pr.pairing_to[p])) | (s < from_day)
    # A missed pairing's planned visits are not facts: its recorded ones are in `problem`.
    was_missed = np.zeros(pr.n_pairings, np.bool_)
    was_missed[missed] = True
    inside &= ~was_missed[p]
    p, s, e = p[inside], s[inside], e[inside]
    future = s >= from_day

    # Later visits of unaffected visitors stay, unless they now break a hard constraint
    # next to the recorded visits (then their visitor is planned again too).
    cand = future & ~affected[pr.pairing_visitor[p]]
    probe_p = np.concatenate([p[cand], pr.fixed_pairing])
    probe_s = np.concatenate([s[cand], pr.fixed_start])
    probe_e = np.concatenate([e[cand], pr.fixed_end])
    probe_fixed = np.concatenate(
        [np.zeros(int(cand.sum()), np.bool_), np.ones(len(pr.fixed_pairing), np.bool_)]
    )
    flags = visit_flags(
        dataclasses.replace(pr, plan_from=from_day), probe_p, probe_s, probe_e, probe_fixed
    )
    broken = np.zeros(len(probe_p), np.bool_)
    for mask in flags.values():
        broken |= mask
    affected[pr.pairing_visitor[probe_p[broken]]] = True

    kept = ~future | ~affected[pr.pairing_visitor[p]]
    fixed_problem = dataclasses.replace(
        pr,
        fixed_pairing=np.concatenate([pr.fixed_pairing, p[kept]]),
        fixed_start=np.concatenate([pr.fixed_start, s[kept]]),
        fixed_end=np.concatenate([pr.fixed_end, e[kept]]),
        plan_from=from_day,
    )
    return plan(fixed_problem, params=params, progress=progress, pull_forward=missed)


def _indices_in(
    problem: PlanningProblem, other: PlanningProblem
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per pairing of ``other``: its household's and visitor's indices in ``problem`` (-1
    where ``problem`` does not know them)."""
    h = {x: i for i, x in enumerate(problem.household_ids)}
    v = {x: i for i, x in enumerate(problem.visitor_ids)}
    oh = np.array([h.get(x, -1) for x in other.household_ids], np.int64)
    ov = np.array([v.get(x, -1) for x in other.visitor_ids], np.int64)
    return oh[other.pairing_household], ov[other.pairing_visitor]


def _owner(
    problem: PlanningProblem,
    household: npt.NDArray[np.int64],
    visitor: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """The pairing of ``problem`` a visit belongs to (``pairing_of``); -1 where it has none."""
    known = (household >= 0) & (visitor >= 0)
    out = np.full(len(day), -1, np.int64)
    out[known] = problem.pairing_of(household[known], visitor[known], day[known])
    return out


def _holder(
    problem: PlanningProblem,
    household: npt.NDArray[np.int64],
    visitor: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """The pairing of ``problem`` of these two whose window holds ``day``; -1 where none."""
    p = _owner(problem, household, visitor, day)
    q = np.maximum(p, 0)
    holds = (p >= 0) & (problem.pairing_from[q] <= day) & (day < problem.pairing_to[q])
    return np.where(holds, p, -1)
