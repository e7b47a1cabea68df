"""A lower bound of the least cost, for a pairing whose widening stopped before a certificate.

Weak duality, one side of the cut at a time (the sides are independent, see :mod:`.cut`):

- Side B, where every household is paired: for any visitor prices ``p >= 0``,
  ``sum_h min_v (c(h, v) + p(v)) - sum_v capacity(v) * p(v)`` is at most its least cost.
- Side A, where every visitor is full: for any visitor values ``q``,
  ``sum_v capacity(v) * q(v) - sum_h max(0, max_v (q(v) - c(h, v)))`` is.

Prices come from the last round's potentials (``p = max(pi(v), 0)``,
``q = pi(source) - pi(v)``) and from a transport between grid cells (:mod:`.coarse`:
households into places on side B, places into households on side A). Each is scaled by a
few factors in ``[0, 1]`` (each side keeps its best, see :func:`_best_scale`): potentials of
a restricted graph overprice crowded places, and a smaller scale often bounds better; scale
0 is the "everyone at their nearest" bound. ``min_v`` runs over *every* eligible visitor of
the household's side, found by the grid scan, so the bound holds whatever the candidate arcs
were. The compiled scan and numpy may round a distance one metre apart, so each household's
term gives way by two metres rather than overshoot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.coarse import coarse_prices, slot_values
from doorstep.engine.pairing.problem import BoolArray, IntArray
from doorstep.engine.pairing.scan import PAIRED_SIDE_CELLS, VisitorGrid, build_grid, scan

_OUT = 2**60  # a visitor price no household reaches


def _best_scale(*bounds_at: Callable[[float], int]) -> int:
    """The best bound over a few scales of a few price vectors (``bounds_at[k](scale)``),
    a grid scan each, so as few as tell: each vector at scale 1; then 0.9 and 0.75 for the
    best one while it gains; scale 0 (no prices) only when every vector bounds below zero."""
    tops = [bound_at(1.0) for bound_at in bounds_at]
    k = int(np.argmax(tops))
    best = tops[k]
    if best <= 0:
        return max(best, bounds_at[0](0.0))
    for scale in (0.9, 0.75):
        value = bounds_at[k](scale)
        if value <= best:
            break
        best = value
    return best


class _Sides:
    """The two sides' bounds for given prices, over one problem's grid."""

    def __init__(self, index: CandidateIndex, grid: VisitorGrid, keep_m: int) -> None:
        p = index.problem
        self.index, self.grid, self.keep_m = index, grid, keep_m
        self.capacity = np.where(p.visitor_active, p.visitor_capacity, 0).astype(np.int64)
        # Remote pools and current pairs (with their continuity bonus) are not in the grid.
        self.fixed = index.fixed_arcs()

    def on(self, grid: VisitorGrid) -> _Sides:
        """The same sides, scanned over another grid of the same visitors."""
        other = copy.copy(self)
        other.grid = grid
        return other

    def least_reach(self, households: IntArray, price: IntArray) -> IntArray:
        """``min_v (c(h, v) + price[v])`` over every eligible visitor of each of
        ``households`` (up to two metres low); ``_OUT`` where every visitor is priced out."""
        index, keep_m = self.index, self.keep_m
        p = index.problem
        nh, nv = p.n_households, p.n_visitors
        pot = np.zeros(nh + nv + 2, np.int64)
        # A household potential that every eligible visitor in range beats, and no more:
        # the scan compares scores in floating point, and at 2**58 (this was so until
        # session 12) they were rounded to 64 m, so a scan could stop before the best
        # visitor and overstate its term by up to 30 m (seen at the seed scale).
        finite = price[price < _OUT]
        pot[households] = (int(finite.max()) if len(finite) else 0) + int(index.max_m) + 16
        pot[nh : nh + nv] = price
        h, v = scan(
            p,
            self.grid,
            index.household_xyz,
            index.visitor_xyz,
            households,
            pot=pot,
            max_m=index.max_m,
            slots=1,
        )
        best = np.full(nh, _OUT, np.int64)
        cur = p.household_current
        np.minimum.at(best, h, index.distances(h, v) - keep_m * (cur[h] == v) + price[v] - 2)
        fixed = self.fixed.take(price[self.fixed.visitor] < _OUT)
        cost = fixed.distance - keep_m * (cur[fixed.household] == fixed.visitor)
        np.minimum.at(best, fixed.household, cost + price[fixed.visitor])
        return best[households]

    def paired_side(self, households: IntArray, visitors: BoolArray, price: IntArray) -> int:
        """Side B's bound for prices ``price >= 0`` of its ``visitors``."""
        best = self.least_reach(households, np.where(visitors, price, _OUT))
        if (best >= _OUT).any():
            raise RuntimeError("a household every maximum pairing pairs has no visitor (a bug)")
        return int(best.sum()) - int((self.capacity[visitors] * price[visitors]).sum())

    def full_side(self, households: IntArray, visitors: BoolArray, q: IntArray) -> int:
        """Side A's bound for values ``q`` of its ``visitors``."""
        # max_v (q(v) - c(h, v)) = top - min_v (c(h, v) + top - q(v)), with prices >= 0.
        top = int(q[visitors].max())
        best = self.least_reach(households, np.where(visitors, top - q, _OUT))
        gain = np.where(best < _OUT, np.maximum(top - best, 0), 0)
        return int((self.capacity[visitors] * q[visitors]).sum()) - int(gain.sum())


def lower_bound(
    index: CandidateIndex,
    grid: VisitorGrid,
    pot: IntArray,
    household_side: BoolArray,
    visitor_side: BoolArray,
    keep_m: int,
    on_side: Callable[[], None] | None = None,
    paired_grid: VisitorGrid | None = None,
) -> int:
    """A lower bound of the least total cost (without balance) among maximum pairings, from
    node potentials ``pot`` (households, visitors, source, sink) as :mod:`.certify` makes.
    ``on_side`` hears when each of the two sides is done (for a progress bar);
    ``paired_grid`` is the visitors' grid in cells of :data:`~.scan.PAIRED_SIDE_CELLS` (built
    here when not given)."""
    p = index.problem
    nh, nv = p.n_households, p.n_visitors
    wanted = p.household_consent & (p.household_languages != 0)
    active = p.visitor_active & (p.visitor_capacity > 0)
    pi_v = pot[nh : nh + nv].astype(np.float64)
    pi_s, pi_t = float(pot[nh + nv]), float(pot[nh + nv + 1])
    sides = _Sides(index, grid, keep_m)
    bound = 0
    hs = np.flatnonzero(wanted & ~household_side)
    vs = active & ~visitor_side
    if len(hs) and vs.any():
        # Here most visitors have room and cost nothing extra, so a scan cannot stop early
        # inside a crowded cell (its visitors come by price): cells of a 24th of the limit
        # let it stop a ring or two out (seed scale: 2.3G visitors looked at in one scan with
        # the solve's cells of a 6th, 0.27G with these).
        if paired_grid is None:
            paired_grid = build_grid(p, index.visitor_xyz, index.max_m, per_limit=PAIRED_SIDE_CELLS)
        fine = sides.on(paired_grid)
        over = np.maximum(pi_v - pi_t, 0)
        # After few rounds the restricted potentials price crowded towns far too high; the
        # transport between grid cells prices them from the whole map (this side at the
        # seed scale after round one: 1.67e9 m against 0.95e9, see docs/pairing-history.md).
        cells = np.zeros(nv, np.float64)
        visitors = np.flatnonzero(vs)
        _, cell_price = coarse_prices(
            p, hs, visitors, index.household_xyz, index.visitor_xyz, index.max_m
        )
        cells[visitors] = np.maximum(cell_price, 0)
        bound += _best_scale(
            lambda s: fine.paired_side(hs, vs, np.rint(s * over).astype(np.int64)),
            lambda s: fine.paired_side(hs, vs, np.rint(s * cells).astype(np.int64)),
        )
    if on_side is not None:
        on_side()
    hs_a = np.flatnonzero(wanted & household_side)
    vs_a = active & visitor_side
    if len(hs_a) and vs_a.any():
        q = pi_s - pi_v
        worth = np.zeros(nv, np.float64)
        visitors_a = np.flatnonzero(vs_a)
        worth[visitors_a] = slot_values(
            p, hs_a, visitors_a, index.household_xyz, index.visitor_xyz, index.max_m
        )
        bound += _best_scale(
            lambda s: sides.full_side(hs_a, vs_a, np.rint(s * q).astype(np.int64)),
            lambda s: sides.full_side(hs_a, vs_a, np.rint(s * worth).astype(np.int64)),
        )
    if on_side is not None:
        on_side()
    return bound
