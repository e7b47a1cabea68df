"""Cadence rules: small, pluggable checks of a pairing's visits against its policy.

A rule tells the planner the largest start-to-start gap it tolerates (so the planner can aim
for it) and judges a finished plan. Rules work on whole arrays: a plan has millions of visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.policy import DAYS_PER_YEAR, CadencePolicy
from doorstep.engine.planning.problem import I32, PlanningProblem

Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class VisitTable:
    """Visits as columns, sorted by pairing then start; ``end`` is the stay's last day."""

    pairing: I32
    start: I32
    end: I32
    fixed: Bools

    @classmethod
    def of(
        cls,
        pairing: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        fixed: npt.ArrayLike,
    ) -> VisitTable:
        """Sort the columns by pairing and start."""
        p = np.asarray(pairing, np.int32)
        s = np.asarray(start, np.int32)
        order = np.lexsort((s, p))
        return cls(
            p[order],
            s[order],
            np.asarray(end, np.int32)[order],
            np.asarray(fixed, np.bool_)[order],
        )

    def __len__(self) -> int:
        return len(self.pairing)


@dataclass(frozen=True, eq=False)
class Gaps:
    """Per pairing: the longest gap, where it lies, and the number of visits in its window.

    The gaps of a pairing active on ``[from, to)`` run from its anchor through the start of
    each of its visits in ``[from, to)`` to its ``cover_to`` (``to``, or the first day of the
    pairing that takes its household over: see :attr:`PlanningProblem.cover_to`);
    ``n_visits`` counts those visits. ``from`` is taken as day 0 for a pairing begun before
    the horizon: the problem holds only its latest visits before it, not every one. The
    anchor is its household's latest visit before ``from``, by any of the household's
    pairings (the cadence is the household's: handed over, it is not due afresh), else its
    clock (``from`` itself unless the household's run of pairings began earlier).
    """

    longest: I32
    gap_from: I32
    gap_to: I32
    n_visits: I32


NO_VISIT = np.iinfo(np.int64).min


def household_last_visit(
    problem: PlanningProblem,
    pairing: npt.ArrayLike,
    start: npt.ArrayLike,
    before: npt.ArrayLike | None = None,
) -> npt.NDArray[np.int64]:
    """Per pairing of ``problem``: the latest ``start`` among the given visits (``pairing``
    their pairing) to its household, by any of its pairings, that starts before the pairing
    does (or before its day in ``before``); :data:`NO_VISIT` where there is none.

    Only households with more than one pairing need a search over the household's visits;
    the others (nearly all, in a region) take their own visits' maximum.
    """
    p = np.asarray(pairing, np.int64)
    s = np.asarray(start, np.int64)
    p_h = problem.pairing_household.astype(np.int64)
    p_from = (
        problem.pairing_from.astype(np.int64) if before is None else np.asarray(before, np.int64)
    )
    out = np.full(problem.n_pairings, NO_VISIT, np.int64)
    early = s < p_from[p]
    np.maximum.at(out, p[early], s[early])
    shared = np.bincount(p_h, minlength=problem.n_households)[p_h] > 1
    mine = shared[p]
    if not mine.any():
        return out
    # (household, day) packed in one int64, days offset to be non-negative: for each
    # pairing, the last packed visit below (household, from) is its household's latest.
    shift, half = np.int64(1) << 32, np.int64(1) << 31
    keys = np.sort(p_h[p[mine]] * shift + s[mine] + half)
    q = np.flatnonzero(shared)
    at = np.searchsorted(keys, p_h[q] * shift + p_from[q] + half) - 1
    found = keys[np.maximum(at, 0)]
    hit = (at >= 0) & (found // shift == p_h[q])
    out[q[hit]] = found[hit] % shift - half
    return out


def measure_gaps(problem: PlanningProblem, visits: VisitTable) -> Gaps:
    """Compute :class:`Gaps` for every pairing of ``problem``."""
    n = problem.n_pairings
    p, s = visits.pairing.astype(np.int64), visits.start.astype(np.int64)
    # Measured from the horizon's start at the earliest: before it the problem holds only
    # as much history as sets the first deadlines (the latest visits), not every visit, so
    # gaps there would be made up; a household overdue at the start still shows, its first
    # gap running from its last visit before it.
    p_from = np.maximum(problem.pairing_from.astype(np.int64), 0)
    p_to = problem.pairing_to.astype(np.int64)
    cover = problem.cover_to.astype(np.int64)
    hist = household_last_visit(problem, p, s, p_from)
    anchor = np.where(hist > NO_VISIT, hist, problem.clock_from)
    keep = (s >= p_from[p]) & (s < p_to[p])
    kp, ks = p[keep], s[keep]  # still sorted by pairing, start
    first = np.ones(len(kp), np.bool_)
    first[1:] = kp[1:] != kp[:-1]
    prev = np.empty(len(ks), np.int64)
    prev[1:] = ks[:-1]
    prev[first] = anchor[kp[first]]
    # Candidate gaps: each kept visit's gap from its predecessor, plus each pairing's tail.
    last = anchor.copy()
    if len(kp):
        is_last = np.ones(len(kp), np.bool_)
        is_last[:-1] = kp[:-1] != kp[1:]
        last[kp[is_last]] = ks[is_last]
    tail = cover - last
    longest, gap_from, gap_to = tail.copy(), last.copy(), cover.copy()
    gap = ks - prev
    if len(gap):
        order = np.lexsort((gap, kp))  # by pairing, then gap ascending: last row per group wins
        gp, gg = kp[order], gap[order]
        is_max = np.ones(len(gp), np.bool_)
        is_max[:-1] = gp[:-1] != gp[1:]
        mp, mg = gp[is_max], gg[is_max]
        better = mg > longest[mp]
        sel = order[is_max][better]
        longest[mp[better]] = mg[better]
        gap_from[mp[better]] = prev[sel]
        gap_to[mp[better]] = ks[sel]
    n_visits = np.bincount(kp, minlength=n)
    return Gaps(
        longest.astype(np.int32),
        gap_from.astype(np.int32),
        gap_to.astype(np.int32),
        n_visits.astype(np.int32),
    )


class CadenceRule(Protocol):
    """A cadence rule: the gap it lets the planner aim for, and its verdict on a plan."""

    @property
    def name(self) -> str:
        """A short identifier, reported with each pairing that fails the rule."""
        ...

    def max_gap(self, policy: CadencePolicy) -> int | None:
        """The largest start-to-start gap this rule tolerates under ``policy`` (None: any)."""
        ...

    def check(self, problem: PlanningProblem, visits: VisitTable, gaps: Gaps) -> Bools:
        """Per pairing, whether its visits satisfy the rule."""
        ...


@dataclass(frozen=True)
class MaxGapRule:
    """No gap (horizon start to first visit, visit to visit, last visit to horizon end) may
    exceed the policy's ``max_gap_days``."""

    name: str = "max_gap"

    def max_gap(self, policy: CadencePolicy) -> int | None:
        return policy.max_gap_days

    def check(self, problem: PlanningProblem, visits: VisitTable, gaps: Gaps) -> Bools:
        _, max_gap, _, _ = problem.policy_arrays()
        return np.asarray(gaps.longest <= max_gap, np.bool_)


@dataclass(frozen=True)
class MinVisitsRule:
    """At least ``min_visits_per_year`` visits, prorated over the days the pairing is active,
    and no gap longer than a year divided by them."""

    name: str = "min_visits"

    def max_gap(self, policy: CadencePolicy) -> int | None:
        m = policy.min_visits_per_year
        return DAYS_PER_YEAR // m if m else None

    def check(self, problem: PlanningProblem, visits: VisitTable, gaps: Gaps) -> Bools:
        per_year = np.array([p.min_visits_per_year for p in problem.policies], np.int64)
        # Prorated over the horizon's days only (a pairing may have begun before it).
        span = problem.pairing_to.astype(np.int64) - np.maximum(problem.pairing_from, 0)
        need = per_year[problem.pairing_policy] * span // DAYS_PER_YEAR
        # The yearly minimum also bounds the gap (``max_gap``): a year's visits bunched in
        # spring are not a cadence.
        most = np.array(
            [self.max_gap(p) or np.iinfo(np.int64).max for p in problem.policies], np.int64
        )
        return np.asarray(
            (gaps.n_visits >= need) & (gaps.longest <= most[problem.pairing_policy]), np.bool_
        )


DEFAULT_RULES: tuple[CadenceRule, ...] = (MaxGapRule(), MinVisitsRule())
