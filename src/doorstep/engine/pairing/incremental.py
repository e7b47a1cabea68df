"""Pair a few new households into an already paired region without re-solving it all.

The neighbourhood of the new households is every local visitor within the distance limit of
one of them (and the remote pools meant for them), and every household currently paired with
one of those visitors. That sub-problem is solved exactly and certified like any other, with
the current pairs kept by continuity; everything outside it keeps its current visitor.

This is exact for the neighbourhood, not for the whole region: a chain of moves reaching
beyond it is not considered. Run :func:`~doorstep.engine.pairing.solve.solve` for that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from doorstep.domain.geo import EARTH_RADIUS_M, chord_within, to_unit_xyz
from doorstep.engine.pairing.longitude import turned, widest_gap_middle
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
    if len(new):
        # Only visitors inside the box around the new households' reach can be in range: a
        # region's million visitors need not all go into the tree for a village's newcomers.
        reach = math.degrees(max_m / EARTH_RADIUS_M) * 1.01
        lat = p.household_lat[new]
        vlat = p.visitor_lat[local]
        box = (vlat >= lat.min() - reach) & (vlat <= lat.max() + reach)
        far = float(np.abs(lat).max()) + reach
        if far < 89.0:  # nearer a pole any longitude may be in reach
            reach_lon = reach / math.cos(math.radians(far))
            # Longitudes measured from the newcomers' widest gap, so the box does not break
            # at ±180° when they straddle it.
            middle = widest_gap_middle(p.household_lon[new])
            lon, vlon = turned(p.household_lon[new], middle), turned(p.visitor_lon[local], middle)
            if lon.max() - lon.min() + 2 * reach_lon < 180.0:
                box &= (vlon >= lon.min() - reach_lon) & (vlon <= lon.max() + reach_lon)
        local = local[box]
    # Each visitor asks for its nearest newcomer: thousands of visitors per newcomer in a town,
    # so listing each newcomer's visitors would be the slow way round.
    tree = cKDTree(to_unit_xyz(p.household_lat[new], p.household_lon[new]))
    reach_chord = chord_within(max_m)  # whole metres within the limit, rounding included
    gap, _ = tree.query(
        to_unit_xyz(p.visitor_lat[local], p.visitor_lon[local]), distance_upper_bound=reach_chord
    )
    hit = np.flatnonzero(np.isfinite(gap))
    pools = np.unique(p.household_pool[new])
    remote = np.flatnonzero(np.isin(p.visitor_pool, pools[pools != NONE]))
    visitors = np.union1d(local[hit], remote)
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
