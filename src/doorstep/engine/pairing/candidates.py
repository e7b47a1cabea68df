"""Candidate arcs: which (household, visitor) pairs the solver looks at.

Local visitors are indexed by language in k-d trees on the unit sphere (the chord length is a
monotone function of the great-circle distance, so radius queries are exact). The first round
keeps the ``k`` nearest eligible visitors of each household per shared language; the
certificate (:mod:`.certify`) later asks these same trees for any pruned arc that could matter.
Remote-pool arcs and current pairs are always kept in full, so they are never pruned.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from doorstep.domain.geo import EARTH_RADIUS_M, chord_within, chords_within, to_unit_xyz
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, PairingProblem


def chord_to_metres(chord: FloatArray) -> FloatArray:
    """Great-circle metres for unit-sphere chord lengths."""
    return np.asarray(
        2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2.0)), dtype=np.float64
    )


@dataclass(frozen=True, eq=False)
class LanguageGroup:
    """Local active visitors and consenting households that share language ``bit``."""

    bit: int
    households: IntArray
    visitors: IntArray
    tree: cKDTree  # over the group's visitors


@dataclass(frozen=True, eq=False)
class Arcs:
    """A set of arcs with integer metre distances, and per arc the solver cost."""

    household: IntArray
    visitor: IntArray
    distance: IntArray

    def __len__(self) -> int:
        return len(self.household)

    @staticmethod
    def empty() -> Arcs:
        z = np.zeros(0, np.int64)
        return Arcs(z, z, z)

    def keys(self, n_visitors: int) -> IntArray:
        return np.asarray(self.household * n_visitors + self.visitor, dtype=np.int64)

    def concat(self, other: Arcs) -> Arcs:
        return Arcs.concat_all((self, other))

    @staticmethod
    def concat_all(parts: Sequence[Arcs]) -> Arcs:
        if not parts:
            return Arcs.empty()
        return Arcs(
            np.concatenate([a.household for a in parts]),
            np.concatenate([a.visitor for a in parts]),
            np.concatenate([a.distance for a in parts]),
        )

    def take(self, which: BoolArray | IntArray) -> Arcs:
        return Arcs(self.household[which], self.visitor[which], self.distance[which])

    def unique(self) -> Arcs:
        """Drop repeated pairs (a household sharing two languages with a visitor, or found
        from both ends), keeping the first of each, in (household, visitor) order.

        The same as ``np.unique`` on the pairs' keys with ``return_index``, in a linear
        bucket pass by household (``np.unique`` sorted the 25M arcs of the seed scale's first
        round in about 5 s)."""
        if len(self) == 0:
            return self
        n_households = int(self.household.max()) + 1
        return Arcs(*_unique_arcs(self.household, self.visitor, self.distance, n_households))


@numba.njit(cache=True)
def _unique_arcs(
    household: IntArray, visitor: IntArray, distance: IntArray, n_households: int
) -> tuple[IntArray, IntArray, IntArray]:  # pragma: no cover - compiled
    """The first arc of each (household, visitor), ordered by household, then visitor: a
    stable counting sort by household, then each household's few arcs by visitor."""
    n = len(household)
    start = np.zeros(n_households + 1, np.int64)
    for i in range(n):
        start[household[i] + 1] += 1
    for h in range(n_households):
        start[h + 1] += start[h]
    fill = start[:-1].copy()
    pos = np.empty(n, np.int64)
    vis = np.empty(n, np.int64)
    for i in range(n):
        h = household[i]
        pos[fill[h]] = i
        vis[fill[h]] = visitor[i]
        fill[h] += 1
    keep = np.zeros(n, np.bool_)
    _first_per_visitor(pos, vis, start, keep)
    m = 0
    for j in range(n):
        m += keep[j]
    out_h = np.empty(m, np.int64)
    out_v = np.empty(m, np.int64)
    out_d = np.empty(m, np.int64)
    k = 0
    for h in range(n_households):
        for j in range(start[h], start[h + 1]):
            if keep[j]:
                out_h[k] = h
                out_v[k] = vis[j]
                out_d[k] = distance[pos[j]]
                k += 1
    return out_h, out_v, out_d


@numba.njit(parallel=True, cache=True)
def _first_per_visitor(
    pos: IntArray, vis: IntArray, start: IntArray, keep: BoolArray
) -> None:  # pragma: no cover - compiled
    for h in numba.prange(len(start) - 1):
        a, b = start[h], start[h + 1]
        if b - a > 32:
            o = np.argsort(vis[a:b], kind="mergesort")
            pos[a:b] = pos[a:b][o]
            vis[a:b] = vis[a:b][o]
        else:  # insertion sort, stable, for the usual handful
            for j in range(a + 1, b):
                x, y = pos[j], vis[j]
                k = j
                while k > a and vis[k - 1] > y:
                    pos[k] = pos[k - 1]
                    vis[k] = vis[k - 1]
                    k -= 1
                pos[k] = x
                vis[k] = y
        for j in range(a, b):
            keep[j] = j == a or vis[j] != vis[j - 1]


class CandidateIndex:
    """The spatial index of a problem: one k-d tree per language over local visitors."""

    def __init__(self, problem: PairingProblem, max_m: float) -> None:
        self.problem = problem
        self.max_m = max_m
        self.max_chord = chord_within(max_m)  # rounding included
        self.household_xyz = to_unit_xyz(problem.household_lat, problem.household_lon)
        self.visitor_xyz = to_unit_xyz(problem.visitor_lat, problem.visitor_lon)
        local = problem.visitor_active & (problem.visitor_pool == NONE)
        wanted = problem.household_consent
        groups = []
        for bit in range(len(problem.languages)):
            flag = np.uint64(1 << bit)
            v = np.flatnonzero(local & ((problem.visitor_languages & flag) != 0))
            h = np.flatnonzero(wanted & ((problem.household_languages & flag) != 0))
            if len(v) and len(h):
                groups.append(LanguageGroup(bit, h, v, cKDTree(self.visitor_xyz[v])))
        self.groups: tuple[LanguageGroup, ...] = tuple(groups)

    def distances(self, households: IntArray, visitors: IntArray) -> IntArray:
        """Whole metres between households and visitors (element-wise)."""
        return self.problem.metres(households, visitors)

    def nearest(
        self, group: LanguageGroup, households: IntArray, k: int, *, among: IntArray | None = None
    ) -> tuple[Arcs, FloatArray]:
        """The ``k`` nearest group visitors within the limit, for each household.

        Returns the eligible arcs found and, per household, the distance in metres beyond
        which arcs were not looked at (``inf`` when fewer than ``k`` were in range: then every
        arc in range was looked at).
        """
        tree = group.tree if among is None else cKDTree(self.visitor_xyz[among])
        pool = group.visitors if among is None else among
        k = min(k, len(pool))
        if k == 0 or len(households) == 0:
            return Arcs.empty(), np.full(len(households), np.inf)
        chord, pos = tree.query(
            self.household_xyz[households], k=k, distance_upper_bound=self.max_chord, workers=-1
        )
        chord = chord.reshape(len(households), k)
        pos = pos.reshape(len(households), k)
        found = np.isfinite(chord)
        bound = np.where(
            found[:, -1], chord_to_metres(np.where(found[:, -1], chord[:, -1], 0)), np.inf
        )
        rows, cols = np.nonzero(found)
        arcs = self._eligible(households[rows], pool[pos[rows, cols]])
        return arcs, bound

    def within(
        self, group: LanguageGroup, households: IntArray, radius_m: FloatArray, visitors: IntArray
    ) -> Arcs:
        """Every eligible arc from ``households[i]`` to a visitor of ``visitors`` (a subset of
        the group) within ``radius_m[i]`` metres (and within the limit)."""
        if len(households) == 0 or len(visitors) == 0:
            return Arcs.empty()
        tree = (
            group.tree
            if len(visitors) == len(group.visitors)
            else cKDTree(self.visitor_xyz[visitors])
        )
        r = chords_within(np.minimum(radius_m, self.max_m))  # rounding included
        hits = tree.query_ball_point(self.household_xyz[households], r, workers=-1)
        counts = np.fromiter((len(x) for x in hits), dtype=np.int64, count=len(hits))
        flat = np.fromiter(
            itertools.chain.from_iterable(hits), dtype=np.int64, count=int(counts.sum())
        )
        return self._eligible(np.repeat(households, counts), visitors[flat])

    def _eligible(self, households: IntArray, visitors: IntArray) -> Arcs:
        ok = self.problem.eligible(households, visitors)
        h, v = households[ok], visitors[ok]
        d = self.distances(h, v)
        keep = d <= self.max_m
        return Arcs(h[keep], v[keep], d[keep])

    def fixed_arcs(self) -> Arcs:
        """Arcs kept in every round: remote-pool arcs and eligible current pairs."""
        p = self.problem
        parts = [Arcs.empty()]
        for pool in range(len(p.pools)):
            v = np.flatnonzero(p.visitor_active & (p.visitor_pool == pool))
            h = np.flatnonzero(p.household_consent & (p.household_pool == pool))
            if len(v) and len(h):
                hh = np.repeat(h, len(v))
                vv = np.tile(v, len(h))
                ok = p.eligible(hh, vv)
                parts.append(Arcs(hh[ok], vv[ok], self.distances(hh[ok], vv[ok])))
        cur = np.flatnonzero(p.household_current != NONE)
        if len(cur):
            v = p.household_current[cur].astype(np.int64)
            ok = p.eligible(cur, v)
            h, v = cur[ok], v[ok]
            d = self.distances(h, v)
            keep = (d <= self.max_m) | (p.visitor_pool[v] != NONE)
            parts.append(Arcs(h[keep], v[keep], d[keep]))
        return Arcs.concat_all(parts)

    def nearest_households(self, k: int) -> Arcs:
        """Each local visitor's ``k`` nearest eligible households per language, within range.

        Where households outnumber places, the visitors choose: the arcs that matter are a
        visitor's nearest households, which need not be among those households' nearest
        visitors."""
        parts = [Arcs.empty()]
        for group in self.groups:
            kk = min(k, len(group.households))
            tree = cKDTree(self.household_xyz[group.households])
            chord, pos = tree.query(
                self.visitor_xyz[group.visitors],
                k=kk,
                distance_upper_bound=self.max_chord,
                workers=-1,
            )
            chord = chord.reshape(len(group.visitors), kk)
            pos = pos.reshape(len(group.visitors), kk)
            rows, cols = np.nonzero(np.isfinite(chord))
            parts.append(self._eligible(group.households[pos[rows, cols]], group.visitors[rows]))
        return Arcs.concat_all(parts)

    def initial_arcs(self, k: int) -> tuple[Arcs, list[FloatArray]]:
        """The first-round arcs and, per language group, each household's pruning bound."""
        parts, bounds = [self.fixed_arcs()], []
        for group in self.groups:
            found, bound = self.nearest(group, group.households, k)
            parts.append(found)
            bounds.append(bound)
        return Arcs.concat_all(parts).unique(), bounds
