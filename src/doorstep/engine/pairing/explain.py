"""Why a household got its visitor, and why the next best visitors were not chosen."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, IntArray, PairingProblem
from doorstep.engine.pairing.result import PairingResult, Unpaired


class NotChosen(StrEnum):
    """Why an alternative visitor was not chosen for a household."""

    FULL = "full"  # every place is taken by households that are better off with it
    FARTHER = "farther"  # has room, but is no nearer than the chosen visitor
    NO_SHARED_LANGUAGE = "no_shared_language"
    EXCLUDED = "excluded"  # on the exclusion list for this household
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    OTHER_POOL = "other_pool"  # a remote pool meant for other households
    INACTIVE = "inactive"
    NO_CONSENT = "no_consent"  # the household itself has no active consent
    CONTINUITY = "continuity"  # nearer, but not by more than keep_km: the current pair stays
    BALANCE = "balance"  # nearer, but would make caseloads less even
    # Nearer with room, and no balance: the pairing gained nothing by it as computed (a
    # --new-only move costs keep_km wherever it lands within the old distance; a run stopped
    # before its certificate; a proposal computed before that visitor had room or existed).
    NO_GAIN = "no_gain"


@dataclass(frozen=True)
class Alternative:
    """A visitor the household could have had."""

    visitor: int
    visitor_id: str
    distance_m: int
    load: int
    capacity: int
    why: NotChosen


@dataclass(frozen=True)
class Explanation:
    """The chosen visitor (or the reason there is none) and the next best alternatives."""

    household: int
    household_id: str
    visitor: int | None
    visitor_id: str | None
    distance_m: int | None
    unpaired: Unpaired | None
    alternatives: tuple[Alternative, ...]

    def as_near(self, alternative: Alternative) -> bool:
        """Whether ``alternative`` has room and is exactly as near as the chosen visitor: its
        reason is ``farther`` ("no nearer"), which a reader would take as farther in metres."""
        return (
            alternative.why is NotChosen.FARTHER
            and self.distance_m is not None
            and alternative.distance_m == self.distance_m
        )


def explain(
    problem: PairingProblem,
    result: PairingResult,
    household: int,
    *,
    params: PairingParams | None = None,
    limit: int | None = 5,
    loads: IntArray | None = None,
) -> Explanation:
    """Explain one household's pairing.

    Parameters
    ----------
    problem, result
        The solved problem and its result.
    household
        Index of the household.
    params
        The settings the result was solved with (distance limit, continuity, balance).
    limit
        How many alternatives to list, nearest first; ``None`` for all of them.
    loads
        Each visitor's caseload in the pairing explained, when ``result`` holds only part of
        it (default: counted from ``result``).

    Returns
    -------
    Explanation
        Alternatives are the nearest other visitors within the distance limit (and remote
        pool visitors), each with the first reason, in rule order, it was not chosen.
    """
    params = params or PairingParams()
    p = problem
    if not 0 <= household < p.n_households:
        raise ValueError(f"no household with index {household}")
    if limit is not None and limit < 0:
        # A negative slice bound would silently drop the farthest alternatives instead.
        raise ValueError(f"limit must be 0 or more, or None for all; got {limit}")
    h = household
    chosen = int(result.visitor[h])
    d = np.rint(
        haversine_m_array(
            np.full(p.n_visitors, p.household_lat[h]),
            np.full(p.n_visitors, p.household_lon[h]),
            p.visitor_lat,
            p.visitor_lon,
        )
    ).astype(np.int64)
    remote = p.visitor_pool != NONE
    near = np.flatnonzero(((d <= params.max_m) | remote) & (np.arange(p.n_visitors) != chosen))
    near = near[np.argsort(d[near], kind="stable")][:limit]
    load = result.caseloads(p.n_visitors) if loads is None else loads
    hs = np.full(len(near), h, np.int64)
    chosen_d = int(result.distance_m[h]) if chosen != NONE else None
    current = int(p.household_current[h])
    alternatives = []
    for v, ok in zip(near.tolist(), p.eligible(hs, near).tolist(), strict=True):
        why = _rule_broken(p, h, v) if not ok else None
        if why is None:
            if load[v] >= p.visitor_capacity[v]:
                why = NotChosen.FULL
            elif chosen_d is None or d[v] >= chosen_d:
                why = NotChosen.FARTHER
            elif chosen == current and chosen_d - d[v] <= params.keep_m:
                why = NotChosen.CONTINUITY
            else:
                why = NotChosen.BALANCE if params.balance_m else NotChosen.NO_GAIN
        alternatives.append(
            Alternative(
                visitor=v,
                visitor_id=str(p.visitor_ids[v]),
                distance_m=int(d[v]),
                load=int(load[v]),
                capacity=int(p.visitor_capacity[v]),
                why=why,
            )
        )
    return Explanation(
        household=h,
        household_id=str(p.household_ids[h]),
        visitor=None if chosen == NONE else chosen,
        visitor_id=None if chosen == NONE else str(p.visitor_ids[chosen]),
        distance_m=chosen_d,
        unpaired=result.reason(h),
        alternatives=tuple(alternatives),
    )


def _rule_broken(p: PairingProblem, h: int, v: int) -> NotChosen:
    """The first eligibility rule an ineligible pair breaks."""
    one_h, one_v = np.array([h]), np.array([v])
    if not p.household_consent[h]:
        return NotChosen.NO_CONSENT
    if not p.visitor_active[v]:
        return NotChosen.INACTIVE
    if not int(p.household_languages[h]) & int(p.visitor_languages[v]):
        return NotChosen.NO_SHARED_LANGUAGE
    if p.visitor_pool[v] != NONE and p.visitor_pool[v] != p.household_pool[h]:
        return NotChosen.OTHER_POOL
    key = h * p.n_visitors + v
    if np.isin(key, p.exclusion_keys):
        return NotChosen.EXCLUDED
    if not p.eligible(one_h, one_v)[0]:
        return NotChosen.OUTSIDE_SERVICE_AREA
    raise AssertionError("called for an eligible pair")
