"""The planning problem: an immutable, validated description of what must be planned.

Days are integers counted from ``start`` (day 0); intervals are inclusive of both ends. Large
instances are built straight from arrays (:class:`PlanningProblem`); small ones and services
use :class:`PlanningProblemBuilder`, which speaks in ids and dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.calendars import AVAILABLE, VisitorCalendar
from doorstep.engine.planning.policy import CadencePolicy

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

NO_ORGANISATION = -1
NO_CAP = -1


def _frozen(a: npt.ArrayLike, dtype: type[np.generic]) -> npt.NDArray[Any]:
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Intervals:
    """Inclusive day intervals grouped by owner (CSR): owner ``i`` has rows ``ptr[i]:ptr[i+1]``.

    Rows of one owner are sorted by start.
    """

    ptr: I64
    start: I32
    end: I32

    @classmethod
    def build(
        cls, n_owners: int, owner: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike
    ) -> Intervals:
        """Group ``(owner, start, end)`` rows by owner."""
        o = np.asarray(owner, dtype=np.int64)
        s = np.asarray(start, dtype=np.int32)
        e = np.asarray(end, dtype=np.int32)
        if not len(o) == len(s) == len(e):
            raise ValueError("interval columns differ in length")
        if len(o) and (o.min() < 0 or o.max() >= n_owners):
            raise ValueError("interval owner out of range")
        if np.any(e < s):
            raise ValueError("an interval ends before it starts")
        order = np.lexsort((s, o))
        ptr = np.zeros(n_owners + 1, dtype=np.int64)
        np.cumsum(np.bincount(o, minlength=n_owners), out=ptr[1:])
        return cls(_frozen(ptr, np.int64), _frozen(s[order], np.int32), _frozen(e[order], np.int32))

    @classmethod
    def empty(cls, n_owners: int) -> Intervals:
        """No intervals for any of ``n_owners`` owners."""
        return cls.build(n_owners, [], [], [])

    @property
    def n_owners(self) -> int:
        return len(self.ptr) - 1


def locate_pairings(
    pair_key: npt.ArrayLike,
    pair_from: npt.ArrayLike,
    pair_to: npt.ArrayLike,
    key: npt.ArrayLike,
    day: npt.ArrayLike,
) -> I64:
    """Which pairing each visit belongs to, when a household and visitor are paired more than
    once (with disjoint windows ``[from, to)``).

    A visit (``key``: the household and visitor, as in ``pair_key``; ``day``: its first day)
    belongs to the pairing of the two whose window holds its day; else to the next to begin
    after it (the visit is that pairing's history, and sets its cadence clock); else to the
    last to begin before it. -1 where the two are not paired at all. Vectorised: a plan of a
    region re-attaches millions of visits.
    """
    pk = np.asarray(pair_key, np.int64)
    pf = np.asarray(pair_from, np.int64)
    pt = np.asarray(pair_to, np.int64)
    k = np.asarray(key, np.int64)
    d = np.asarray(day, np.int64)
    out = np.full(len(k), -1, np.int64)
    if not len(pk) or not len(k):
        return out
    # Number the (household, visitor) groups densely so that (group, day) packs in an int64.
    groups, g = np.unique(pk, return_inverse=True)
    gq = np.minimum(np.searchsorted(groups, k), len(groups) - 1)
    known = groups[gq] == k
    shift, half = np.int64(1) << 32, np.int64(1) << 31
    order = np.lexsort((pf, g))
    packed = g[order] * shift + pf[order] + half
    before = np.searchsorted(packed, gq * shift + d + half, side="right") - 1  # from <= day
    after = before + 1
    has_before = known & (before >= 0)
    has_before[has_before] = g[order[before[has_before]]] == gq[has_before]
    has_after = known & (after < len(order))
    has_after[has_after] = g[order[after[has_after]]] == gq[has_after]
    b = order[np.maximum(before, 0)]
    a = order[np.minimum(after, len(order) - 1)]
    holds = has_before & (d < pt[b])
    out[has_before] = b[has_before]
    out[has_after & ~holds] = a[has_after & ~holds]
    return out


def overlapping_pairings(
    pair_key: npt.ArrayLike, pair_from: npt.ArrayLike, pair_to: npt.ArrayLike
) -> tuple[int, int] | None:
    """Two pairings of the same household and visitor (``pair_key`` equal) whose windows
    ``[from, to)`` overlap, the earlier first; ``None`` when there are none."""
    key = np.asarray(pair_key, np.int64)
    frm = np.asarray(pair_from, np.int64)
    to = np.asarray(pair_to, np.int64)
    order = np.lexsort((frm, key))
    k, f, t = key[order], frm[order], to[order]
    clash = np.flatnonzero((k[1:] == k[:-1]) & (f[1:] < t[:-1]))
    if not len(clash):
        return None
    return int(order[clash[0]]), int(order[clash[0] + 1])


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """Everything the planner needs, as arrays indexed by visitor, household and pairing.

    Parameters
    ----------
    start
        The horizon's first day (day 0).
    n_days
        Length of the horizon; its end is day ``n_days`` (the first day after it).
    policies
        Cadence policies; ``pairing_policy`` indexes them.
    calendars
        Visitor calendars; ``visitor_calendar`` indexes them.
    visitor_ids, visitor_calendar, visitor_org
        One entry per visitor; ``visitor_org`` is an index into ``org_ids`` or -1.
    org_ids, org_max_away
        One entry per organisation: the most of its staff who may be on a stay on any one day
        (-1 = no cap).
    household_ids, household_lat, household_lon, household_preferred_weekdays
        One entry per household; coordinates may be NaN (unknown); preferred weekdays are a
        7-bit mask (bit 0 = Monday, 0 = no preference).
    blackouts
        Per household: days no stay may touch (harvest, festivals, exams).
    leave
        Per visitor: days of personal leave.
    pairing_household, pairing_visitor, pairing_policy
        One entry per active pairing. A household may be paired with the same visitor more
        than once (ended, then paired again), on disjoint days only. The cadence is the
        household's: a pairing's first gap runs from the household's last visit before the
        pairing began, by any of its pairings (planned or fixed), so a household handed to
        another visitor is not due afresh.
    pairing_from, pairing_to
        The days the pairing is active: visits start in ``[from, to)``; the cadence is measured
        from ``from`` to ``to`` (default ``0`` and ``n_days``), or to the first day of the
        household's next pairing where that one takes over (:attr:`cover_to`). ``from`` is
        below 0 for a pairing that began before the horizon: with no visit since, its first
        visit is due ``max_gap_days`` after that day, and first visits are spread over what
        is left of it.
    pairing_clock
        Per pairing, the day its cadence clock starts when no visit to its household
        precedes its window: the start of its household's uninterrupted run of pairings, so
        that a household re-paired before its first visit is not due afresh (at most
        ``pairing_from``; default ``pairing_from``). A visit to the household before
        ``pairing_from`` sets the clock instead, however long ago.
    pairing_end
        Per pairing, the day it ends (the first day it is not active) where ``pairing_to`` was
        brought forward so that its last stay ends by then (the service leaves a stay's last
        days out); at least ``pairing_to``, at most ``n_days`` (default ``pairing_to``). The
        household is in its care until then: see :attr:`cover_to`.
    pairing_home_distance_m
        Distance from the household to its visitor's home (NaN when unknown); used to bound
        the distance between two households when their coordinates are unknown.
    fixed_pairing, fixed_start, fixed_end
        Visits that must not move (recorded, or kept when re-planning); may lie before day 0.
    plan_from
        No visit is placed before this day (re-planning after day 0).
    travel_threshold_m, travel_days
        Two consecutive stays of a visitor at households farther apart than the threshold need
        ``travel_days`` free days between them.
    """

    start: date
    n_days: int
    policies: tuple[CadencePolicy, ...]
    calendars: tuple[VisitorCalendar, ...]
    visitor_ids: tuple[str, ...]
    visitor_calendar: I32
    visitor_org: I32
    org_ids: tuple[str, ...]
    org_max_away: I32
    household_ids: tuple[str, ...]
    household_lat: F64
    household_lon: F64
    household_preferred_weekdays: U8
    blackouts: Intervals
    leave: Intervals
    pairing_household: I32
    pairing_visitor: I32
    pairing_policy: I32
    pairing_from: I32
    pairing_to: I32
    pairing_home_distance_m: F64
    fixed_pairing: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    fixed_start: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    fixed_end: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    plan_from: int = 0
    travel_threshold_m: float = 50_000.0
    travel_days: int = 1
    pairing_clock: I32 | None = None
    pairing_end: I32 | None = None

    def __post_init__(self) -> None:
        conv: dict[str, type[np.generic]] = {
            "visitor_calendar": np.int32,
            "visitor_org": np.int32,
            "org_max_away": np.int32,
            "household_lat": np.float64,
            "household_lon": np.float64,
            "household_preferred_weekdays": np.uint8,
            "pairing_household": np.int32,
            "pairing_visitor": np.int32,
            "pairing_policy": np.int32,
            "pairing_from": np.int32,
            "pairing_to": np.int32,
            "pairing_home_distance_m": np.float64,
            "fixed_pairing": np.int32,
            "fixed_start": np.int32,
            "fixed_end": np.int32,
        }
        if self.pairing_clock is not None:
            conv["pairing_clock"] = np.int32
        if self.pairing_end is not None:
            conv["pairing_end"] = np.int32
        for name, dtype in conv.items():
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        object.__setattr__(self, "policies", tuple(self.policies))
        object.__setattr__(self, "calendars", tuple(self.calendars))
        object.__setattr__(self, "visitor_ids", tuple(self.visitor_ids))
        object.__setattr__(self, "org_ids", tuple(self.org_ids))
        object.__setattr__(self, "household_ids", tuple(self.household_ids))
        self._validate()

    def _validate(self) -> None:
        nv, nh, no, npair = self.n_visitors, self.n_households, len(self.org_ids), self.n_pairings

        def same_length(n: int, *names: str) -> None:
            for name in names:
                if len(getattr(self, name)) != n:
                    raise ValueError(f"{name} has {len(getattr(self, name))} entries, expected {n}")

        def in_range(name: str, lo: int, hi: int) -> None:
            a = getattr(self, name)
            if len(a) and (a.min() < lo or a.max() >= hi):
                raise ValueError(f"{name} has entries outside [{lo}, {hi})")

        if self.n_days < 1:
            raise ValueError(f"n_days must be at least 1, got {self.n_days}")
        if not self.policies:
            raise ValueError("at least one cadence policy is needed")
        if not self.calendars:
            raise ValueError("at least one visitor calendar is needed")
        same_length(nv, "visitor_calendar", "visitor_org")
        same_length(no, "org_max_away")
        same_length(nh, "household_lat", "household_lon", "household_preferred_weekdays")
        same_length(
            npair,
            "pairing_visitor",
            "pairing_policy",
            "pairing_from",
            "pairing_to",
            "pairing_home_distance_m",
        )
        same_length(len(self.fixed_pairing), "fixed_start", "fixed_end")
        in_range("visitor_calendar", 0, len(self.calendars))
        in_range("visitor_org", NO_ORGANISATION, no)
        in_range("org_max_away", NO_CAP, 2**31 - 1)
        in_range("pairing_household", 0, nh)
        in_range("pairing_visitor", 0, nv)
        in_range("pairing_policy", 0, len(self.policies))
        in_range("fixed_pairing", 0, npair)
        if len(set(self.visitor_ids)) != nv:
            raise ValueError("visitor ids are not unique")
        if len(set(self.household_ids)) != nh:
            raise ValueError("household ids are not unique")
        if len(set(self.org_ids)) != no:
            raise ValueError("organisation ids are not unique")
        if self.blackouts.n_owners != nh:
            raise ValueError("blackouts must have one owner per household")
        if self.leave.n_owners != nv:
            raise ValueError("leave must have one owner per visitor")
        if np.any(self.household_preferred_weekdays > 127):
            raise ValueError("preferred weekday masks have 7 bits")
        # A pairing may have begun before the horizon (``from`` below 0): its first gap is
        # measured from then. It must still be active on some day of the horizon.
        # With ``pairing_end``, a pairing may have no start day left (its visitor leaves
        # before a stay fits) and still be in care on some day of the horizon: it is planned
        # no visit, and reported if its household falls due meanwhile.
        if self.pairing_end is not None:
            same_length(npair, "pairing_end")
            if np.any(self.pairing_end < self.pairing_to) or np.any(self.pairing_end > self.n_days):
                raise ValueError("a pairing's end lies between its last start day and n_days")
        end = self.pairing_to if self.pairing_end is None else self.pairing_end
        if np.any(end <= 0) or np.any(self.pairing_to > self.n_days):
            raise ValueError("pairings must be active within the horizon")
        if np.any(end <= self.pairing_from):
            raise ValueError("a pairing must be active for at least one day")
        if self.pairing_clock is not None:
            same_length(npair, "pairing_clock")
            if np.any(self.pairing_clock > self.pairing_from):
                raise ValueError("a pairing's cadence clock cannot start after the pairing")
        if np.any(self.fixed_end < self.fixed_start):
            raise ValueError("a fixed visit ends before it starts")
        if len(self.fixed_start) and self.fixed_start.max() >= self.n_days:
            raise ValueError("fixed visits must start within the horizon")
        if np.any(self.pairing_home_distance_m < 0):
            raise ValueError("home distances cannot be negative")
        if not 0 <= self.plan_from <= self.n_days:
            raise ValueError("plan_from must lie within the horizon")
        if self.travel_days < 0 or self.travel_threshold_m < 0:
            raise ValueError("travel_days and travel_threshold_m cannot be negative")
        self._refuse_overlapping_pairings()

    def _refuse_overlapping_pairings(self) -> None:
        """A household may be paired with one visitor several times (re-paired later), but
        never over the same days: one visitor cannot keep two cadences at one household, and
        a visit on a shared day would belong to neither pairing alone."""
        key = self.pair_keys(self.pairing_household, self.pairing_visitor)
        clash = overlapping_pairings(key, self.pairing_from, self.pairing_to)
        if clash is not None:
            i = clash[1]
            h = self.household_ids[self.pairing_household[i]]
            v = self.visitor_ids[self.pairing_visitor[i]]
            raise ValueError(
                f"household {h!r} and visitor {v!r} are paired twice over the same days"
            )

    def pair_keys(self, household: npt.ArrayLike, visitor: npt.ArrayLike) -> I64:
        """One integer per (household index, visitor index): equal for the same two."""
        h = np.asarray(household, np.int64)
        return h * max(self.n_visitors, 1) + np.asarray(visitor, np.int64)

    def pairing_of(
        self, household: npt.ArrayLike, visitor: npt.ArrayLike, day: npt.ArrayLike
    ) -> I64:
        """Per visit (household index, visitor index, first day): the index of the pairing it
        belongs to, by :func:`locate_pairings`; -1 where the two are not paired."""
        return locate_pairings(
            self.pair_keys(self.pairing_household, self.pairing_visitor),
            self.pairing_from,
            self.pairing_to,
            self.pair_keys(household, visitor),
            day,
        )

    @property
    def clock_from(self) -> I32:
        """Per pairing, the day its cadence clock starts without an earlier visit to its
        household."""
        return self.pairing_from if self.pairing_clock is None else self.pairing_clock

    @cached_property
    def cover_to(self) -> I32:
        """Per pairing, the day up to which it answers for its household's cadence.

        Its end (:attr:`pairing_end`, else ``pairing_to``), unless the household's next
        pairing begins by then (a hand-over, :attr:`handed_to`). Then it is that pairing's
        first day: the gap from this pairing's last visit runs until the next visitor can
        come, so this pairing must visit late enough for it, though its own stays still
        start before ``pairing_to``.
        """
        out = (self.pairing_to if self.pairing_end is None else self.pairing_end).copy()
        nxt = self.handed_to
        takes_over = nxt >= 0
        out[takes_over] = self.pairing_from[nxt[takes_over]]
        out.setflags(write=False)
        return out

    @cached_property
    def handed_to(self) -> npt.NDArray[np.int64]:
        """Per pairing, the index of the pairing that takes its household over, else -1.

        That is the household's next pairing if it begins by this one's end
        (:attr:`pairing_end`; without it, while a stay started on this one's last start day
        could still be running: within ``stay_days - 1`` days of ``pairing_to``).
        """
        n = self.n_pairings
        out = np.full(n, -1, np.int64)
        if n < 2:
            out.setflags(write=False)
            return out
        h = self.pairing_household.astype(np.int64)
        frm = self.pairing_from.astype(np.int64)
        to = self.pairing_to.astype(np.int64)
        # (household, first day) packed in one int64, days offset to be non-negative: the
        # first key at or after (household, to) is the household's next pairing, if any.
        shift, half = np.int64(1) << 32, np.int64(1) << 31
        order = np.lexsort((frm, h))
        keys = (h * shift + frm + half)[order]
        at = np.searchsorted(keys, h * shift + to + half)
        found = keys[np.minimum(at, n - 1)]
        nxt = found % shift - half
        stay = self.policy_arrays()[0].astype(np.int64)
        limit = to + stay - 1 if self.pairing_end is None else self.pairing_end.astype(np.int64)
        takes_over = (at < n) & (found // shift == h) & (nxt <= limit)
        out[takes_over] = order[np.minimum(at, n - 1)][takes_over]
        out.setflags(write=False)
        return out

    @property
    def n_visitors(self) -> int:
        return len(self.visitor_ids)

    @property
    def n_households(self) -> int:
        return len(self.household_ids)

    @property
    def n_pairings(self) -> int:
        return len(self.pairing_household)

    @property
    def max_stay_days(self) -> int:
        return max(p.stay_days for p in self.policies)

    @property
    def padded_days(self) -> int:
        """Days covered by the day arrays: stays starting late in the horizon run past it."""
        return self.n_days + self.max_stay_days + self.travel_days + 1

    @cached_property
    def calendar_codes(self) -> U8:
        """Per-calendar, per-day codes (``AVAILABLE``, ``NOT_WORKING``, ``HOLIDAY``)."""
        out = np.stack([c.codes(self.start, self.padded_days) for c in self.calendars])
        out.setflags(write=False)
        return out

    @cached_property
    def calendar_run(self) -> I32:
        """Per calendar and day: how many consecutive available days start there."""
        codes = self.calendar_codes
        run = np.zeros(codes.shape, dtype=np.int32)
        nxt = np.zeros(codes.shape[0], dtype=np.int32)
        for d in range(codes.shape[1] - 1, -1, -1):
            nxt = np.where(codes[:, d] == AVAILABLE, nxt + 1, 0).astype(np.int32)
            run[:, d] = nxt
        run.setflags(write=False)
        return run

    def day(self, when: date) -> int:
        """The day index of a date."""
        return (when - self.start).days

    def date_of(self, day: int) -> date:
        """The date of a day index."""
        return date.fromordinal(self.start.toordinal() + int(day))

    def policy_arrays(self) -> tuple[I32, I32, I32, U8]:
        """Per pairing: stay days, maximum gap, effective gap and start-weekday mask."""
        stay = np.array([p.stay_days for p in self.policies], dtype=np.int32)
        gap = np.array([p.max_gap_days for p in self.policies], dtype=np.int32)
        eff = np.array([p.effective_gap_days for p in self.policies], dtype=np.int32)
        mask = np.array([p.start_weekday_mask for p in self.policies], dtype=np.uint8)
        pol = self.pairing_policy
        return stay[pol], gap[pol], eff[pol], mask[pol]
