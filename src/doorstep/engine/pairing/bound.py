"""A lower bound of the least cost, for a pairing whose widening stopped before a certificate.

Weak duality, one side of the cut at a time (the sides are independent, see :mod:`.cut`):

- Side B, where every household is paired: for any visitor prices ``p >= 0``,
  ``sum_h min_v (c(h, v) + p(v)) - sum_v capacity(v) * p(v)`` is at most its least cost.
- Side A, where every visitor is full: for any visitor values ``q``,
  ``sum_v capacity(v) * q(v) - sum_h max(0, max_v (q(v) - c(h, v)))`` is.

Prices come from the last round's potentials (``p = max(pi(v), 0)``,
``q = pi(source) - pi(v)``) and from transports between grid cells at a few resolutions
(:mod:`.coarse`: households into places on side B, places into households on side A), each
scaled by a few factors in ``[0, 1]``, and no prices at all (the "everyone at their nearest"
bound). Which of these bounds best depends on the instance (cells of a twelfth of the limit
were best at the seed scale and worst on a 55k sample), so every candidate is estimated on
the same sample of the side's households and only the best is computed over all of them.
``min_v`` runs over *every* eligible visitor of the household's side, found by the grid scan,
so the bound holds whatever the prices and the candidate arcs were; the sample only chooses.
The compiled scan and numpy may round a distance one metre apart, so each household's term
gives way by two metres rather than overshoot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.coarse import coarse_prices, slot_values
from doorstep.engine.pairing.problem import BoolArray, FloatArray, IntArray
from doorstep.engine.pairing.scan import PAIRED_SIDE_CELLS, VisitorGrid, build_grid, scan

_OUT = 2**60  # a visitor price no household reaches


# Cells of a third, a sixth and a twelfth of the limit: the first round's bound at the seed
# scale 2.82e9, 3.46e9 and 3.93e9 m (cost 5.63e9), on a 55k sample 0.59, 0.52 and 0.30 of the
# cost. Finer cells: the seed 4.00e9 (a 16th) and 3.98e9 (a 24th) for a stage of 40 s and
# 97 s instead of 34 s, the 200k sample 0.53 and 0.40 of the cost instead of 0.71 (a 12th).
CELL_RESOLUTIONS = (3.0, 6.0, 12.0)
SCALES = (1.0, 0.9, 0.75, 0.5)
# Households a candidate's estimate scans: enough that candidates a few percent apart are told
# apart (all share the sample, so its noise mostly cancels), few enough that a side of a
# million households costs about one full scan for all of them.
SAMPLE = 20_000


class _Side:
    """One side's bound as a function of prices: a sum over its households plus a constant."""

    def __init__(
        self,
        households: IntArray,
        part: Callable[[IntArray, IntArray], int],
        constant: Callable[[IntArray], int],
    ) -> None:
        self.households, self.part, self.constant = households, part, constant

    def at(self, price: IntArray, households: IntArray | None = None) -> int:
        """The bound for ``price``; estimated from ``households`` when given."""
        if households is None:
            return self.constant(price) + self.part(self.households, price)
        share = len(self.households) / max(len(households), 1)
        return self.constant(price) + round(self.part(households, price) * share)


def _best(side: _Side, vectors: list[FloatArray]) -> int:
    """The best bound over every vector at every scale of :data:`SCALES`, and no prices:
    each estimated on one sample of the side's households (all of them when few), the best
    then computed for the whole side."""
    tries = [(0, 0.0)] + [(k, scale) for k in range(len(vectors)) for scale in SCALES]

    def price(k: int, scale: float) -> IntArray:
        return np.rint(scale * vectors[k]).astype(np.int64)

    hs = side.households
    if len(hs) <= SAMPLE:
        return max(side.at(price(*t)) for t in tries)
    sample = hs[:: -(-len(hs) // SAMPLE)]
    estimates = [side.at(price(*t), sample) for t in tries]
    return side.at(price(*tries[int(np.argmax(estimates))]))


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

    def places(self, visitors: BoolArray, price: IntArray) -> int:
        """``sum_v capacity(v) * price(v)`` over ``visitors``."""
        return int((self.capacity[visitors] * price[visitors]).sum())

    def reaches(self, households: IntArray, visitors: BoolArray, price: IntArray) -> int:
        """Side B's sum over ``households`` of ``min_v (c(h, v) + price(v))``."""
        best = self.least_reach(households, np.where(visitors, price, _OUT))
        if (best >= _OUT).any():
            raise RuntimeError("a household every maximum pairing pairs has no visitor (a bug)")
        return int(best.sum())

    def gains(self, households: IntArray, visitors: BoolArray, q: IntArray) -> int:
        """Side A's sum over ``households`` of ``max(0, max_v (q(v) - c(h, v)))``."""
        # max_v (q(v) - c(h, v)) = top - min_v (c(h, v) + top - q(v)), with prices >= 0.
        top = int(q[visitors].max())
        best = self.least_reach(households, np.where(visitors, top - q, _OUT))
        return int(np.where(best < _OUT, np.maximum(top - best, 0), 0).sum())

    def paired(self, households: IntArray, visitors: BoolArray) -> _Side:
        """Side B (every one of ``households`` paired), priced by ``p >= 0`` of ``visitors``."""
        return _Side(
            households,
            lambda part, price: self.reaches(part, visitors, price),
            lambda price: -self.places(visitors, price),
        )

    def full(self, households: IntArray, visitors: BoolArray) -> _Side:
        """Side A (every one of ``visitors`` full), valued by ``q`` of its visitors."""
        return _Side(
            households,
            lambda part, q: -self.gains(part, visitors, q),
            lambda q: self.places(visitors, q),
        )


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
        # After few rounds the restricted potentials price crowded towns far too high; the
        # transport between grid cells prices them from the whole map (this side at the
        # seed scale after round one: 1.67e9 m against 0.95e9, see docs/pairing-history.md).
        prices = [np.maximum(pi_v - pi_t, 0)]
        visitors = np.flatnonzero(vs)
        for cells in CELL_RESOLUTIONS:
            price = np.zeros(nv, np.float64)
            _, cell_price = coarse_prices(
                p, hs, visitors, index.household_xyz, index.visitor_xyz, index.max_m, cells
            )
            price[visitors] = np.maximum(cell_price, 0)
            prices.append(price)
        bound += _best(fine.paired(hs, vs), prices)
    if on_side is not None:
        on_side()
    hs_a = np.flatnonzero(wanted & household_side)
    vs_a = active & visitor_side
    if len(hs_a) and vs_a.any():
        values = [pi_s - pi_v]
        visitors_a = np.flatnonzero(vs_a)
        for cells in CELL_RESOLUTIONS:
            worth = np.zeros(nv, np.float64)
            worth[visitors_a] = slot_values(
                p, hs_a, visitors_a, index.household_xyz, index.visitor_xyz, index.max_m, cells
            )
            values.append(worth)
        bound += _best(sides.full(hs_a, vs_a), values)
    if on_side is not None:
        on_side()
    return bound
