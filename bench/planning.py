"""Benchmark: a 12-month visit plan for 1.69M pairings, with holidays and a staffing cap.

Prints seconds, peak RSS, the share of compliant pairings and the reasons for the rest, then
checks the plan with the independent checker and counts the hard-constraint violations of a
naive "every 60 days from day 0" baseline on the same instance.

    .venv/bin/python bench/planning.py                      # generated, 1.69M pairings
    .venv/bin/python bench/planning.py --pairings 100000    # smaller
    .venv/bin/python bench/planning.py --pairs pairs.csv --visitors V.csv  # from `doorstep pair`
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date
from pathlib import Path

import numpy as np

from doorstep.engine.planning import (
    CadencePolicy,
    Intervals,
    PlanningProblem,
    PlanParams,
    PlanResult,
    VisitorCalendar,
    add_months,
    check_visits,
    max_away,
    plan,
    public_holidays,
)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def generate(
    n_pairings: int, *, start: date, months: int, country: str, staff_cap: float, seed: int
) -> PlanningProblem:
    """Visitors with capacity 1-3 in organisations of 50-500 staff; distances up to 30 km."""
    rng = np.random.default_rng(seed)
    capacity = rng.integers(1, 4, size=n_pairings)  # more than enough visitors
    filled = np.cumsum(capacity)
    n_visitors = int(np.searchsorted(filled, n_pairings)) + 1
    capacity = capacity[:n_visitors]
    capacity[-1] -= int(filled[n_visitors - 1] - n_pairings)
    sizes = rng.integers(50, 501, size=n_visitors // 50 + 2)
    org_of_visitor = np.repeat(np.arange(len(sizes)), sizes)[:n_visitors]
    n_orgs = int(org_of_visitor.max()) + 1
    staff = np.bincount(org_of_visitor, minlength=n_orgs)
    end = add_months(start, months)
    n_days = (end - start).days
    cal = VisitorCalendar(holidays=public_holidays(country, start, end))
    return PlanningProblem(
        start=start,
        n_days=n_days,
        policies=(CadencePolicy(),),
        calendars=(cal,),
        visitor_ids=tuple(f"V{i}" for i in range(n_visitors)),
        visitor_calendar=np.zeros(n_visitors, np.int32),
        visitor_org=org_of_visitor.astype(np.int32),
        org_ids=tuple(f"O{i}" for i in range(n_orgs)),
        org_max_away=np.array([max_away(int(s), staff_cap) for s in staff], np.int32),
        household_ids=tuple(f"H{i}" for i in range(n_pairings)),
        household_lat=np.full(n_pairings, np.nan),
        household_lon=np.full(n_pairings, np.nan),
        household_preferred_weekdays=np.zeros(n_pairings, np.uint8),
        blackouts=Intervals.empty(n_pairings),
        leave=Intervals.empty(n_visitors),
        pairing_household=np.arange(n_pairings, dtype=np.int32),
        pairing_visitor=np.repeat(np.arange(n_visitors), capacity).astype(np.int32),
        pairing_policy=np.zeros(n_pairings, np.int32),
        pairing_from=np.zeros(n_pairings, np.int32),
        pairing_to=np.full(n_pairings, n_days, np.int32),
        pairing_home_distance_m=rng.uniform(0, 30_000, n_pairings),
    )


def from_visitors(
    visitors_csv: Path,
    n_pairings: int,
    *,
    start: date,
    months: int,
    country: str,
    staff_cap: float,
    seed: int,
) -> PlanningProblem:
    """Real visitors (capacity, organisation) from a demo file; synthetic households filling
    their capacities in proportion, at distances up to 30 km (no pairing run needed)."""
    import polars as pl

    rng = np.random.default_rng(seed)
    v = pl.read_csv(visitors_csv, schema_overrides={"organisation": pl.String})
    cap = v["capacity"].to_numpy().astype(np.float64)
    share = min(1.0, n_pairings / cap.sum())
    load = np.floor(cap * share + rng.random(len(cap))).astype(np.int64)
    load = np.minimum(load, cap.astype(np.int64))
    n = int(load.sum())
    org_col = v["organisation"].fill_null("").to_list()
    org_ids = sorted({o for o in org_col if o})
    org_ix = {o: i for i, o in enumerate(org_ids)}
    v_org = np.array([org_ix.get(o, -1) for o in org_col], np.int32)
    staff = np.bincount(v_org[v_org >= 0], minlength=len(org_ids))
    end = add_months(start, months)
    n_days = (end - start).days
    return PlanningProblem(
        start=start,
        n_days=n_days,
        policies=(CadencePolicy(),),
        calendars=(VisitorCalendar(holidays=public_holidays(country, start, end)),),
        visitor_ids=tuple(v["visitor_id"].to_list()),
        visitor_calendar=np.zeros(len(cap), np.int32),
        visitor_org=v_org,
        org_ids=tuple(org_ids),
        org_max_away=np.array([max_away(int(s), staff_cap) for s in staff], np.int32),
        household_ids=tuple(f"H{i}" for i in range(n)),
        household_lat=np.full(n, np.nan),
        household_lon=np.full(n, np.nan),
        household_preferred_weekdays=np.zeros(n, np.uint8),
        blackouts=Intervals.empty(n),
        leave=Intervals.empty(len(cap)),
        pairing_household=np.arange(n, dtype=np.int32),
        pairing_visitor=np.repeat(np.arange(len(cap)), load).astype(np.int32),
        pairing_policy=np.zeros(n, np.int32),
        pairing_from=np.zeros(n, np.int32),
        pairing_to=np.full(n, n_days, np.int32),
        pairing_home_distance_m=rng.uniform(0, 30_000, n),
    )


def with_extras(problem: PlanningProblem, *, seed: int) -> PlanningProblem:
    """Add realistic soft spots: a harvest blackout (2-4 weeks in Sep-Oct) for 20% of
    households, 5-15 days of leave for 20% of visitors, a preferred weekday for 10%."""
    import dataclasses

    rng = np.random.default_rng(seed + 7)
    nh, nv = problem.n_households, problem.n_visitors
    bh = np.flatnonzero(rng.random(nh) < 0.2)
    b_start = problem.day(date(problem.start.year, 9, 1)) + rng.integers(0, 40, len(bh))
    b_end = b_start + rng.integers(14, 29, len(bh))
    lv = np.flatnonzero(rng.random(nv) < 0.2)
    l_start = rng.integers(0, problem.n_days, len(lv))
    l_end = l_start + rng.integers(4, 15, len(lv))
    pref = np.zeros(nh, np.uint8)
    ph = rng.random(nh) < 0.1
    pref[ph] = (1 << rng.integers(0, 7, int(ph.sum()))).astype(np.uint8)
    return dataclasses.replace(
        problem,
        blackouts=Intervals.build(nh, bh, b_start, b_end),
        leave=Intervals.build(nv, lv, l_start, l_end),
        household_preferred_weekdays=pref,
    )


def with_handovers(problem: PlanningProblem, share: float, *, seed: int) -> PlanningProblem:
    """Hand ``share`` of the households to another visitor (any, at random) on a day between
    30 days in and 30 days before the end, as the service would: the second pairing's clock
    is the run's start, and the household's cadence runs across the two. As the service
    does, the old pairing's last ``stay_days - 1`` days are left out of its window, so that
    its last stay ends by the hand-over."""
    import dataclasses

    rng = np.random.default_rng(seed + 11)
    pr = problem
    moved = np.flatnonzero(rng.random(pr.n_pairings) < share)
    day = rng.integers(30, pr.n_days - 30, len(moved)).astype(np.int32)
    stay = pr.policy_arrays()[0]
    to = pr.pairing_to.copy()
    to[moved] = day - (stay[moved] - 1)
    return dataclasses.replace(
        pr,
        pairing_household=np.r_[pr.pairing_household, pr.pairing_household[moved]],
        pairing_visitor=np.r_[pr.pairing_visitor, rng.integers(0, pr.n_visitors, len(moved))],
        pairing_policy=np.r_[pr.pairing_policy, pr.pairing_policy[moved]],
        pairing_from=np.r_[pr.pairing_from, day],
        pairing_to=np.r_[to, pr.pairing_to[moved]],
        pairing_home_distance_m=np.r_[
            pr.pairing_home_distance_m, rng.uniform(0, 30_000, len(moved))
        ],
        pairing_clock=np.r_[pr.clock_from, pr.clock_from[moved]],
    )


def households_over_gap(result: PlanResult) -> tuple[int, int, int]:
    """Counted from the visits alone, outside the engine's rules: households that go longer
    than their policy's ``max_gap_days`` between visits, by any visitor (from the start of
    their first pairing's cadence clock to the end of the horizon); the longest such gap;
    and how many of those households were reported non-compliant on some pairing."""
    pr, v = result.problem, result.visits
    gap = pr.policy_arrays()[1].astype(np.int64)
    h_of = pr.pairing_household.astype(np.int64)
    # Each household: its clock as the first "visit", every visit, the horizon's end last.
    clock = np.full(pr.n_households, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(clock, h_of, pr.clock_from.astype(np.int64))
    limit = np.zeros(pr.n_households, np.int64)
    np.maximum.at(limit, h_of, gap)
    paired = clock < np.iinfo(np.int64).max
    hh = np.concatenate([np.flatnonzero(paired), h_of[v.pairing], np.flatnonzero(paired)])
    day = np.concatenate(
        [clock[paired], v.start.astype(np.int64), np.full(int(paired.sum()), pr.n_days)]
    )
    order = np.lexsort((day, hh))
    hh, day = hh[order], day[order]
    same = hh[1:] == hh[:-1]
    gaps = np.where(same, day[1:] - day[:-1], 0)
    longest = np.zeros(pr.n_households, np.int64)
    np.maximum.at(longest, hh[1:], gaps)
    over = longest > limit
    flagged = np.zeros(pr.n_households, np.bool_)
    flagged[h_of[~result.compliant]] = True
    return int(over.sum()), int(longest[over].max(initial=0)), int((over & flagged).sum())


def naive(problem: PlanningProblem, gap: int, stay: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pairing visited on days 0, gap, 2*gap, ... regardless of anything."""
    starts = np.arange(0, problem.n_days, gap)
    p = np.repeat(np.arange(problem.n_pairings), len(starts))
    s = np.tile(starts, problem.n_pairings)
    return p, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairings", type=int, default=1_690_000)
    ap.add_argument("--pairs", type=Path, help="pairs.csv from `doorstep pair`")
    ap.add_argument(
        "--visitors",
        type=Path,
        help="visitors CSV (with organisation column); without --pairs, synthetic households "
        "fill these visitors' capacities",
    )
    ap.add_argument("--start", type=date.fromisoformat, default=date(2027, 1, 1))
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--country", default="CN")
    ap.add_argument("--staff-cap", type=float, default=0.3)
    ap.add_argument("--slack-days", type=int, default=PlanParams().slack_days)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--extras", action="store_true", help="add blackouts, leave and preferred weekdays"
    )
    ap.add_argument(
        "--handovers",
        type=float,
        default=0.0,
        help="share of households handed to another visitor within the horizon (e.g. 0.1)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    if args.pairs:
        from doorstep.cli.plan import PlanFiles, build_problem

        files = PlanFiles(pairs=args.pairs, visitors=args.visitors)
        problem = build_problem(
            files, start=args.start, months=args.months, country=args.country,
            staff_cap=args.staff_cap,
        )  # fmt: skip
    elif args.visitors:
        problem = from_visitors(
            args.visitors, args.pairings, start=args.start, months=args.months,
            country=args.country, staff_cap=args.staff_cap, seed=args.seed,
        )  # fmt: skip
    else:
        problem = generate(
            args.pairings, start=args.start, months=args.months, country=args.country,
            staff_cap=args.staff_cap, seed=args.seed,
        )  # fmt: skip
    if args.extras:
        problem = with_extras(problem, seed=args.seed)
    n_first = problem.n_pairings
    if args.handovers:
        problem = with_handovers(problem, args.handovers, seed=args.seed)
    t_build = time.perf_counter() - t0
    print(
        f"instance: {problem.n_pairings:,} pairings, {problem.n_visitors:,} visitors, "
        f"{len(problem.org_ids):,} organisations, {problem.n_days} days; built in {t_build:.1f} s"
    )

    t1 = time.perf_counter()
    result = plan(problem, params=PlanParams(slack_days=args.slack_days, seed=args.seed))
    t_plan = time.perf_counter() - t1
    rss_plan = peak_rss_gib()
    share = result.n_compliant / max(problem.n_pairings, 1)
    print(
        f"plan: {t_plan:.1f} s (including first-run compilation if any), "
        f"peak RSS {rss_plan:.2f} GiB"
    )
    print(
        f"visits: {result.n_planned:,}; compliant pairings: {result.n_compliant:,} "
        f"({share:.4%}); reasons for the rest: {dict(result.reasons())}"
    )
    if problem.n_pairings > n_first:
        taken = result.compliant[n_first:]
        print(
            f"hand-overs: {len(taken):,}; the second pairing compliant (the household's gap "
            f"across the hand-over included): {int(taken.sum()):,} ({taken.mean():.4%})"
        )
    n_over, longest, n_flagged = households_over_gap(result)
    print(
        f"households over their cadence, counted from the visits: {n_over:,} (longest gap "
        f"{longest} days), of whom {n_flagged:,} reported non-compliant on some pairing"
    )
    load = result.away_by_day()
    print(f"visitors away per day: mean {load.mean():,.0f}, min {load.min():,}, max {load.max():,}")

    v = result.visits
    t2 = time.perf_counter()
    hard = check_visits(problem, v.pairing, v.start, v.end, v.fixed)
    print(
        f"independent check of the plan ({time.perf_counter() - t2:.1f} s): "
        f"{hard.total} hard violations {hard.as_dict()}"
    )

    baseline = None
    if not args.no_baseline:
        stay = problem.policies[0].stay_days
        gap = problem.policies[0].max_gap_days
        p, s = naive(problem, gap, stay)
        base = check_visits(problem, p, s, s + stay - 1)
        baseline = base.as_dict()
        print(
            f"naive every-{gap}-days baseline: {len(p):,} visits, {base.total:,} hard "
            f"violations {baseline}"
        )
    print(json.dumps({
        "pairings": problem.n_pairings,
        "seconds_plan": round(t_plan, 2),
        "seconds_total": round(time.perf_counter() - t0, 2),
        "peak_rss_gib": round(peak_rss_gib(), 2),
        "compliant_share": round(share, 6),
        "reasons": {str(k): n for k, n in result.reasons().items()},
        "hard_violations": hard.total,
        "baseline_violations": baseline,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
