"""The problem built from a plan's frames equals the one the builder makes from one call per
row, and made visits go to the pairing whose days hold them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from doorstep.engine.planning import CadencePolicy, PlanningProblem, PlanningProblemBuilder
from doorstep.engine.planning.problem import Intervals
from doorstep.services.cancel_reasons import CONSENT_ENDS, LEAVE_BEGINS
from doorstep.services.planning import PlanSettings
from doorstep.services.planning_inputs import (
    PlanInputs,
    cut_by_consent,
    cut_by_leave,
    earliest_cut,
    overdue_kept,
    owners,
    settled,
    spans,
    unvisited,
)

START = dt.date(2027, 1, 4)


def d(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


PAIRS = pl.DataFrame(
    {
        "id": [11, 12, 13, 14, 15],
        "household_id": [1, 2, 1, 3, 2],
        "visitor_id": [7, 7, 8, 9, 7],
        "household": ["H1", "H2", "H1", "H3", "H2"],
        "visitor": ["V7", "V7", "V8", "V9", "V7"],
        "lat": [26.5, None, 26.5, 27.0, None],
        "lon": [107.9, None, 107.9, 106.0, None],
        "preferred_weekdays": ["0;2", None, "0;2", "9;x;6", None],
        "organisation_id": [5, 5, None, 6, 5],
        # H2 is paired with V7 twice: until day 40, then again from day 41.
        "plan_from": [d(-30), d(-10), d(3), d(0), d(41)],
        "plan_to": [None, d(40), d(200), None, None],
    },
    schema_overrides={"plan_from": pl.Date, "plan_to": pl.Date},
)
ORGS = pl.DataFrame(
    {"id": [6, 5], "code": ["B", "A"], "staff_cap": [None, 0.5], "staff": [4, 10]},
    schema_overrides={"staff_cap": pl.Float64},
)
LEAVE = [(7, d(5), d(9)), (9, d(-3), d(2)), (7, d(100), d(100))]
BLACKOUTS = [(3, d(20), d(25))]
HISTORY = [(11, d(-20), d(-16)), (13, d(-2), d(1))]
KEPT = [(101, 7, 12, d(10), d(14)), (102, 9, 14, d(30), d(34))]


def _frame(rows: list[tuple[object, ...]], names: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=names, orient="row")


def _by_builder(settings: PlanSettings, holidays: frozenset[dt.date]) -> PlanningProblem:
    st = settings
    b = PlanningProblemBuilder(START, months=st.months, default_policy=st.policy)
    b.travel_threshold_m = st.travel_km * 1000.0
    b.travel_days = st.travel_days
    b.add_calendar(working_weekdays=st.working_days, holidays=holidays)
    code = {}
    for oid, c, cap, staff in ORGS.iter_rows():
        share = cap if cap is not None else st.default_staff_cap
        b.add_organisation(c, staff=staff, max_away_share=share, min_away=st.min_away)
        code[oid] = c
    index = {}
    for r in PAIRS.iter_rows(named=True):
        if r["visitor"] not in b._visitors:
            b.add_visitor(
                r["visitor"],
                organisation=code.get(r["organisation_id"]),
                leave=[(a, z) for v, a, z in LEAVE if v == r["visitor_id"]],
            )
        if r["household"] not in b._households:
            text = r["preferred_weekdays"] or ""
            days = [int(p) for p in text.split(";") if len(p) == 1 and p in "0123456"]
            b.add_household(
                r["household"],
                lat=r["lat"],
                lon=r["lon"],
                blackouts=[(a, z) for h, a, z in BLACKOUTS if h == r["household_id"]],
                preferred_weekdays=days,
            )
        index[r["id"]] = b.add_pairing(
            r["household"], r["visitor"], active_from=r["plan_from"], active_to=r["plan_to"]
        )
    names = {r["id"]: (r["household"], r["visitor"]) for r in PAIRS.iter_rows(named=True)}
    for pid, a, z in HISTORY:
        b.add_fixed_visit(*names[pid], a, z, pairing=index[pid])
    for _, _, pid, a, z in KEPT:
        b.add_fixed_visit(*names[pid], a, z, pairing=index[pid])
    return b.build()


def _rows(iv: Intervals) -> list[tuple[int, int, int]]:
    owner = np.repeat(np.arange(iv.n_owners), np.diff(iv.ptr))
    return sorted(zip(owner.tolist(), iv.start.tolist(), iv.end.tolist(), strict=True))


def test_the_problem_from_frames_is_the_builders() -> None:
    settings = PlanSettings(
        start=START,
        policy=CadencePolicy(max_gap_days=45, stay_days=3),
        default_staff_cap=0.3,
        min_away=2,
        travel_km=20.0,
        travel_days=2,
        working_days=frozenset(range(5)),
    )
    holidays = frozenset({d(1), d(60)})
    inputs = PlanInputs(
        settings,
        PAIRS,
        holidays,
        ORGS,
        spans(_frame(LEAVE, ["v", "a", "z"]), "v", "a", "z"),
        spans(_frame(BLACKOUTS, ["h", "a", "z"]), "h", "a", "z"),
        _frame(HISTORY, ["pairing_id", "first", "last"]),
        _frame(KEPT, ["id", "visitor_id", "pairing_id", "planned_start", "planned_end"]),
    )
    got, want = inputs.build(), _by_builder(settings, holidays)
    for name in ("visitor_ids", "household_ids", "org_ids", "n_days", "policies", "calendars"):
        assert getattr(got, name) == getattr(want, name), name
    for name in (
        "visitor_org",
        "visitor_calendar",
        "org_max_away",
        "household_lat",
        "household_lon",
        "household_preferred_weekdays",
        "pairing_household",
        "pairing_visitor",
        "pairing_policy",
        "pairing_from",
        "pairing_to",
        "clock_from",
        "pairing_home_distance_m",
        "fixed_pairing",
        "fixed_start",
        "fixed_end",
    ):
        assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name
    assert _rows(got.leave) == _rows(want.leave)
    assert _rows(got.blackouts) == _rows(want.blackouts)
    assert (got.travel_threshold_m, got.travel_days) == (20_000.0, 2)
    assert list(got.household_preferred_weekdays) == [0b101, 0, 0b1000000]
    assert list(got.visitor_org) == [1, -1, 0]
    assert list(inputs.rows_of(pl.Series([15, 11]))) == [4, 0]


def test_a_made_visit_goes_to_the_pairing_whose_days_hold_it() -> None:
    made = [
        (2, 7, 12, 60, 15),  # filed under H2-V7's first pairing, made in the second's days
        (2, 7, 15, 5, 12),  # ... and the other way round
        (2, 7, 99, 41, 12),  # in the days of both (a stay begun on day 39 ends on 41): the first
        (2, 7, 15, 41, 15),  # ... unless filed under the other
        (1, 8, 11, 4, 13),  # H1 by V8, filed under H1's pairing with V7
        (1, 9, 11, 4, None),  # H1 by V9, who is not paired with it
        (3, 7, 11, 4, 11),  # no pairing of H3 and V7 holds it: the one it is filed under
        (3, 9, 99, 4, 14),  # filed under an unknown id
        (2, None, 12, 5, None),  # no visitor
    ]
    visits = pl.DataFrame(
        [(h, v, p, d(n)) for h, v, p, n, _ in made],
        schema={"household_id": pl.Int64, "visitor_id": pl.Int64, "pairing_id": pl.Int64,
                "day": pl.Date},
        orient="row",
    )  # fmt: skip
    assert owners(PAIRS, visits, stay_days=3).to_list() == [own for *_, own in made]


def test_a_stay_under_way_ends_before_the_first_of_its_visitors_leave_and_its_withdrawal() -> None:
    stays = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "household_id": [21, 22, 23, 24, 25],
            "visitor_id": [7, 7, 8, 9, 9],
            "planned_start": [d(-2), d(-1), d(-2), d(-1), d(-3)],
            "planned_end": [d(4), d(3), d(4), d(3), d(1)],
            "consent_until": [d(3), d(2), None, d(4), d(1)],  # 4: after its last day
        }
    )
    leave = pl.DataFrame({"owner": [7, 8], "first": [d(2), d(1)], "last": [d(9), d(1)]})
    cut = earliest_cut(cut_by_leave(stays, leave), cut_by_consent(stays))
    assert cut.select("id", "cut_end", "reason").rows() == [
        (1, d(1), LEAVE_BEGINS),  # leave from day 2 comes before the withdrawal of day 3
        (2, d(1), LEAVE_BEGINS),  # both from day 2: one cut, the first given
        (3, d(0), LEAVE_BEGINS),
        (5, d(0), CONSENT_ENDS),
    ]
    assert cut_by_consent(stays).select("id", "cut_end").rows() == [
        (1, d(2)),
        (2, d(1)),
        (5, d(0)),
    ]


def test_a_late_first_visit_is_planned_again_only_after_a_stay_passed_unmade() -> None:
    # Six pairings of six visitors, each begun on day -50 (due by day 10 with a gap of
    # 60), each with its first kept visit on day 30, after that deadline.
    pairs = pl.DataFrame(
        {"id": [1, 2, 3, 4, 5, 6], "visitor_id": [71, 72, 73, 74, 75, 76]},
    ).with_columns(pl.lit(d(-50)).alias("plan_from"))
    # Each kept visit was laid by a plan from day -40, but pairing 5's by one from day -1
    # (after its unmade stay was over), and pairing 6's by none known (imported).
    kept = pl.DataFrame(
        {
            "pairing_id": [1, 2, 3, 4, 5, 6, 2],
            "planned_start": [d(30)] * 6 + [d(90)],
            "planned_from": [d(-40)] * 4 + [d(-1), None, d(-1)],
        },
        schema_overrides={"planned_start": pl.Date, "planned_from": pl.Date},
    )
    # Pairing 4 was last visited on day -45; no other pairing has a visit on record.
    history = pl.DataFrame(
        {"pairing_id": [4], "first": [d(-45)], "last": [d(-41)]},
        schema_overrides={"first": pl.Date, "last": pl.Date},
    )
    # Pairing 1 had no stay planned before the start (the plan put its visit late: the
    # visitor's weeks were full). Pairings 2, 5 and 6's stays on days -5 to -2 passed
    # unrecorded; pairing 3's on day -60, before it was paired; pairing 4's on day -48,
    # before its last visit.
    unmade = pl.DataFrame(
        {
            "pairing_id": [2, 3, 4, 5, 6],
            "unmade": [d(-5), d(-60), d(-48), d(-5), d(-5)],
            "unmade_end": [d(-2), d(-57), d(-44), d(-2), d(-2)],
        },
        schema_overrides={"unmade": pl.Date, "unmade_end": pl.Date},
    )
    again = overdue_kept(pairs, history, kept, unmade, START, 60)
    assert sorted(again.to_list()) == [72, 76]
    # With the stay passed unmade, a first visit within the deadline stays kept.
    early = kept.with_columns(pl.lit(d(5)).alias("planned_start"))
    assert overdue_kept(pairs, history, early, unmade, START, 60).to_list() == []


def test_a_pairing_left_unvisited_is_settled_from_the_same_day_over_the_same_days() -> None:
    # Five pairings with no planned visit; pairings 1 and 4 are open-ended.
    pairs = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "household_id": [21, 22, 23, 24, 25],
            "visitor_id": [7, 7, 8, 9, 9],
            "plan_from": [d(-30), d(-30), d(2), d(0), d(0)],
            "plan_end": [None, d(20), d(4), None, d(9)],
        },
        schema_overrides={"plan_end": pl.Date},
    )
    end = d(90)  # the first day after the plan's horizon
    rows = unvisited(pairs, pl.Series([5]), START, end)  # pairing 5 got a visit
    assert rows.columns == [
        "pairing_id",
        "household_id",
        "visitor_id",
        "planned_from",
        "active_from",
        "active_end",
        "horizon_end",
    ]
    assert rows["pairing_id"].to_list() == [1, 2, 3, 4]
    assert rows["planned_from"].to_list() == [START] * 4
    assert rows["horizon_end"].to_list() == [end] * 4
    assert sorted(settled(pairs, rows, START, end).to_list()) == [1, 2, 3, 4]
    # Not from another day, nor where the days changed since (2: the pairing ends
    # later; 3: its household consents from a later day; 4: its visitor now leaves);
    # 5, committed since the plan, has no row.
    assert settled(pairs, rows, d(1), end).to_list() == []
    changed = pairs.with_columns(
        plan_end=pl.when(pl.col("id") == 2).then(d(30)).otherwise("plan_end"),
        plan_from=pl.when(pl.col("id") == 3).then(d(3)).otherwise("plan_from"),
    ).with_columns(plan_end=pl.when(pl.col("id") == 4).then(d(50)).otherwise("plan_end"))
    assert settled(changed, rows, START, end).to_list() == [1]
    # Nor for a pairing now with another visitor (ids are never reused, but the row says).
    assert settled(pairs.with_columns(visitor_id=pl.lit(6)), rows, START, end).to_list() == []


def test_a_pairing_left_unvisited_is_settled_only_over_a_horizon_no_longer() -> None:
    pairs = pl.DataFrame(
        {
            "id": [1, 2],
            "household_id": [21, 22],
            "visitor_id": [7, 8],
            "plan_from": [d(-30), d(20)],
            "plan_end": [None, None],
        },
        schema_overrides={"plan_end": pl.Date},
    )
    rows = unvisited(pairs, pl.Series([], dtype=pl.Int64), START, d(31))
    # The same horizon, or a shorter one: the plan saw every day of it.
    assert sorted(settled(pairs, rows, START, d(31)).to_list()) == [1, 2]
    assert sorted(settled(pairs, rows, START, d(28)).to_list()) == [1, 2]
    # A longer one has days the plan never looked at: new.
    assert settled(pairs, rows, START, d(32)).to_list() == []
    # A row left before the horizon was stored (migration 0023) settles nothing.
    unknown = rows.with_columns(pl.lit(None, pl.Date).alias("horizon_end"))
    assert settled(pairs, unknown, START, d(31)).to_list() == []
