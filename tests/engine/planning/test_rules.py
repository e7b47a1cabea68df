"""Gaps and cadence rules, measured on visits written out by hand."""

from __future__ import annotations

import dataclasses

import numpy as np

from doorstep.engine.planning import (
    CadencePolicy,
    MaxGapRule,
    MinVisitsRule,
    PlanningProblem,
    PlanningProblemBuilder,
    VisitTable,
)
from doorstep.engine.planning.rules import measure_gaps
from tests.engine.planning.instances import START, day, one_pair


def table(starts: list[int], stay: int = 5) -> VisitTable:
    return VisitTable.of([0] * len(starts), starts, [s + stay - 1 for s in starts],
                         [False] * len(starts))  # fmt: skip


def test_gaps_run_from_the_horizon_start_through_each_visit_to_its_end() -> None:
    problem = one_pair(days=120)
    gaps = measure_gaps(problem, table([40, 100]))
    assert gaps.longest[0] == 60  # 0 -> 40, 40 -> 100, 100 -> 120
    assert (gaps.gap_from[0], gaps.gap_to[0]) == (40, 100)
    assert gaps.n_visits[0] == 2


def test_the_tail_gap_to_the_end_of_the_horizon_counts() -> None:
    problem = one_pair(days=120)
    gaps = measure_gaps(problem, table([30]))
    assert gaps.longest[0] == 90
    assert (gaps.gap_from[0], gaps.gap_to[0]) == (30, 120)
    assert not MaxGapRule().check(problem, table([30]), gaps)[0]


def test_a_visit_before_the_horizon_anchors_the_first_gap() -> None:
    problem = one_pair(days=120)
    gaps = measure_gaps(problem, table([-40, 30, 80]))
    assert gaps.longest[0] == 70  # -40 -> 30
    assert gaps.n_visits[0] == 2


def test_no_visits_leave_one_gap_as_long_as_the_horizon() -> None:
    problem = one_pair(days=45)
    gaps = measure_gaps(problem, table([]))
    assert gaps.longest[0] == 45
    assert MaxGapRule().check(problem, table([]), gaps)[0]  # 45 <= 60: nothing is due


def test_min_visits_are_prorated_over_the_active_days() -> None:
    problem = one_pair(days=365, policy=CadencePolicy(min_visits_per_year=12))
    visits = table(list(range(28, 365, 30)))  # 12 visits, no gap over 365 // 12 = 30
    gaps = measure_gaps(problem, visits)
    assert MinVisitsRule().check(problem, visits, gaps)[0]
    fewer = table(list(range(0, 365, 40)))  # 10 visits
    assert not MinVisitsRule().check(problem, fewer, measure_gaps(problem, fewer))[0]
    assert MinVisitsRule().max_gap(CadencePolicy(min_visits_per_year=12)) == 30
    assert MaxGapRule().max_gap(CadencePolicy()) == 60
    assert np.all(gaps.n_visits == 12)


def test_the_yearly_minimum_also_bounds_the_gap() -> None:
    # Twelve visits a year allow gaps of 30 days (365 // 12), as docs/planning.md says:
    # twelve visits bunched with one gap of 50 days are enough visits but not the cadence.
    problem = one_pair(days=365, policy=CadencePolicy(min_visits_per_year=12))
    bunched = table([*range(0, 181, 20), 230, 250, 270, 290, 310, 330, 350])
    gaps = measure_gaps(problem, bunched)
    assert gaps.n_visits[0] >= 12 and gaps.longest[0] == 50
    assert MaxGapRule().check(problem, bunched, gaps)[0]  # 50 <= the policy's 60
    assert not MinVisitsRule().check(problem, bunched, gaps)[0]


def test_without_an_earlier_visit_the_first_gap_runs_from_the_cadence_clock() -> None:
    problem = dataclasses.replace(
        one_pair(days=120),
        pairing_from=np.array([10], np.int32),
        pairing_clock=np.array([-40], np.int32),
    )
    gaps = measure_gaps(problem, table([30, 80]))
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (70, -40, 30)
    # A visit before the pairing, after the clock started, anchors the gap instead.
    gaps = measure_gaps(problem, table([-5, 30, 80]))
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (50, 30, 80)


def _two_pairings(
    windows: list[tuple[int, int]], policy: CadencePolicy | None = None
) -> PlanningProblem:
    """Household ``h`` paired with ``v1`` and then ``v2`` on ``windows`` (days ``[a, z)``)."""
    b = PlanningProblemBuilder(START, days=200, default_policy=policy or CadencePolicy())
    b.add_visitor("v1")
    b.add_visitor("v2")
    b.add_household("h")
    for v, (a, z) in zip(("v1", "v2"), windows, strict=True):
        b.add_pairing("h", v, active_from=day(a), active_to=day(z))
    return b.build()


def _visits(by_pairing: dict[int, list[int]], stay: int = 5) -> VisitTable:
    rows = [(p, s) for p, ss in by_pairing.items() for s in ss]
    return VisitTable.of([p for p, _ in rows], [s for _, s in rows],
                         [s + stay - 1 for _, s in rows], [False] * len(rows))  # fmt: skip


def test_a_pairing_handed_over_counts_its_first_gap_from_the_households_last_visit() -> None:
    # h is v1's on days 0-99 (a visit on day 53) and v2's from day 100 (a visit on 153):
    # each pairing alone keeps 60 days, but h goes 100 days between visits.
    problem = _two_pairings([(0, 100), (100, 200)])
    visits = _visits({0: [53], 1: [153]})
    gaps = measure_gaps(problem, visits)
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (53, 0, 53)
    assert (gaps.longest[1], gaps.gap_from[1], gaps.gap_to[1]) == (100, 53, 153)
    assert gaps.n_visits.tolist() == [1, 1]
    assert MaxGapRule().check(problem, visits, gaps).tolist() == [True, False]
    # Six a year allow 60 days too (365 // 6): the yearly minimum sees the same gap.
    six = _two_pairings([(0, 100), (100, 200)], CadencePolicy(min_visits_per_year=6))
    assert MinVisitsRule().check(six, visits, measure_gaps(six, visits)).tolist() == [True, False]
    # Visited on day 106 instead, h never waits more than 53 days.
    visits = _visits({0: [53], 1: [106, 159]})
    assert MaxGapRule().check(problem, visits, measure_gaps(problem, visits)).all()


def test_only_the_households_visits_before_a_pairing_began_anchor_its_first_gap() -> None:
    # v2 takes h over on day 50 while v1 stays until day 100: v1's visit on day 70 comes
    # after v2's began, so v2's first gap still runs from v1's visit on day 20.
    problem = _two_pairings([(0, 100), (50, 200)])
    gaps = measure_gaps(problem, _visits({0: [20, 70], 1: [90, 140]}))
    assert (gaps.longest[1], gaps.gap_from[1], gaps.gap_to[1]) == (70, 20, 90)
    # Paired again after 50 days without a visitor: the last visit still counts, however
    # long ago, as a recorded one would.
    problem = _two_pairings([(0, 100), (150, 200)])
    gaps = measure_gaps(problem, _visits({0: [53], 1: [150]}))
    assert (gaps.longest[1], gaps.gap_from[1], gaps.gap_to[1]) == (97, 53, 150)


def test_a_pairing_whose_window_was_cut_for_its_last_stay_answers_until_the_handover() -> None:
    # v1's window ends on day 96 (a 5-day stay started on 95 ends on 99), v2 takes h over on
    # day 100: v1's last gap runs to 100, not 96, as nobody else can visit in between. A
    # next pairing beginning later than a stay could run (day 101 here) is a break instead:
    # the gap ends with v1's own window, and the days between are nobody's.
    problem = _two_pairings([(0, 96), (100, 200)])
    assert problem.cover_to.tolist() == [100, 200]
    late = _visits({0: [38], 1: [100, 160]})
    gaps = measure_gaps(problem, late)
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (62, 38, 100)
    assert not MaxGapRule().check(problem, late, gaps)[0]
    in_time = _visits({0: [41], 1: [100, 160]})
    assert MaxGapRule().check(problem, in_time, measure_gaps(problem, in_time)).all()
    assert _two_pairings([(0, 96), (101, 200)]).cover_to.tolist() == [96, 200]
    # v2 beginning while v1 is still active is no hand-over at v1's end.
    assert _two_pairings([(0, 96), (50, 200)]).cover_to.tolist() == [96, 200]


def test_gaps_before_the_horizon_are_not_measured_as_its_history_is_only_the_latest_visits() -> (
    None
):
    # Paired since day -200 (its clock), visited on -30: the problem holds that visit (the
    # one that sets the first deadline), not the household's earlier ones. The first gap
    # runs from it, not from the clock through the visits the problem was never given.
    b = PlanningProblemBuilder(START, days=120)
    b.add_visitor("v")
    b.add_household("h")
    b.add_pairing("h", "v", active_from=day(-200))
    problem = b.build()
    visits = VisitTable.of([0, 0, 0], [-30, 25, 80], [-26, 29, 84], [True, False, False])
    gaps = measure_gaps(problem, visits)
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (55, 25, 80)
    assert gaps.n_visits[0] == 2  # within the horizon
    # Overdue at the start still shows: the last visit before it was on day -70.
    late = VisitTable.of([0] * 4, [-70, 5, 60, 110], [-66, 9, 64, 114], [True] + [False] * 3)
    assert measure_gaps(problem, late).longest[0] == 75


def test_a_pairing_that_ends_without_a_successor_answers_until_its_end() -> None:
    # v1's window ends on day 96 so that its last stay ends on 99, the pairing's last day
    # (pairing_end 100): h, visited on day 38, is 62 days without a visit by then although
    # it had a visitor, which the window's end alone (58 days) did not show.
    problem = dataclasses.replace(
        _two_pairings([(0, 96), (150, 200)]), pairing_end=np.array([100, 200], np.int32)
    )
    assert problem.cover_to.tolist() == [100, 200]
    gaps = measure_gaps(problem, _visits({0: [38], 1: [150]}))
    assert (gaps.longest[0], gaps.gap_from[0], gaps.gap_to[0]) == (62, 38, 100)
    # Taken over on its end, it answers until then as before; later, only until its end.
    handed = dataclasses.replace(
        _two_pairings([(0, 96), (100, 200)]), pairing_end=np.array([100, 200], np.int32)
    )
    assert handed.cover_to.tolist() == [100, 200]
    later = dataclasses.replace(
        _two_pairings([(0, 96), (99, 200)]), pairing_end=np.array([98, 200], np.int32)
    )
    assert later.cover_to.tolist() == [98, 200]
