"""What a pairing solve returns: data, not behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from doorstep.engine.pairing.problem import NONE, Int32Array, IntArray, PairingProblem

Int8Array = np.ndarray[tuple[int], np.dtype[np.int8]]


class Unpaired(StrEnum):
    """Why a household stays unpaired (checked in this order)."""

    NO_CONSENT = "no_consent"
    NO_VISITOR_WITHIN_DISTANCE = "no_visitor_within_distance"
    NO_SHARED_LANGUAGE = "no_shared_language"
    NO_ELIGIBLE_VISITOR = "no_eligible_visitor"  # all excluded or outside service areas
    ALL_ELIGIBLE_VISITORS_FULL = "all_eligible_visitors_full"


#: ``PairingResult.reason_codes`` value ``i + 1`` means ``REASONS[i]``; ``0`` means paired.
REASONS: tuple[Unpaired, ...] = tuple(Unpaired)


@dataclass(frozen=True)
class SolveStats:
    """How the solve went: the certificate rounds, sizes and stage times."""

    rounds: int
    arcs: int
    initial_arcs: int
    components: int
    largest_component_arcs: int
    violations_per_round: tuple[int, ...]
    # False when the last round's scan stopped as soon as it proved that no further round
    # may run (its count is then a lower bound).
    last_round_counted: bool = True
    seconds: dict[str, float] = field(default_factory=dict)
    count_relabels: int = 0  # global relabels of the search for the most paired (:mod:`.cut`)
    # Why the widening ended: "certified", or the limit that stopped it first
    # ("max_rounds", "max_arcs", "time_limit").
    stopped_by: str = "certified"
    # A proved lower bound of the least total cost (equal to it when certified; ``None``
    # when unknown, with balance). See :mod:`.bound`.
    lower_bound: int | None = None
    # Candidate arcs dropped to make room for new ones (:mod:`.prune`).
    dropped_arcs: int = 0


@dataclass(frozen=True, eq=False)
class PairingResult:
    """A pairing and its figures.

    Attributes
    ----------
    visitor
        Per household, the index of its visitor or ``-1``.
    distance_m
        Per household, whole metres to its visitor, ``-1`` when unpaired.
    reason_codes
        Per household, ``0`` when paired, else ``1 + REASONS.index(reason)``.
    total_cost
        The solver's objective among paired households: the sum of pair costs (distance,
        less ``keep_km`` for a kept current pair) plus the balance cost of the caseloads.
    certified
        Whether the flow is proved optimal over every eligible arc, not just the candidates.
    moved
        Households whose current visitor was replaced (or who lost their visitor).
    """

    visitor: Int32Array
    distance_m: IntArray
    reason_codes: Int8Array
    total_cost: int
    certified: bool
    moved: int
    stats: SolveStats

    @property
    def paired(self) -> int:
        """Number of paired households."""
        return int((self.visitor != NONE).sum())

    @property
    def unpaired(self) -> int:
        """Number of households left unpaired."""
        return len(self.visitor) - self.paired

    @property
    def total_distance_m(self) -> int:
        """Sum of the distances of all pairs, in metres."""
        return int(self.distance_m[self.visitor != NONE].sum())

    @property
    def cost_gap(self) -> int | None:
        """How much the total cost may exceed the least possible (``0`` when certified,
        ``None`` when no bound is known)."""
        bound = self.stats.lower_bound
        return None if bound is None else self.total_cost - bound

    def reason(self, household: int) -> Unpaired | None:
        """Why ``household`` is unpaired, or ``None`` when it is paired."""
        code = int(self.reason_codes[household])
        return None if code == 0 else REASONS[code - 1]

    def caseloads(self, n_visitors: int) -> IntArray:
        """Number of households per visitor."""
        paired = self.visitor[self.visitor != NONE]
        return np.bincount(paired, minlength=n_visitors).astype(np.int64)

    def reason_counts(self) -> dict[str, int]:
        """How many households are unpaired for each reason."""
        counts = np.bincount(self.reason_codes, minlength=len(REASONS) + 1)
        return {r.value: int(counts[i + 1]) for i, r in enumerate(REASONS) if counts[i + 1]}

    def summary(self) -> dict[str, Any]:
        """The headline figures, JSON-ready.

        With nothing paired the mean and 95th percentile distances are ``None`` (null): a
        distance of 0 would claim every household was paired at its own door.
        """
        d = self.distance_m[self.visitor != NONE]
        return {
            "households": len(self.visitor),
            "paired": self.paired,
            "unpaired": self.unpaired,
            "total_distance_m": int(d.sum()),
            "mean_distance_m": round(float(d.mean()), 1) if len(d) else None,
            "p95_distance_m": round(float(np.percentile(d, 95)), 1) if len(d) else None,
            "moved": self.moved,
            "certified": self.certified,
            "stopped_by": None if self.certified else self.stats.stopped_by,
            "total_cost": self.total_cost,
            "cost_lower_bound": self.stats.lower_bound,
            "cost_gap": self.cost_gap,
            "unpaired_reasons": self.reason_counts(),
        }


def count_moved(problem: PairingProblem, visitor: Int32Array) -> int:
    """Households that had a current visitor and now have another one or none."""
    cur = problem.household_current
    return int(((cur != NONE) & (visitor != cur)).sum())
