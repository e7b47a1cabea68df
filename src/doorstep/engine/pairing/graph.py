"""The eligibility graph as the compiled searches see it: never built, only indexed.

Eligible arcs are found on demand in a visitor grid split by language, with the few arcs that
the grid cannot find (remote pools, current pairs) listed per household. A pairing is held as
each visitor's load and ``capacity`` slots of households, so that a search can move a
household from one visitor to another in constant time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.certify import csr
from doorstep.engine.pairing.problem import BoolArray, FloatArray, IntArray, MaskArray
from doorstep.engine.pairing.scan import (
    VisitorGrid,
    area_and_exclusion_allow,
    beyond_chord2,
    box_metres,
    cell_window,
    chord2,
)
from doorstep.engine.pairing.sphere import haversine


@dataclass(frozen=True, eq=False)
class ByLanguage:
    """Items of a grid's cells split by language: ``(bit, cell)`` holds
    ``items[start[k]:start[k + 1]]`` for ``k = bit * occupied + slot[cell]``, where ``slot``
    numbers the ``occupied`` cells that hold any item (``-1`` the others). Keyed over every
    cell it took languages times cells entries, nearly all empty (64 languages over the seed
    scale's 4.2M cells: 2 GiB a grid); the cells' order, and each key's items, are the same."""

    items: IntArray
    start: IntArray
    slot: IntArray
    occupied: int

    def keys(self) -> IntArray:
        """The key of each entry of ``items``."""
        return np.repeat(np.arange(len(self.start) - 1, dtype=np.int64), np.diff(self.start))


def by_language(
    cell: IntArray, members: IntArray, masks: MaskArray, n_languages: int, cells: int
) -> ByLanguage:
    """``members`` (each in ``cell``, speaking ``masks``) split by language, in their order
    within each key (a member appears once per language it speaks)."""
    used = np.unique(cell)
    slot = np.full(cells, -1, np.int64)
    slot[used] = np.arange(len(used), dtype=np.int64)
    occupied = len(used)
    keys, parts = [], []
    for bit in range(n_languages):
        has = (masks >> np.uint64(bit)) & np.uint64(1) != 0
        keys.append(bit * occupied + slot[cell[has]])
        parts.append(members[has])
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    order = np.argsort(key, kind="stable")
    start = np.zeros(n_languages * occupied + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_languages * occupied), out=start[1:])
    items = np.concatenate(parts)[order] if parts else np.zeros(0, np.int64)
    return ByLanguage(items.astype(np.int64), start, slot, occupied)


def language_grid(grid: VisitorGrid, visitor_languages: MaskArray, n_languages: int) -> ByLanguage:
    """The visitors of ``grid`` again, split by language (a visitor appears once per language
    it speaks)."""
    cells = len(grid.start) - 1
    cell_of = np.repeat(np.arange(cells, dtype=np.int64), np.diff(grid.start))
    masks = visitor_languages[grid.visitors]
    return by_language(cell_of, grid.visitors, masks, n_languages, cells)


@dataclass(frozen=True, eq=False)
class Slots:
    """A pairing as the searches change it in place: each visitor's load and ``capacity``
    slots (``-1`` free) of households, and each household's visitor (``-1`` none)."""

    match: IntArray
    load: IntArray
    start: IntArray
    household: IntArray


class EligibilityGraph:
    """The static arrays of the compiled searches, built once per problem."""

    def __init__(self, index: CandidateIndex, grid: VisitorGrid) -> None:
        p = index.problem
        self.index, self.grid, self.problem = index, grid, p
        self.max_m = index.max_m
        self.n_households, self.n_visitors = p.n_households, p.n_visitors
        # A slot per place: no visitor can take more than every household, so a capacity of
        # two billion (valid input) costs no more than one of the households' number (and
        # one: a visitor with every household still has room, as it would).
        capacity = np.minimum(p.visitor_capacity, p.n_households + 1)
        self.capacity = np.where(p.visitor_active, capacity, 0).astype(np.int64)
        self.fixed = index.fixed_arcs()
        self.fstart, self.fvis = csr(
            p.n_households, self.fixed.household, self.fixed.visitor.astype(np.int64)
        )
        self.lang = language_grid(grid, p.visitor_languages, len(p.languages))
        self.n_languages = len(p.languages)
        self.wanted: BoolArray = p.household_consent & (p.household_languages != 0)
        self.hmask = np.where(p.household_consent, p.household_languages.view(np.int64), 0)
        self.harea = p.household_area.astype(np.int64)
        self.varea = p.visitor_area.astype(np.int64)
        self.area_enter = p.area_enter.astype(np.int64)
        self.area_leave = p.area_leave.astype(np.int64)

    def slots(self, match: IntArray) -> Slots:
        """``match`` (a visitor per household, ``-1`` for none) as slots; raises if it
        exceeds a visitor's capacity."""
        nv, capacity = self.n_visitors, self.capacity
        match = match.astype(np.int64).copy()
        load = np.bincount(match[match >= 0], minlength=nv).astype(np.int64)
        if (load > capacity).any():
            raise ValueError("the pairing exceeds a visitor's capacity")
        slot_start = np.zeros(nv + 1, np.int64)
        np.cumsum(capacity, out=slot_start[1:])
        slot_h = np.full(int(slot_start[-1]) + 1, -1, np.int64)
        paired = np.flatnonzero(match >= 0)
        by_v = paired[np.argsort(match[paired], kind="stable")]
        if len(by_v):
            first = np.searchsorted(match[by_v], np.arange(nv))
            rank = np.arange(len(by_v)) - first[match[by_v]]
            slot_h[slot_start[match[by_v]] + rank] = by_v
        return Slots(match, load, slot_start, slot_h)


class LiveCells(NamedTuple):
    """What a breadth-first search over a grid keyed by ``(language bit, cell)`` has not struck
    yet: key ``k``'s items before ``ends[k]``, ``remaining[c]`` items over every language of
    cell ``c``, and ``skip`` (one more entry than cells, the last its own) pointing from an
    emptied cell towards the next cell that may still hold some (:func:`next_live`). Late in
    a search nearly every cell of a window is empty; the skips make a window cost its rows and
    its live cells."""

    ends: IntArray
    remaining: IntArray
    skip: IntArray


def live_cells(start: IntArray, slot: IntArray, occupied: int) -> LiveCells:
    """A search's start over a grid split by language (:class:`ByLanguage`): nothing struck
    yet."""
    cells = len(slot)
    count = np.zeros(cells, np.int64)
    if occupied:
        per_slot = np.diff(start).reshape(-1, occupied).sum(axis=0).astype(np.int64)
        used = slot >= 0
        count[used] = per_slot[slot[used]]
    skip = np.arange(cells + 1, dtype=np.int64)
    skip[:cells][count == 0] += 1
    return LiveCells(start[1:].copy(), count, skip)


@numba.njit(cache=True, inline="always")
def next_live(skip: IntArray, c: int) -> int:  # pragma: no cover - compiled
    """The first cell from ``c`` on that is not known empty (``len(skip) - 1`` past the end),
    shortening the pointers it follows (union-find's path compression)."""
    root = c
    while skip[root] != root:
        root = skip[root]
    while skip[c] != root:
        following = skip[c]
        skip[c] = root
        c = following
    return root


@numba.njit(cache=True, inline="always")
def language_bits(mask: int, n_languages: int) -> tuple[IntArray, int]:  # pragma: no cover
    """The bits set in ``mask`` (the first ``n`` entries of the array): a search window
    holds a couple of hundred cells per node, and testing every language of each, rather
    than the node's one or two, was most of a global relabel's time (seed scale: 2.1-2.6 s
    a relabel, 1.5-1.6 s with these, 1.0 s with :class:`LiveCells` too)."""
    bits = np.empty(n_languages, np.int64)
    n = 0
    for bit in range(n_languages):
        if (mask >> bit) & 1:
            bits[n] = bit
            n += 1
    return bits, n


@numba.njit(cache=True)
def reach_in_grid(
    a: int,
    a_is_household: bool,
    alat: FloatArray,
    alon: FloatArray,
    axyz: FloatArray,
    amask: IntArray,
    items: IntArray,
    gstart: IntArray,
    live: LiveCells,
    seen: BoolArray,
    ilat: FloatArray,
    ilon: FloatArray,
    ixyz: FloatArray,
    match: IntArray,
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
    harea: IntArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    n_visitors: int,
    max_m: float,
    out: IntArray,
    n_out: int,
) -> int:  # pragma: no cover - compiled
    """Mark ``seen`` and append to ``out`` (from ``n_out``; returns the new end) every item of
    the other side not seen yet that is eligible with node ``a``: a household's visitors in the
    visitor grid, or a visitor's households in the household grid (except those it holds,
    ``match[h] == a``). Items found seen are struck from their cell (``live``, a
    :class:`LiveCells`), so a breadth-first search looks at each item once and skips emptied
    cells."""
    x, y, z = axyz[a, 0], axyz[a, 1], axyz[a, 2]
    far2 = beyond_chord2(max_m)
    y0, y1, x0, x1, _, _, _ = cell_window(alat[a], alon[a], max_m, lat0, lon0, dlat, dlon, ny, nx)
    if x1 < x0:  # the window misses the grid (and ``cy * nx + x0`` may be past its end)
        return n_out
    bits, nb = language_bits(amask[a], n_languages)
    for cy in range(y0, y1 + 1):
        c = next_live(live.skip, cy * nx + x0)
        while c <= cy * nx + x1:
            lower = -1.0
            for b_i in range(nb):
                key = bits[b_i] * occupied + slot[c]
                if live.ends[key] == gstart[key]:
                    continue
                if lower < 0.0:
                    lower = box_metres(box_lo, box_hi, c, x, y, z)
                if lower > max_m + 1.0:
                    break
                j = gstart[key]
                while j < live.ends[key]:
                    b = items[j]
                    if not seen[b]:
                        if chord2(ixyz, b, x, y, z) > far2:  # surely out of range
                            j += 1
                            continue
                        # Household first, as in every search, so all round alike.
                        if a_is_household:
                            h = a
                            v = b
                            d = haversine(alat[a], alon[a], ilat[b], ilon[b])
                        else:
                            h = b
                            v = a
                            d = haversine(ilat[b], ilon[b], alat[a], alon[a])
                        ok = np.rint(d) <= max_m
                        if ok and not a_is_household:
                            ok = match[h] != v
                        if ok:
                            ok = area_and_exclusion_allow(
                                h, v, harea, varea, area_enter, area_leave, excl, n_visitors
                            )
                        if not ok:
                            j += 1
                            continue
                        seen[b] = True
                        out[n_out] = b
                        n_out += 1
                    live.ends[key] -= 1
                    items[j] = items[live.ends[key]]
                    items[live.ends[key]] = b
                    live.remaining[c] -= 1
            if live.remaining[c] == 0:
                live.skip[c] = c + 1
            c = next_live(live.skip, c + 1)
    return n_out
