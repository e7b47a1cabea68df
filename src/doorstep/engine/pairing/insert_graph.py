"""The insertion's implicit graph: which visitors may visit a household, and what a household
costs where it is paired (``insert``'s cost model)."""

from __future__ import annotations

from typing import NamedTuple

import numba

from doorstep.engine.pairing.problem import NONE, FloatArray, IntArray
from doorstep.engine.pairing.scan import VisitorGrid


class Eligibility(NamedTuple):
    """What the compiled search needs to list a household's eligible visitors: homes,
    languages, areas and pools, exclusions, and the visitor grid (a named tuple, which numba
    passes as one argument)."""

    hlat: FloatArray
    hlon: FloatArray
    hxyz: FloatArray
    hmask: IntArray
    harea: IntArray
    hpool: IntArray
    grid: VisitorGrid
    vlat: FloatArray
    vlon: FloatArray
    vmask: IntArray
    varea: IntArray
    area_enter: IntArray
    area_leave: IntArray
    excl: IntArray
    pool_start: IntArray
    pooled: IntArray
    max_m: float


@numba.njit(cache=True)
def cost_of(
    h: int, x: int, d: int, orig: IntArray, dorig: IntArray, keep_m: int
) -> int:  # pragma: no cover
    """What household ``h`` costs at visitor ``x`` (``d`` metres away): a newcomer its
    metres; an existing household nothing at its own visitor (``orig``), and ``keep_m`` plus
    any metres it gains (over ``dorig``) anywhere else."""
    o = orig[h]
    if o == NONE:
        return d
    if x == o:
        return 0
    return int(keep_m + max(d - dorig[h], 0))
