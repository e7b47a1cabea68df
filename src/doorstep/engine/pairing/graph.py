"""The eligibility graph as the compiled searches see it: never built, only indexed.

Eligible arcs are found on demand in a visitor grid split by language, with the few arcs that
the grid cannot find (remote pools, current pairs) listed per household. A pairing is held as
each visitor's load and ``capacity`` slots of households, so that a search can move a
household from one visitor to another in constant time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.certify import csr
from doorstep.engine.pairing.problem import BoolArray, IntArray, MaskArray
from doorstep.engine.pairing.scan import VisitorGrid


@dataclass(frozen=True, eq=False)
class LanguageGrid:
    """The visitors of a :class:`VisitorGrid` again, split by language: ``(bit, cell)`` holds
    ``visitors[start[bit * cells + cell]:start[bit * cells + cell + 1]]``."""

    visitors: IntArray
    start: IntArray
    cells: int

    def keys(self) -> IntArray:
        """The ``(bit, cell)`` key of each entry of ``visitors``."""
        return np.repeat(np.arange(len(self.start) - 1, dtype=np.int64), np.diff(self.start))


def language_grid(
    grid: VisitorGrid, visitor_languages: MaskArray, n_languages: int
) -> LanguageGrid:
    """Split the grid's cells by language (a visitor appears once per language it speaks)."""
    cells = len(grid.start) - 1
    cell_of = np.repeat(np.arange(cells, dtype=np.int64), np.diff(grid.start))
    keys, members = [], []
    masks = visitor_languages[grid.visitors]
    for bit in range(n_languages):
        has = (masks >> np.uint64(bit)) & np.uint64(1) != 0
        keys.append(bit * cells + cell_of[has])
        members.append(grid.visitors[has])
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    order = np.argsort(key, kind="stable")
    start = np.zeros(n_languages * cells + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_languages * cells), out=start[1:])
    visitors = np.concatenate(members)[order] if members else np.zeros(0, np.int64)
    return LanguageGrid(visitors.astype(np.int64), start, cells)


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
        self.capacity = np.where(p.visitor_active, p.visitor_capacity, 0).astype(np.int64)
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
