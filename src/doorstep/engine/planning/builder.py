"""Build a :class:`PlanningProblem` in ids and dates, one entity at a time."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning.calendars import VisitorCalendar, add_months
from doorstep.engine.planning.policy import ALL_WEEKDAYS, CadencePolicy
from doorstep.engine.planning.problem import (
    I64,
    NO_CAP,
    NO_ORGANISATION,
    Intervals,
    PlanningProblem,
    locate_pairings,
)

Span = tuple[date, date]


def max_away(staff: int, share: float | None, *, minimum: int = 1) -> int:
    """How many of ``staff`` may be away on one day under a staffing cap of ``share``.

    ``floor(share * staff)``, but never fewer than ``minimum`` (default 1): under a 30 % cap a
    unit of three could otherwise never send anyone, and its pairings would all be unplannable.
    Pass ``minimum=0`` for the strict reading. ``None`` means no cap (returns -1).
    """
    if share is None:
        return NO_CAP
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a staffing cap is a share in [0, 1], got {share}")
    if minimum < 0:
        raise ValueError("minimum cannot be negative")
    return max(minimum, math.floor(share * staff + 1e-9))


@dataclass
class _Org:
    staff: int | None
    share: float | None
    minimum: int


class PlanningProblemBuilder:
    """Collects visitors, households, pairings and constraints, then builds the problem.

    Parameters
    ----------
    start
        The horizon's first day.
    months, days
        The horizon's length: whole months (default 12) or, if given, days.
    default_policy
        The policy of pairings added without one.
    """

    def __init__(
        self,
        start: date,
        *,
        months: int = 12,
        days: int | None = None,
        default_policy: CadencePolicy | None = None,
    ) -> None:
        self.start = start
        self.n_days = days if days is not None else (add_months(start, months) - start).days
        self.default_policy = default_policy or CadencePolicy()
        self.travel_threshold_m = 50_000.0
        self.travel_days = 1
        self.plan_from = 0
        self._policies: list[CadencePolicy] = []
        self._calendars: list[VisitorCalendar] = []
        self._orgs: dict[str, _Org] = {}
        self._visitors: dict[str, tuple[int, str | None, list[Span]]] = {}
        self._households: dict[str, tuple[float, float, int, list[Span]]] = {}
        # (household, visitor, policy, from, to, home distance): a list, not a dict by pair,
        # as a household may be paired with the same visitor again on other days.
        self._pairings: list[tuple[str, str, int, int, int, float, int]] = []
        self._fixed: list[tuple[str, str, date, date, int | None]] = []
        self._fixed_columns: list[tuple[I64, I64, I64]] = []

    def _day(self, when: date) -> int:
        return (when - self.start).days

    def _policy_index(self, policy: CadencePolicy) -> int:
        if policy not in self._policies:
            self._policies.append(policy)
        return self._policies.index(policy)

    def add_calendar(
        self,
        *,
        working_weekdays: Iterable[int] = ALL_WEEKDAYS,
        holidays: Iterable[date] = (),
    ) -> int:
        """Add a visitor calendar and return its index."""
        self._calendars.append(VisitorCalendar(frozenset(working_weekdays), frozenset(holidays)))
        return len(self._calendars) - 1

    def add_organisation(
        self,
        org_id: str,
        *,
        staff: int | None = None,
        max_away_share: float | None = None,
        min_away: int = 1,
    ) -> None:
        """Add an organisation; ``staff`` defaults to the number of its visitors."""
        if org_id in self._orgs:
            raise ValueError(f"organisation {org_id!r} added twice")
        self._orgs[org_id] = _Org(staff, max_away_share, min_away)

    def add_visitor(
        self,
        visitor_id: str,
        *,
        calendar: int = 0,
        organisation: str | None = None,
        leave: Iterable[Span] = (),
    ) -> None:
        """Add a visitor with a calendar index, an organisation and leave (inclusive spans)."""
        if visitor_id in self._visitors:
            raise ValueError(f"visitor {visitor_id!r} added twice")
        if organisation is not None and organisation not in self._orgs:
            raise ValueError(f"unknown organisation {organisation!r}")
        self._visitors[visitor_id] = (calendar, organisation, list(leave))

    def add_household(
        self,
        household_id: str,
        *,
        lat: float | None = None,
        lon: float | None = None,
        blackouts: Iterable[Span] = (),
        preferred_weekdays: Iterable[int] = (),
    ) -> None:
        """Add a household with optional coordinates, blackouts and preferred weekdays."""
        if household_id in self._households:
            raise ValueError(f"household {household_id!r} added twice")
        mask = sum(1 << d for d in set(preferred_weekdays))
        self._households[household_id] = (
            math.nan if lat is None else lat,
            math.nan if lon is None else lon,
            mask,
            list(blackouts),
        )

    def add_pairing(
        self,
        household_id: str,
        visitor_id: str,
        *,
        policy: CadencePolicy | None = None,
        active_from: date | None = None,
        active_to: date | None = None,
        home_distance_m: float | None = None,
        clock_from: date | None = None,
    ) -> int:
        """Pair a household with a visitor; ``active_to`` is the first day it is not active.

        Returns the pairing's index in the problem. The same two may be paired again on
        other days (the problem refuses overlapping windows). ``clock_from`` (at most
        ``active_from``) starts the cadence clock earlier when no visit precedes the pairing:
        a household re-paired before its first visit is due from its first pairing's start.
        """
        if household_id not in self._households:
            raise ValueError(f"unknown household {household_id!r}")
        if visitor_id not in self._visitors:
            raise ValueError(f"unknown visitor {visitor_id!r}")
        # Begun before the horizon: kept as a negative day, from which the first gap runs.
        lo = 0 if active_from is None else self._day(active_from)
        hi = self.n_days if active_to is None else min(self.n_days, self._day(active_to))
        self._pairings.append(
            (
                household_id,
                visitor_id,
                self._policy_index(policy or self.default_policy),
                lo,
                hi,
                math.nan if home_distance_m is None else home_distance_m,
                lo if clock_from is None else self._day(clock_from),
            )
        )
        return len(self._pairings) - 1

    def add_fixed_visit(
        self,
        household_id: str,
        visitor_id: str,
        start: date,
        end: date,
        *,
        pairing: int | None = None,
    ) -> None:
        """A visit that must not move (recorded, or kept when re-planning); ``end`` inclusive.

        ``pairing`` (an index from :meth:`add_pairing`) says whose visit it is; without it,
        a household paired with the visitor more than once gets it on the pairing whose
        window holds ``start`` (see :func:`~doorstep.engine.planning.problem.
        locate_pairings`).
        """
        self._fixed.append((household_id, visitor_id, start, end, pairing))

    def add_fixed_visits(
        self, pairings: npt.ArrayLike, start_days: npt.ArrayLike, end_days: npt.ArrayLike
    ) -> None:
        """Many fixed visits at once, as columns: pairing indices (from :meth:`add_pairing`)
        and first and last days counted from the horizon's start. They come after every
        visit given by :meth:`add_fixed_visit` in the problem's ``fixed_*`` arrays.

        A region's re-plan keeps ten million planned visits: a tuple and two dates each
        (and as many again in the caller) took 13 GiB where these arrays take 0.2.
        """
        p = np.asarray(pairings, np.int64)
        s = np.asarray(start_days, np.int64)
        e = np.asarray(end_days, np.int64)
        if not len(p) == len(s) == len(e):
            raise ValueError("pairings, start_days and end_days differ in length")
        self._fixed_columns.append((p, s, e))

    def build(self) -> PlanningProblem:
        """The validated problem (raises ``ValueError`` on inconsistent input)."""
        self._policy_index(self.default_policy)
        calendars = self._calendars or [VisitorCalendar()]
        visitor_ids = list(self._visitors)
        org_ids = list(self._orgs)
        org_index = {o: i for i, o in enumerate(org_ids)}
        members = np.zeros(len(org_ids), dtype=np.int64)
        v_org = []
        for _, org, _ in self._visitors.values():
            v_org.append(NO_ORGANISATION if org is None else org_index[org])
            if org is not None:
                members[org_index[org]] += 1
        org_cap = [
            max_away(
                o.staff if o.staff is not None else int(members[i]), o.share, minimum=o.minimum
            )
            for i, o in enumerate(self._orgs.values())
        ]
        h_ids = list(self._households)
        h_index = {h: i for i, h in enumerate(h_ids)}
        v_index = {v: i for i, v in enumerate(visitor_ids)}

        def spans(owners: list[list[Span]]) -> Intervals:
            rows = [(i, self._day(a), self._day(b)) for i, ss in enumerate(owners) for a, b in ss]
            o, s, e = zip(*rows, strict=True) if rows else ((), (), ())
            return Intervals.build(len(owners), o, s, e)

        pv = self._pairings
        p_h = np.array([h_index[p[0]] for p in pv], np.int64)
        p_v = np.array([v_index[p[1]] for p in pv], np.int64)
        p_from = np.array([p[3] for p in pv], np.int64)
        p_to = np.array([p[4] for p in pv], np.int64)
        width = max(len(visitor_ids), 1)
        n_fixed = len(self._fixed)
        fp = np.full(n_fixed, -1, np.int64)
        fs = np.empty(n_fixed, np.int64)
        fe = np.empty(n_fixed, np.int64)
        key = np.full(n_fixed, -1, np.int64)  # of the visits given by name only
        for i, (h, v, a, z, pairing) in enumerate(self._fixed):
            fs[i], fe[i] = self._day(a), self._day(z)
            if pairing is None:
                if h in h_index and v in v_index:
                    key[i] = h_index[h] * width + v_index[v]
            elif 0 <= pairing < len(pv) and pv[pairing][:2] == (h, v):
                fp[i] = pairing
            else:
                raise ValueError(f"fixed visit for {h!r} by {v!r} is not of pairing {pairing}")
        by_name = key >= 0
        fp[by_name] = locate_pairings(p_h * width + p_v, p_from, p_to, key[by_name], fs[by_name])
        lost = np.flatnonzero(fp < 0)
        if len(lost):
            h, v = self._fixed[lost[0]][:2]
            raise ValueError(f"fixed visit for {h!r} by {v!r} is not of a listed pairing")
        if self._fixed_columns:
            cp, cs, ce = (np.concatenate(c) for c in zip(*self._fixed_columns, strict=True))
            if len(cp) and (cp.min() < 0 or cp.max() >= len(pv)):
                raise ValueError("a fixed visit names a pairing that was not added")
            fp, fs, fe = np.r_[fp, cp], np.r_[fs, cs], np.r_[fe, ce]
        return PlanningProblem(
            start=self.start,
            n_days=self.n_days,
            policies=tuple(self._policies),
            calendars=tuple(calendars),
            visitor_ids=tuple(visitor_ids),
            visitor_calendar=np.array([c for c, _, _ in self._visitors.values()], np.int32),
            visitor_org=np.array(v_org, np.int32),
            org_ids=tuple(org_ids),
            org_max_away=np.array(org_cap, np.int32),
            household_ids=tuple(h_ids),
            household_lat=np.array([h[0] for h in self._households.values()], np.float64),
            household_lon=np.array([h[1] for h in self._households.values()], np.float64),
            household_preferred_weekdays=np.array(
                [h[2] for h in self._households.values()], np.uint8
            ),
            blackouts=spans([h[3] for h in self._households.values()]),
            leave=spans([v[2] for v in self._visitors.values()]),
            pairing_household=p_h.astype(np.int32),
            pairing_visitor=p_v.astype(np.int32),
            pairing_policy=np.array([p[2] for p in pv], np.int32),
            pairing_from=p_from.astype(np.int32),
            pairing_to=p_to.astype(np.int32),
            pairing_home_distance_m=np.array([p[5] for p in pv], np.float64),
            fixed_pairing=np.array(fp, np.int32),
            fixed_start=np.array(fs, np.int32),
            fixed_end=np.array(fe, np.int32),
            plan_from=self.plan_from,
            travel_threshold_m=self.travel_threshold_m,
            travel_days=self.travel_days,
            pairing_clock=np.array([p[6] for p in pv], np.int32),
        )
