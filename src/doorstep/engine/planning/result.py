"""The result of planning: visits as columns, and per-pairing compliance with reasons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.problem import I32, PlanningProblem
from doorstep.engine.planning.reasons import REASON_OF_CODE, Reason
from doorstep.engine.planning.rules import Bools, VisitTable

U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class PairingCompliance:
    """How one pairing fares: its longest gap, where it lies, and why if it is too long."""

    household_id: str
    visitor_id: str
    compliant: bool
    visits: int
    longest_gap_days: int
    gap_from: date
    gap_to: date
    reason: Reason
    failed_rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One visit in ids and dates; ``end`` is the last day of the stay."""

    household_id: str
    visitor_id: str
    start: date
    end: date
    fixed: bool


@dataclass(frozen=True, eq=False)
class PlanResult:
    """Visits (planned and fixed) and per-pairing compliance.

    Attributes
    ----------
    problem
        The problem that was planned.
    visits
        Every visit, sorted by pairing then start; ``fixed`` marks visits given in the problem.
    compliant
        Per pairing: whether every cadence rule holds.
    longest_gap, gap_from, gap_to, n_visits
        Per pairing: the longest start-to-start gap (days) and the days it runs between.
    reason
        Per pairing: a :class:`~doorstep.engine.planning.reasons.Code` (0 when compliant).
    failed_rules
        Names of the rules each non-compliant pairing fails, by pairing index.
    seconds
        Wall-clock time spent planning.
    """

    problem: PlanningProblem
    visits: VisitTable
    compliant: Bools
    longest_gap: I32
    gap_from: I32
    gap_to: I32
    n_visits: I32
    reason: U8
    failed_rules: dict[int, tuple[str, ...]]
    seconds: float

    @property
    def n_compliant(self) -> int:
        return int(self.compliant.sum())

    @property
    def n_planned(self) -> int:
        """Visits placed by the planner (not counting fixed ones)."""
        return int((~self.visits.fixed).sum())

    def reasons(self) -> Counter[Reason]:
        """How many non-compliant pairings each binding constraint accounts for."""
        codes = np.bincount(self.reason[~self.compliant], minlength=len(REASON_OF_CODE))
        return Counter({REASON_OF_CODE[c]: int(n) for c, n in enumerate(codes) if n})

    def pairing(self, index: int) -> PairingCompliance:
        """The compliance record of pairing ``index``."""
        pr = self.problem
        return PairingCompliance(
            household_id=pr.household_ids[pr.pairing_household[index]],
            visitor_id=pr.visitor_ids[pr.pairing_visitor[index]],
            compliant=bool(self.compliant[index]),
            visits=int(self.n_visits[index]),
            longest_gap_days=int(self.longest_gap[index]),
            gap_from=pr.date_of(int(self.gap_from[index])),
            gap_to=pr.date_of(int(self.gap_to[index])),
            reason=REASON_OF_CODE[int(self.reason[index])],
            failed_rules=self.failed_rules.get(index, ()),
        )

    def non_compliant(self) -> Iterator[PairingCompliance]:
        """Compliance records of the pairings whose cadence is not met."""
        for i in np.flatnonzero(~self.compliant):
            yield self.pairing(int(i))

    def rows(self, *, include_fixed: bool = False) -> Iterator[VisitRow]:
        """Visits in ids and dates, sorted by pairing then start."""
        pr, v = self.problem, self.visits
        for i in range(len(v)):
            if v.fixed[i] and not include_fixed:
                continue
            p = int(v.pairing[i])
            yield VisitRow(
                pr.household_ids[pr.pairing_household[p]],
                pr.visitor_ids[pr.pairing_visitor[p]],
                pr.date_of(int(v.start[i])),
                pr.date_of(int(v.end[i])),
                bool(v.fixed[i]),
            )

    def away_by_day(self) -> npt.NDArray[np.int64]:
        """Visitors on a stay on each day of the horizon (the load the planner spreads)."""
        n = self.problem.n_days
        diff = np.zeros(self.problem.padded_days + 1, np.int64)
        s = np.clip(self.visits.start, 0, None)
        e = np.clip(self.visits.end + 1, 0, None)
        np.add.at(diff, s, 1)
        np.add.at(diff, e, -1)
        return np.cumsum(diff)[:n]

    def summary(self) -> dict[str, int | float]:
        """The figures the CLI prints as JSON.

        ``max_gap_days`` is the policy's limit (the largest when policies differ);
        ``longest_gap_days`` the longest gap in the plan.
        """
        return {
            "pairings": self.problem.n_pairings,
            "visits": self.n_planned,
            "compliant_pairings": self.n_compliant,
            "infeasible": self.problem.n_pairings - self.n_compliant,
            "max_gap_days": max(p.max_gap_days for p in self.problem.policies),
            "seconds": round(self.seconds, 3),
            "longest_gap_days": int(self.longest_gap.max()) if len(self.longest_gap) else 0,
        }
