"""An independent checker of hard constraints, for tests, benchmarks and re-planning.

Written with plain array operations and sharing no code with the planner's kernel, so that a
bug in one is caught by the other. Fixed visits are taken as given: only violations that
involve at least one planned visit are counted (except overlaps among the listed visits, which
count whoever placed them).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.planning.calendars import AVAILABLE, HOLIDAY
from doorstep.engine.planning.problem import Intervals, PlanningProblem

Bools = npt.NDArray[np.bool_]
_OFFSET = 4096  # lets keys of days before the horizon (history) stay non-negative


@dataclass(frozen=True, slots=True)
class HardViolations:
    """Counts of hard-constraint violations in a set of visits (all zero for a valid plan)."""

    overlaps: int = 0
    travel: int = 0
    holidays: int = 0
    non_working_days: int = 0
    leave: int = 0
    blackouts: int = 0
    start_weekday: int = 0
    stay_length: int = 0
    outside_window: int = 0
    staffing_cap_days: int = 0

    @property
    def total(self) -> int:
        return sum(int(getattr(self, f.name)) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}


def _touches(
    spans: Intervals,
    owner: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
) -> Bools:
    """Whether each stay ``[start, end]`` of ``owner`` touches one of the owner's spans."""
    counts = np.diff(spans.ptr)
    if not len(spans.start):
        return np.zeros(len(owner), np.bool_)
    span_owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    width = np.int64(1) << 20  # wider than any horizon plus history
    lengths = (spans.end.astype(np.int64) - spans.start) + 1
    first = np.cumsum(lengths) - lengths
    step = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(first, lengths)
    days = np.repeat(spans.start.astype(np.int64), lengths) + step
    keys = np.repeat(span_owner, lengths) * width + days + _OFFSET
    blocked = np.unique(keys)
    out = np.zeros(len(owner), np.bool_)
    length = end - start + 1
    for k in range(int(length.max()) if len(length) else 0):
        live = k < length
        day = start[live] + k + _OFFSET
        query = owner[live] * width + day
        at = np.minimum(np.searchsorted(blocked, query), len(blocked) - 1)
        out[live] |= blocked[at] == query
    return out


def _far(problem: PlanningProblem, p: npt.NDArray[np.int64], q: npt.NDArray[np.int64]) -> Bools:
    """Whether the households of pairings ``p`` and ``q`` (one visitor each) are far apart."""
    h1, h2 = problem.pairing_household[p], problem.pairing_household[q]
    lat, lon = problem.household_lat, problem.household_lon
    known = ~(np.isnan(lat[h1]) | np.isnan(lat[h2]) | np.isnan(lon[h1]) | np.isnan(lon[h2]))
    metres = np.full(len(p), np.inf)
    metres[known] = haversine_m_array(
        lat[h1][known], lon[h1][known], lat[h2][known], lon[h2][known]
    )
    home = problem.pairing_home_distance_m[p] + problem.pairing_home_distance_m[q]
    by_home = ~known & ~np.isnan(home)
    metres[by_home] = home[by_home]
    return np.asarray((h1 != h2) & (metres > problem.travel_threshold_m), np.bool_)


def _over_cap(
    pr: PlanningProblem,
    o: npt.NDArray[np.int64],
    s: npt.NDArray[np.int64],
    e: npt.NDArray[np.int64],
    pl: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """Per organisation and day: more staff away than the cap, with a planned visit among them."""
    n_org, n_days = len(pr.org_ids), pr.n_days
    total = np.zeros((n_org, n_days + 1), np.int64)
    planned = np.zeros((n_org, n_days + 1), np.int64)
    for k in range(int((e - s).max()) + 1):
        day = s + k
        live = (day <= e) & (day >= 0) & (day < n_days) & (o >= 0)
        np.add.at(total, (o[live], day[live]), 1)
        np.add.at(planned, (o[live & pl], day[live & pl]), 1)
    limit = pr.org_max_away.astype(np.int64)[:, None]
    over: npt.NDArray[np.bool_] = (limit >= 0) & (total > limit) & (planned > 0)
    return over


def visit_flags(
    problem: PlanningProblem,
    pairing: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    fixed: npt.ArrayLike | None = None,
) -> dict[str, Bools]:
    """Per visit and per hard constraint, whether the visit takes part in a violation.

    Overlaps and rest days flag both visits of the offending pair; the staffing cap flags the
    planned visits on a day when their organisation is over its cap. Fixed visits are flagged
    only for overlaps and rest days.
    """
    pr = problem
    p = np.asarray(pairing, np.int64)
    s = np.asarray(start, np.int64)
    e = np.asarray(end, np.int64)
    n = len(p)
    fx = np.zeros(n, np.bool_) if fixed is None else np.asarray(fixed, np.bool_)
    stay, _, _, mask = pr.policy_arrays()
    v = pr.pairing_visitor[p].astype(np.int64)
    h = pr.pairing_household[p].astype(np.int64)
    pl = ~fx

    # One visitor, one place: sorted by visitor and start, a stay must start after every
    # earlier stay of the same visitor has ended.
    order = np.lexsort((s, v))
    vs, ss, es, ps = v[order], s[order], e[order], p[order]
    big = np.int64(1) << 40
    run_max = np.maximum.accumulate(vs * big + es + _OFFSET) - vs * big - _OFFSET
    same = vs[1:] == vs[:-1]
    overlap = np.zeros(n, np.bool_)
    hit = same & (ss[1:] <= run_max[:-1])
    overlap[order[1:][hit]] = True
    overlap[order[:-1][hit]] = True  # the predecessor (or one overlapping it)
    travel = np.zeros(n, np.bool_)
    plo = pl[order]
    rest = ss[1:] - es[:-1] - 1
    near = np.flatnonzero(same & (rest >= 0) & (rest < pr.travel_days) & (plo[1:] | plo[:-1]))
    if len(near):
        bad = near[_far(pr, ps[:-1][near], ps[1:][near])]
        travel[order[bad]] = True
        travel[order[bad + 1]] = True

    # Calendars, leave, blackouts, weekdays, length and window: planned visits only.
    codes = pr.calendar_codes
    cal = pr.visitor_calendar[v]
    hol = np.zeros(n, np.bool_)
    off = np.zeros(n, np.bool_)
    for k in range(int((e - s).max()) + 1 if n else 0):
        live = pl & (s + k <= e) & (s + k >= 0) & (s + k < codes.shape[1])
        c = codes[cal[live], (s + k)[live]]
        hol[live] |= c == HOLIDAY
        off[live] |= (c != AVAILABLE) & (c != HOLIDAY)
    weekday = (pr.start.weekday() + s) % 7
    bad_weekday = pl & (((mask[p].astype(np.int64) >> weekday) & 1) == 0)
    lo = np.maximum(pr.pairing_from[p], pr.plan_from)

    # Staffing cap: per organisation and day of the horizon.
    cap = np.zeros(n, np.bool_)
    n_days = pr.n_days
    if len(pr.org_ids) and n:
        o = pr.visitor_org[v].astype(np.int64)
        over = _over_cap(pr, o, s, e, pl)
        for k in range(int((e - s).max()) + 1):
            day = s + k
            live = pl & (day <= e) & (day >= 0) & (day < n_days) & (o >= 0)
            cap[live] |= over[o[live], day[live]]

    return {
        "overlaps": overlap,
        "travel": travel,
        "holidays": hol,
        "non_working_days": off,
        "leave": pl & _touches(pr.leave, v, s, e),
        "blackouts": pl & _touches(pr.blackouts, h, s, e),
        "start_weekday": bad_weekday,
        "stay_length": pl & (e - s + 1 != stay[p]),
        "outside_window": pl & ((s < lo) | (s >= pr.pairing_to[p])),
        "staffing_cap": cap,
    }


def check_visits(
    problem: PlanningProblem,
    pairing: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    fixed: npt.ArrayLike | None = None,
) -> HardViolations:
    """Count hard-constraint violations of visits (days from ``problem.start``, inclusive).

    Parameters
    ----------
    problem
        The problem the visits were planned for.
    pairing, start, end
        One entry per visit: pairing index, first and last day.
    fixed
        Which visits were given (not placed); defaults to none.
    """
    pr = problem
    p = np.asarray(pairing, np.int64)
    s = np.asarray(start, np.int64)
    e = np.asarray(end, np.int64)
    fx = np.zeros(len(p), np.bool_) if fixed is None else np.asarray(fixed, np.bool_)
    pl = ~fx
    v = pr.pairing_visitor[p].astype(np.int64)

    # Overlaps and rest days are counted per offending pair of consecutive stays.
    order = np.lexsort((s, v))
    vs, ss, es, ps = v[order], s[order], e[order], p[order]
    big = np.int64(1) << 40
    run_max = np.maximum.accumulate(vs * big + es + _OFFSET) - vs * big - _OFFSET
    same = vs[1:] == vs[:-1]
    overlaps = int(np.sum(same & (ss[1:] <= run_max[:-1])))
    plo = pl[order]
    rest = ss[1:] - es[:-1] - 1
    near = same & (rest >= 0) & (rest < pr.travel_days) & (plo[1:] | plo[:-1])
    travel = int(np.sum(_far(pr, ps[:-1][near], ps[1:][near]))) if near.any() else 0

    flags = visit_flags(pr, p, s, e, fx)
    cap_days = 0
    if len(pr.org_ids) and len(p):
        o = pr.visitor_org[v].astype(np.int64)
        cap_days = int(np.sum(_over_cap(pr, o, s, e, pl)))

    return HardViolations(
        overlaps=overlaps,
        travel=travel,
        holidays=int(flags["holidays"].sum()),
        non_working_days=int(flags["non_working_days"].sum()),
        leave=int(flags["leave"].sum()),
        blackouts=int(flags["blackouts"].sum()),
        start_weekday=int(flags["start_weekday"].sum()),
        stay_length=int(flags["stay_length"].sum()),
        outside_window=int(flags["outside_window"].sum()),
        staffing_cap_days=cap_days,
    )
