"""Plan visits: one function with explicit settings, returning a :class:`PlanResult`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter

import numpy as np
import numpy.typing as npt

from doorstep.engine.planning import _kernel
from doorstep.engine.planning.problem import I32, I64, PlanningProblem
from doorstep.engine.planning.reasons import Code
from doorstep.engine.planning.result import PlanResult
from doorstep.engine.planning.rules import (
    DEFAULT_RULES,
    CadenceRule,
    Gaps,
    VisitTable,
    household_last_visit,
    measure_gaps,
)

Progress = Callable[[int, int], None]
"""Called with (days planned, days to plan) after each chunk of the horizon."""


@dataclass(frozen=True)
class PlanParams:
    """Settings of the planner.

    Parameters
    ----------
    slack_days
        A visitor starts its most urgent visit on the last day that still leaves this many
        feasible start days before the deadline; the reserve absorbs the staffing cap and
        other visitors' demands. Larger means earlier (and so more) visits.
    spread_days
        How many days earlier than that a visit may start when its organisation is having a
        quiet day (below its expected daily load); 0 turns load spreading off.
    seed
        Seed of the random phase given to each visitor's first visits, which spreads the load
        over the first gap window.
    spread_first_visits
        Whether to spread first visits (else every first visit aims at the first deadline).
    rules
        The cadence rules; the planner aims for the smallest gap any of them tolerates.
    handover_start_days
        A household handed to another visitor is covered by its old visitor until the new
        one has had this many start days (where a visit on the old pairing's last start day
        reaches that far): its first day alone is easily taken by the staffing cap, after a
        holiday, or by the new visitor's own households. 1 covers only until its first.
    chunk_days
        Days planned between two progress reports.
    """

    slack_days: int = 7
    spread_days: int = 14
    seed: int = 0
    spread_first_visits: bool = True
    rules: tuple[CadenceRule, ...] = DEFAULT_RULES
    handover_start_days: int = 4
    chunk_days: int = 31

    def __post_init__(self) -> None:
        if self.slack_days < 0:
            raise ValueError("slack_days cannot be negative")
        if self.spread_days < 0:
            raise ValueError("spread_days cannot be negative")
        if self.handover_start_days < 1:
            raise ValueError("handover_start_days must be at least 1")
        if self.chunk_days < 1:
            raise ValueError("chunk_days must be at least 1")
        if not self.rules:
            raise ValueError("at least one cadence rule is needed")


def _csr(owner: npt.NDArray[np.int64], n: int) -> tuple[I64, I64]:
    """Rows grouped by owner (stable) and the group pointers."""
    order = np.argsort(owner, kind="stable").astype(np.int64)
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=ptr[1:])
    return ptr, order


def _visitor_visits(
    problem: PlanningProblem,
    pairing: npt.NDArray[np.int32],
    start: npt.NDArray[np.int32],
    end: npt.NDArray[np.int32],
) -> tuple[I64, npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Visits grouped by visitor and sorted by start (CSR)."""
    v = problem.pairing_visitor[pairing].astype(np.int64)
    order = np.lexsort((start, v))
    ptr = np.zeros(problem.n_visitors + 1, np.int64)
    np.cumsum(np.bincount(v, minlength=problem.n_visitors), out=ptr[1:])
    return ptr, start[order], end[order], pairing[order]


def _away(
    problem: PlanningProblem, pairing: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike
) -> npt.NDArray[np.int32]:
    """Per organisation and day: visitors on a stay."""
    pr = problem
    n_org, n_days = len(pr.org_ids), pr.padded_days
    diff = np.zeros((max(n_org, 1), n_days + 1), np.int32)
    p = np.asarray(pairing, np.int64)
    o = pr.visitor_org[pr.pairing_visitor[p]]
    ok = o >= 0
    s = np.clip(np.asarray(start)[ok], 0, n_days)
    e = np.clip(np.asarray(end)[ok] + 1, 0, n_days)
    np.add.at(diff, (o[ok], s), 1)
    np.add.at(diff, (o[ok], e), -1)
    return np.cumsum(diff, axis=1, dtype=np.int32)[:, :n_days].copy()


def _expected_load(
    pr: PlanningProblem, stay: npt.NDArray[np.int32], gap: I64, slack: int
) -> npt.NDArray[np.int32]:
    """Per organisation: visitors it can expect to have away on an ordinary day (at least 1).

    Each pairing is visited about every ``gap - slack`` days for ``stay`` days, and only on
    its visitor's available days.
    """
    n_org = max(len(pr.org_ids), 1)
    available = (pr.calendar_codes[:, : pr.n_days] == 0).mean(axis=1)
    p_org = pr.visitor_org[pr.pairing_visitor]
    share = available[pr.visitor_calendar[pr.pairing_visitor]]
    # A visitor with no available day in the horizon adds nothing: no stay can be planned.
    per_day = np.divide(
        stay / np.maximum(gap - slack, 1), share, out=np.zeros(len(share)), where=share > 0
    )
    ok = p_org >= 0
    load = np.bincount(p_org[ok], weights=per_day[ok], minlength=n_org)
    return np.clip(np.ceil(load), 1, np.iinfo(np.int32).max).astype(np.int32)


def _gap_by_pairing(problem: PlanningProblem, rules: tuple[CadenceRule, ...]) -> I64:
    gaps = []
    for policy in problem.policies:
        tolerated = [g for r in rules if (g := r.max_gap(policy)) is not None]
        gaps.append(max(policy.stay_days, min(tolerated, default=problem.n_days)))
    return np.array(gaps, np.int64)[problem.pairing_policy]


def plan(
    problem: PlanningProblem,
    *,
    params: PlanParams | None = None,
    progress: Progress | None = None,
    pull_forward: Iterable[int] = (),
) -> PlanResult:
    """Place visits for every pairing of ``problem``.

    Hard constraints always hold for the visits placed: a visitor is never on two stays at
    once and rests ``travel_days`` between far-apart stays; stays avoid holidays, non-working
    days, leave and household blackouts, start on allowed weekdays, and never push an
    organisation past its staffing cap. Fixed visits never move. The cadence holds wherever
    the heuristic finds room; each pairing where it does not is reported with its longest gap
    and the binding constraint.

    Parameters
    ----------
    problem
        The validated problem.
    params
        Planner settings (defaults: :class:`PlanParams`).
    progress
        Optional callback, called after each chunk of days.
    pull_forward
        Pairings whose next visit is wanted as early as the constraints allow (after a
        missed visit), rather than near its cadence deadline.

    Returns
    -------
    PlanResult
        Visits (planned and fixed) and per-pairing compliance.
    """
    params = params or PlanParams()
    t0 = perf_counter()
    pr = problem
    n_p, n_v = pr.n_pairings, pr.n_visitors
    stay, _, _, mask = pr.policy_arrays()
    gap = _gap_by_pairing(pr, params.rules)
    p_from = pr.pairing_from.astype(np.int64)
    p_clock = pr.clock_from.astype(np.int64)  # without a visit, the first gap runs from here
    p_to = pr.pairing_to.astype(np.int64)
    p_v = pr.pairing_visitor.astype(np.int64)
    vp_ptr, vp_idx = _csr(p_v, n_v)
    hp_ptr, hp_idx = _csr(pr.pairing_household.astype(np.int64), pr.n_households)
    p_shared = np.packbits(np.diff(hp_ptr)[pr.pairing_household] > 1, bitorder="little")
    rng = np.random.default_rng(params.seed)

    # First deadlines: each visitor's pairings get evenly staggered phases from a random
    # offset, so first visits (and so all later ones) spread over the gap window.
    deadline = p_clock + gap
    if params.spread_first_visits and n_p:
        count = np.diff(vp_ptr)
        rank = np.empty(n_p, np.int64)
        rank[vp_idx] = np.arange(n_p) - np.repeat(vp_ptr[:-1], count)
        phase = (rng.random(n_v)[p_v] + rank / count[p_v]) % 1.0
        lo = np.minimum(gap, stay + params.slack_days + 1)
        # Begun by the first plannable day (a re-plan weeks after pairing), over what is
        # left of the window: a phase before that day would make the visit due at once.
        base = p_clock + lo
        begun = p_from <= pr.plan_from
        base[begun] = np.maximum(base[begun], pr.plan_from)
        width = np.maximum(p_clock + gap - base + 1, 0)
        deadline = base + np.floor(phase * width).astype(np.int64)
        deadline = np.minimum(deadline, p_clock + gap)

    # Fixed visits: by visitor for clash checks, and as a time-ordered stream of events.
    f_p = pr.fixed_pairing.astype(np.int64)
    f_s = pr.fixed_start.astype(np.int64)
    fv_ptr, fv_s, fv_e, fv_p = _visitor_visits(pr, pr.fixed_pairing, pr.fixed_start, pr.fixed_end)
    by_pair = np.lexsort((f_s, f_p))
    nxt = np.full(len(f_p), _kernel.BIG, np.int64)
    same = f_p[by_pair][1:] == f_p[by_pair][:-1]
    nxt[by_pair[:-1][same]] = f_s[by_pair][1:][same]
    ev = np.argsort(f_s, kind="stable")
    # History (fixed visits before plan_from) sets each pairing's last visit up front, so
    # that pulled-forward pairings can then be made due at once: its own, and its
    # household's before it began (by any of its pairings: the cadence is the household's).
    last = np.full(n_p, -_kernel.BIG, np.int64)
    hist = f_s < pr.plan_from
    np.maximum.at(last, f_p[hist], f_s[hist])
    np.maximum(last, household_last_visit(pr, f_p[hist], f_s[hist]), out=last)
    seen = last > -_kernel.BIG
    by_visit = seen.copy()  # whether `last` is a visit (which outranks a clock)
    deadline[seen] = last[seen] + gap[seen]
    # Without one, a clock started before the pairing (its household's earlier pairing)
    # is the anchor the sweep counts the visits still needed from, as a visit would be.
    early = ~seen & (p_clock < p_from)
    last[early] = p_clock[early]
    next_fixed = np.full(n_p, _kernel.BIG, np.int64)
    np.minimum.at(next_fixed, f_p[~hist], f_s[~hist])
    # A staggered first deadline only spreads first visits: one never visited whose first
    # fixed visit (kept by a re-plan) meets its real deadline needs no visit before it.
    kept_first = ~seen & (next_fixed <= p_clock + gap)
    deadline[kept_first] = np.maximum(deadline[kept_first], next_fixed[kept_first])
    urgent = np.fromiter(pull_forward, np.int64)
    deadline[urgent] = np.minimum(deadline[urgent], pr.plan_from)

    free_from = np.zeros(n_v, np.int64)
    last_end = np.full(n_v, -_kernel.BIG, np.int64)
    last_pair = np.full(n_v, -1, np.int64)
    wake = np.full(n_v, pr.plan_from, np.int64)
    tiebreak = rng.random(n_v) * 0.5
    away = _away(pr, pr.fixed_pairing, pr.fixed_start, pr.fixed_end)
    org_cap = _org_cap(pr)
    ev_pos = np.full(1, int(hist.sum()), np.int64)
    weekday = ((pr.start.weekday() + np.arange(pr.padded_days)) % 7).astype(np.int64)
    ready = np.zeros(n_v, np.bool_)
    due = np.zeros(n_v, np.int64)  # per visitor, once `ready`: when its visit is due,
    ready_p = np.zeros(n_v, np.int64)  # its most urgent pairing,
    ready_lst = np.zeros(n_v, np.int64)  # and the latest start of its chain
    org_target = _expected_load(pr, stay, gap, params.slack_days)
    min_stay = int(stay.min()) if n_p else 1

    cover = pr.cover_to.astype(np.int64)  # the sweep moves hand-overs' on its first day
    out_p: list[npt.NDArray[np.int32]] = []
    out_s: list[npt.NDArray[np.int32]] = []
    total = pr.n_days - pr.plan_from
    for d0 in range(pr.plan_from, pr.n_days if n_p else pr.plan_from, params.chunk_days):
        d1 = min(pr.n_days, d0 + params.chunk_days)
        cap = n_v * math.ceil((d1 - d0) / min_stay)
        o_p = np.empty(cap, np.int32)
        o_s = np.empty(cap, np.int32)
        n_out = _kernel.sweep(
            d0, d1, pr.plan_from, weekday, params.slack_days, params.spread_days,
            params.handover_start_days, pr.travel_days,
            pr.travel_threshold_m, pr.visitor_calendar, pr.visitor_org, org_cap, org_target,
            pr.calendar_codes, pr.calendar_run,
            pr.leave.ptr, pr.leave.start, pr.leave.end,
            pr.blackouts.ptr, pr.blackouts.start, pr.blackouts.end,
            pr.household_lat, pr.household_lon, pr.household_preferred_weekdays,
            pr.pairing_household, p_v, stay, gap, mask, p_from, p_to, cover, pr.handed_to,
            pr.pairing_home_distance_m,
            vp_ptr, vp_idx, hp_ptr, hp_idx, p_shared, fv_ptr, fv_s, fv_e, fv_p,
            f_s[ev], f_p[ev], nxt[ev], ev_pos,
            last, by_visit, deadline, next_fixed, free_from, last_end, last_pair, wake, ready,
            due, ready_p, ready_lst, tiebreak, away, o_p, o_s,
        )  # fmt: skip
        out_p.append(o_p[:n_out].copy())
        out_s.append(o_s[:n_out].copy())
        del o_p, o_s
        if progress is not None:
            progress(d1 - pr.plan_from, total)

    planned_p = np.concatenate([np.zeros(0, np.int32), *out_p])
    planned_s = np.concatenate([np.zeros(0, np.int32), *out_s])
    planned_e = planned_s + stay[planned_p] - 1
    visits = VisitTable.of(
        np.concatenate([planned_p, pr.fixed_pairing]),
        np.concatenate([planned_s, pr.fixed_start]),
        np.concatenate([planned_e, pr.fixed_end]),
        np.concatenate([np.zeros(len(planned_p), np.bool_), np.ones(len(f_p), np.bool_)]),
    )
    return _judge(pr, visits, params, t0)


def _org_cap(pr: PlanningProblem) -> I32:
    """The organisations' caps on visitors away, for the kernels; ``[-1]`` (no cap) for a
    programme without organisations. Read-only either way, as the problem's arrays are:
    numba compiles a kernel once per argument type, read-only or not included, and the
    sweep takes half a minute to compile, so a writable stand-in compiled it twice."""
    if len(pr.org_ids):
        return pr.org_max_away
    none = np.full(1, -1, np.int32)
    none.setflags(write=False)
    return none


def _judge(pr: PlanningProblem, visits: VisitTable, params: PlanParams, t0: float) -> PlanResult:
    """Apply the rules and find the binding constraint of every non-compliant pairing."""
    gaps = measure_gaps(pr, visits)
    compliant = np.ones(pr.n_pairings, np.bool_)
    verdicts = []
    for rule in params.rules:
        ok = rule.check(pr, visits, gaps)
        verdicts.append((rule.name, ok))
        compliant &= ok
    bad = np.flatnonzero(~compliant)
    failed = {int(i): tuple(name for name, ok in verdicts if not ok[i]) for i in bad}
    reason = np.zeros(pr.n_pairings, np.uint8)
    if len(bad):
        reason[bad] = _explain(pr, visits, gaps, bad, _gap_by_pairing(pr, params.rules)[bad])
    return PlanResult(
        problem=pr,
        visits=visits,
        compliant=compliant,
        longest_gap=gaps.longest,
        gap_from=gaps.gap_from,
        gap_to=gaps.gap_to,
        n_visits=gaps.n_visits,
        reason=reason,
        failed_rules=failed,
        seconds=perf_counter() - t0,
    )


def _explain(
    pr: PlanningProblem, visits: VisitTable, gaps: Gaps, bad: npt.NDArray[np.int64], g: I64
) -> npt.NDArray[np.uint8]:
    """Binding constraint of each pairing in ``bad``: what took away most start days of the
    window in which one more visit would have closed its longest gap (:func:`_binding`),
    ``g`` days being the most the rules allow (the yearly minimum may allow less than
    ``max_gap_days``)."""
    stay, _, _, mask = pr.policy_arrays()
    a = gaps.gap_from[bad].astype(np.int64)
    b = gaps.gap_to[bad].astype(np.int64)
    # One visit in [b - g, a + g] closes the gap; if none can (b - a > 2g) aim at the first.
    lo = np.where(b - g <= a + g, np.maximum(b - g, a), a)
    hi = a + g
    lo = np.maximum(lo, np.maximum(pr.plan_from, pr.pairing_from[bad]))
    hi = np.minimum(hi, pr.pairing_to[bad] - 1)
    codes = np.full(len(bad), Code.PLANNER, np.uint8)
    gap_ok = gaps.longest[bad] <= g
    codes[gap_ok] = Code.TOO_FEW_VISITS
    empty = ~gap_ok & (lo > hi)
    # Overdue before planning began, or before the pairing did (a household re-paired
    # after its cadence had already lapsed): no start day could close the gap.
    overdue = a + g < np.maximum(pr.plan_from, pr.pairing_from[bad])
    codes[empty & overdue] = Code.OVERDUE_BEFORE_PLANNING
    # Due within the gap, but after the pairing's last start day (its visitor leaves, or it
    # ends, before one more stay fits): its end left no room, whatever the plan did.
    codes[empty & ~overdue & (pr.pairing_to[bad] <= lo)] = Code.PAIRING_ENDS
    todo = ~gap_ok & ~empty
    if todo.any():
        weekday = ((pr.start.weekday() + np.arange(pr.padded_days)) % 7).astype(np.int64)
        vv_ptr, vv_s, vv_e, vv_p = _visitor_visits(pr, visits.pairing, visits.start, visits.end)
        away = _away(pr, visits.pairing, visits.start, visits.end)
        org_cap = _org_cap(pr)
        work = np.array([sum(1 << w for w in c.working_weekdays) for c in pr.calendars], np.uint8)
        every, open_ = _kernel.explain(
            bad[todo].astype(np.int64), lo[todo], hi[todo], weekday, pr.travel_days,
            pr.travel_threshold_m, pr.visitor_calendar, pr.visitor_org, org_cap,
            pr.calendar_codes, work, pr.leave.ptr, pr.leave.start, pr.leave.end,
            pr.blackouts.ptr, pr.blackouts.start, pr.blackouts.end, pr.household_lat,
            pr.household_lon, pr.pairing_household, pr.pairing_visitor, stay, mask,
            pr.pairing_home_distance_m, vv_ptr, vv_s, vv_e, vv_p, away,
        )  # fmt: skip
        codes[todo] = _binding(every, open_)
    return codes


_PATTERN = np.array([Code.WORKING_PATTERN, Code.START_WEEKDAY])
_SPECIFIC = np.array(
    [Code.HOLIDAY, Code.LEAVE, Code.BLACKOUT, Code.VISITOR_FULLY_BOOKED, Code.STAFFING_CAP]
)


def _binding(every: I64, open_: I64) -> npt.NDArray[np.uint8]:
    """The binding constraint of each window, from ``_kernel.explain``'s day counts.

    A free day makes it ``planner``. Else the working pattern and the allowed start
    weekdays say which days could ever start a stay; the binding constraint is the one that
    took the most of those away (each day counts for every constraint that blocks it, not
    only the first one asked). A tie goes to the one that blocked the most days of the
    window in all, then to the first in :class:`Code` order (fixed constraints before the
    plan's own bookings). Where the pattern left no day at all, no other constraint
    mattered: the pattern, or the start weekdays, whichever blocked more days.
    """
    # Open days first, then all days: no window has more days than its asked ones.
    specific = open_[:, _SPECIFIC] * (every[:, Code.NONE].max(initial=0) + 1)
    specific += every[:, _SPECIFIC]
    chosen: npt.NDArray[np.uint8] = np.select(
        [every[:, Code.PLANNER] > 0, open_[:, Code.NONE] > 0],
        [
            np.full(len(every), Code.PLANNER),
            _SPECIFIC[np.argmax(specific, axis=1)],
        ],
        _PATTERN[np.argmax(every[:, _PATTERN], axis=1)],
    ).astype(np.uint8)
    return chosen
