"""Greedy nearest-available pairing: a baseline, and the seed of the exact solve's arcs.

Arcs are taken shortest first; an arc is kept when its household is still unpaired and its
visitor still has room. Households whose candidates all filled up look further (twice as many
nearest visitors each pass, up to ``max_k``) until they are paired or have no eligible visitor
left in range.
It is neither maximal in count nor minimal in distance, but it is fast, and its arcs reach
spare capacity outside crowded towns, which a k-nearest graph alone does not.
"""

from __future__ import annotations

import numba
import numpy as np

from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.problem import NONE, BoolArray, Int32Array, IntArray


@numba.njit(cache=True)
def _take_shortest(
    order: IntArray, hs: IntArray, vs: IntArray, visitor: Int32Array, room: IntArray
) -> None:  # pragma: no cover - compiled
    for i in order:
        h = hs[i]
        v = vs[i]
        if visitor[h] < 0 and room[v] > 0:
            visitor[h] = v
            room[v] -= 1


def greedy(index: CandidateIndex, *, start_k: int = 4, max_k: int = 4096) -> Arcs:
    """Greedy nearest-available pairs (pool arcs and current pairs first), as arcs."""
    p = index.problem
    visitor = np.full(p.n_households, NONE, np.int32)
    room = p.visitor_capacity.astype(np.int64).copy()
    fixed = index.fixed_arcs()
    _take_shortest(
        np.argsort(fixed.distance, kind="stable"), fixed.household, fixed.visitor, visitor, room
    )
    k = start_k
    todo: BoolArray = p.household_consent & (visitor == NONE)
    while todo.any() and k <= max_k:
        parts = []
        open_ = np.zeros(p.n_households, np.bool_)
        for group in index.groups:
            hs = group.households[todo[group.households]]
            if len(hs) == 0:
                continue
            # In slices, so that households x k stays bounded in memory.
            for piece in np.array_split(hs, max(1, len(hs) * k // 20_000_000 + 1)):
                found, bound = index.nearest(group, piece, k)
                parts.append(found)
                # Households that saw fewer than k visitors in range have seen them all.
                open_[piece[np.isfinite(bound)]] = True
        if not parts:
            break
        arcs = Arcs.concat_all(parts)
        _take_shortest(
            np.argsort(arcs.distance, kind="stable"), arcs.household, arcs.visitor, visitor, room
        )
        todo = todo & (visitor == NONE) & open_
        k *= 2
    h = np.flatnonzero(visitor != NONE)
    v = visitor[h].astype(np.int64)
    return Arcs(h, v, index.distances(h, v))
