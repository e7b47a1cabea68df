"""Pair a few new households into an already paired region without re-solving it all.

The neighbourhood of the new households is every local visitor within the distance limit of
one of them (and the remote pools meant for them), and every household currently paired with
one of those visitors. That sub-problem is solved exactly and certified like any other, with
the current pairs kept by continuity; everything outside it keeps its current visitor.

This is exact for the neighbourhood, not for the whole region: a chain of moves reaching
beyond it is not considered. Run :func:`~doorstep.engine.pairing.solve.solve` for that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorstep.domain.reach import near_any, reach_box
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, IntArray, PairingProblem
from doorstep.engine.pairing.result import PairingResult
from doorstep.engine.pairing.solve import Mapper, solve


@dataclass(frozen=True, eq=False)
class LocalResult:
    """The result on a neighbourhood: ``households[i]`` of the whole problem is household ``i``
    of ``result``, ``visitors[j]`` is its visitor ``j``."""

    households: IntArray
    visitors: IntArray
    result: PairingResult

    def visitor_of(self, n_households: int, current: IntArray) -> IntArray:
        """Every household's visitor in the whole problem (others keep ``current``)."""
        out = np.asarray(current, dtype=np.int64).copy()
        local = self.result.visitor
        paired = local != NONE  # none at all when the neighbourhood has no visitor
        out[self.households] = NONE
        out[self.households[paired]] = self.visitors[local[paired]]
        return out


def neighbourhood(
    problem: PairingProblem, new: IntArray, max_m: float
) -> tuple[IntArray, IntArray]:
    """Households and visitors whose pairs the new households could change directly."""
    p = problem
    local = np.flatnonzero(p.visitor_active & (p.visitor_pool == NONE))
    lat, lon = p.household_lat[new], p.household_lon[new]
    # Only visitors inside the box around the new households' reach can be in range: a
    # region's million visitors need not all go into the exact test for a village's newcomers.
    local = local[reach_box(lat, lon, max_m).contains(p.visitor_lat[local], p.visitor_lon[local])]
    local = local[near_any(p.visitor_lat[local], p.visitor_lon[local], lat, lon, max_m)]
    pools = np.unique(p.household_pool[new])
    remote = np.flatnonzero(np.isin(p.visitor_pool, pools[pools != NONE]))
    visitors = np.union1d(local, remote)
    cur = p.household_current
    attached = np.flatnonzero((cur != NONE) & np.isin(cur, visitors))
    return np.union1d(new, attached), visitors


def sub_problem(
    problem: PairingProblem, households: IntArray, visitors: IntArray
) -> PairingProblem:
    """The problem restricted to ``households`` and ``visitors`` (sorted index arrays)."""
    p = problem
    vpos = np.full(p.n_visitors, NONE, np.int64)
    vpos[visitors] = np.arange(len(visitors))
    hpos = np.full(p.n_households, NONE, np.int64)
    hpos[households] = np.arange(len(households))
    cur = p.household_current[households]
    cur = np.where(cur == NONE, NONE, vpos[np.maximum(cur, 0)]).astype(np.int32)
    ex = p.exclusions
    keep = (hpos[ex[:, 0]] != NONE) & (vpos[ex[:, 1]] != NONE)
    return PairingProblem(
        household_ids=p.household_ids[households],
        household_lat=p.household_lat[households],
        household_lon=p.household_lon[households],
        household_languages=p.household_languages[households],
        household_consent=p.household_consent[households],
        household_current=cur,
        household_pool=p.household_pool[households],
        household_area=p.household_area[households],
        visitor_ids=p.visitor_ids[visitors],
        visitor_lat=p.visitor_lat[visitors],
        visitor_lon=p.visitor_lon[visitors],
        visitor_languages=p.visitor_languages[visitors],
        visitor_capacity=p.visitor_capacity[visitors],
        visitor_active=p.visitor_active[visitors],
        visitor_pool=p.visitor_pool[visitors],
        visitor_area=p.visitor_area[visitors],
        languages=p.languages,
        pools=p.pools,
        area_parent=p.area_parent,
        exclusions=np.column_stack((hpos[ex[keep, 0]], vpos[ex[keep, 1]])),
    )


def pair_new(
    problem: PairingProblem,
    new: IntArray,
    *,
    params: PairingParams | None = None,
    mapper: Mapper | None = None,
) -> LocalResult:
    """Pair the households ``new`` (indices, without a current visitor) into the region.

    Parameters
    ----------
    problem
        The whole region; ``household_current`` holds the existing pairs.
    new
        Indices of the new households.
    params
        As for :func:`solve`; ``keep_km`` decides whether an existing pair may move.

    Returns
    -------
    LocalResult
        The certified optimum of the neighbourhood of the new households.
    """
    params = params or PairingParams()
    new = np.unique(np.asarray(new, dtype=np.int64))
    if len(new) and (problem.household_current[new] != NONE).any():
        raise ValueError("new households must not have a current visitor")
    households, visitors = neighbourhood(problem, new, params.max_m)
    local = sub_problem(problem, households, visitors)
    return LocalResult(households, visitors, solve(local, params=params, mapper=mapper))
