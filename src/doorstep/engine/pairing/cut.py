"""Most households paired, over *every* eligible arc, and the cut that proves it.

The k nearest visitors of each household cannot move spare capacity between towns, and growing
a candidate graph towards it takes a round per ring of 30 km. So the count comes first, from
the whole eligibility graph, which is never built (:mod:`.graph`): push-relabel
(:mod:`.push_relabel`) pairs as many households as it can, then one breadth-first search from
every unpaired household over every eligible arc checks the result and finds the cut.

If that search reaches no visitor with room, the households and visitors it labelled, ``S``,
form a minimum cut: every visitor in ``S`` is full, and no eligible arc leads from a household
in ``S`` to a visitor outside it (that could take anyone). Hence, in *every* maximum pairing,

* every household outside ``S`` is paired, to a visitor outside ``S``;
* every visitor in ``S`` is full, with households of ``S``;

so the least-cost maximum pairing splits into two independent problems, one on each side, and
neither has any say over how many households are paired. (:mod:`.solve` prices each side.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.graph import (
    EligibilityGraph,
    LiveCells,
    Slots,
    live_cells,
    reach_in_grid,
)
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray
from doorstep.engine.pairing.push_relabel import settle
from doorstep.engine.pairing.scan import VisitorGrid


@dataclass(frozen=True, eq=False)
class MaximumPairing:
    """A pairing with as many households as possible, and its certificate."""

    visitor: IntArray  # visitor of each household, or -1
    household_side: BoolArray  # households in S (reached from an unpaired household)
    visitor_side: BoolArray  # visitors in S (all full)
    relabels: int  # global relabels of the push-relabel search
    steps: int  # its push-relabel steps

    @property
    def paired(self) -> int:
        return int((self.visitor >= 0).sum())


@numba.njit(cache=True)
def _reached(
    roots: IntArray,
    hmask: IntArray,
    hxyz: FloatArray,
    hlat: FloatArray,
    hlon: FloatArray,
    harea: IntArray,
    fstart: IntArray,
    fvis: IntArray,
    gvis: IntArray,
    gstart: IntArray,
    slot: IntArray,
    occupied: int,
    n_languages: int,
    box_lo: FloatArray,
    box_hi: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
    vlat: FloatArray,
    vlon: FloatArray,
    vxyz: FloatArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    max_m: float,
    capacity: IntArray,
    load: IntArray,
    slot_start: IntArray,
    slot_h: IntArray,
    seen_h: BoolArray,
    seen_v: BoolArray,
    live: LiveCells,
) -> bool:  # pragma: no cover - compiled
    # Breadth-first from the unpaired households over the residual graph: every eligible
    # arc from a household, its visitor's households from a visitor. A visitor is struck from
    # the grid once labelled. Returns whether a visitor with room was reached.
    n_visitors = len(seen_v)
    hq = np.empty(len(seen_h), np.int64)
    vq = np.empty(n_visitors, np.int64)
    no_match = np.empty(0, np.int64)  # read only from a visitor
    hn = vn = vi = 0
    for r in roots:
        seen_h[r] = True
        hq[hn] = r
        hn += 1
    hi = 0
    while hi < hn:
        while hi < hn:
            h = hq[hi]
            hi += 1
            for i in range(fstart[h], fstart[h + 1]):
                v = fvis[i]
                if not seen_v[v]:
                    seen_v[v] = True
                    vq[vn] = v
                    vn += 1
            if hmask[h] == 0:
                continue
            vn = reach_in_grid(
                h,
                True,
                hlat,
                hlon,
                hxyz,
                hmask,
                gvis,
                gstart,
                live,
                seen_v,
                vlat,
                vlon,
                vxyz,
                no_match,
                slot,
                occupied,
                n_languages,
                box_lo,
                box_hi,
                lat0,
                lon0,
                dlat,
                dlon,
                ny,
                nx,
                harea,
                varea,
                area_enter,
                area_leave,
                excl,
                n_visitors,
                max_m,
                vq,
                vn,
            )
        while vi < vn:
            v = vq[vi]
            vi += 1
            if load[v] < capacity[v]:
                return True
            for k in range(slot_start[v], slot_start[v] + capacity[v]):
                h2 = slot_h[k]
                if h2 >= 0 and not seen_h[h2]:
                    seen_h[h2] = True
                    hq[hn] = h2
                    hn += 1
    return False


def reached(graph: EligibilityGraph, pairing: Slots) -> tuple[BoolArray, BoolArray, bool]:
    """The households and visitors that the unpaired households reach over the residual
    graph of ``pairing``, and whether a visitor with room is among them (an augmenting path:
    the pairing is not maximum)."""
    p, grid, lang = graph.problem, graph.grid, graph.lang
    seen_h = np.zeros(graph.n_households, np.bool_)
    seen_v = np.zeros(graph.n_visitors, np.bool_)
    roots = np.flatnonzero(graph.wanted & (pairing.match < 0)).astype(np.int64)
    room = _reached(
        roots,
        graph.hmask,
        graph.index.household_xyz,
        p.household_lat,
        p.household_lon,
        graph.harea,
        graph.fstart,
        graph.fvis,
        lang.items.copy(),
        lang.start,
        lang.slot,
        lang.occupied,
        graph.n_languages,
        grid.box_lo,
        grid.box_hi,
        grid.lat0,
        grid.lon0,
        grid.dlat,
        grid.dlon,
        grid.ny,
        grid.nx,
        p.visitor_lat,
        p.visitor_lon,
        graph.index.visitor_xyz,
        graph.varea,
        graph.area_enter,
        graph.area_leave,
        p.exclusion_keys,
        graph.max_m,
        graph.capacity,
        pairing.load,
        pairing.start,
        pairing.household,
        seen_h,
        seen_v,
        live_cells(lang.start, lang.slot, lang.occupied),
    )
    return seen_h, seen_v, bool(room)


def maximum_pairing(
    index: CandidateIndex,
    grid: VisitorGrid,
    start: IntArray | None = None,
    on_added: Callable[[int], None] | None = None,
) -> MaximumPairing:
    """A pairing of as many households as possible over every eligible arc, with its cut.

    ``start`` (a visitor per household, ``-1`` for none; eligible pairs within capacity) is
    where the search begins; any valid pairing will do, the count found is the maximum.
    ``on_added`` hears the households added as the search goes (for a progress bar).
    """
    graph = EligibilityGraph(index, grid)
    nh = index.problem.n_households
    pairing = graph.slots(np.full(nh, NONE, np.int64) if start is None else start)
    relabels, steps = settle(graph, pairing, on_added)
    household_side, visitor_side, room = reached(graph, pairing)
    if room:
        raise RuntimeError("an unpaired household still reaches room after the search (a bug)")
    return MaximumPairing(pairing.match, household_side, visitor_side, relabels, steps)
