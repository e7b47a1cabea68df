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

from doorstep.engine.planning.check import visit_flags
from doorstep.engine.planning.plan import PlanParams, Progress, plan
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

    # Match the previous plan's pairings to the new problem by ids.
    new_index = {
        (pr.household_ids[h], pr.visitor_ids[v]): i
        for i, (h, v) in enumerate(zip(pr.pairing_household, pr.pairing_visitor, strict=True))
    }
    old_to_new = np.array(
        [
            new_index.get((old.household_ids[h], old.visitor_ids[v]), -1)
            for h, v in zip(old.pairing_household, old.pairing_visitor, strict=True)
        ],
        np.int64,
    )
    is_new = np.ones(pr.n_pairings, np.bool_)
    is_new[old_to_new[old_to_new >= 0]] = False
    affected[pr.pairing_visitor[is_new]] = True

    # Planned visits of the previous plan that still belong to a pairing and its window.
    shift = (old.start - pr.start).days
    pv = previous.visits
    keep = ~pv.fixed & (old_to_new[pv.pairing] >= 0)
    p = old_to_new[pv.pairing[keep]]
    s = pv.start[keep].astype(np.int64) + shift
    e = pv.end[keep].astype(np.int64) + shift
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
