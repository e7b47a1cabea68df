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

    The gaps of a pairing active on ``[from, to)`` run from its anchor (its latest visit
    before ``from``, else its clock: ``from`` itself unless its household's earlier pairing
    started it) through the start of each visit in ``[from, to)``
    to ``to``; ``n_visits`` counts the visits in ``[from, to)``.
    """

    longest: I32
    gap_from: I32
    gap_to: I32
    n_visits: I32


def measure_gaps(problem: PlanningProblem, visits: VisitTable) -> Gaps:
    """Compute :class:`Gaps` for every pairing of ``problem``."""
    n = problem.n_pairings
    p, s = visits.pairing.astype(np.int64), visits.start.astype(np.int64)
    p_from = problem.pairing_from.astype(np.int64)
    p_to = problem.pairing_to.astype(np.int64)
    early = s < p_from[p]
    anchor = problem.clock_from.astype(np.int64)  # copied
    has_hist = np.zeros(n, np.bool_)
    has_hist[p[early]] = True
    hist = np.full(n, np.iinfo(np.int64).min, np.int64)
    np.maximum.at(hist, p[early], s[early])
    anchor[has_hist] = hist[has_hist]
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
    tail = p_to - last
    longest, gap_from, gap_to = tail.copy(), last.copy(), p_to.copy()
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
