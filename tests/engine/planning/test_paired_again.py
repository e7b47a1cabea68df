"""A household paired with the same visitor more than once, on different days."""

from __future__ import annotations

import numpy as np
import pytest

from doorstep.engine.planning import (
    PlanningProblemBuilder,
    PlanResult,
    Reason,
    VisitTable,
    check_visits,
    plan,
    replan,
)
from tests.engine.planning.instances import START, day, paired_again


def test_a_visit_belongs_to_the_window_that_holds_it_else_the_next_else_the_last() -> None:
    from doorstep.engine.planning.problem import locate_pairings

    # Key 7 is paired on [0, 10) and [20, 30) (given out of order); key 8 on [0, 30).
    keys, frm, to = [7, 8, 7], [20, 0, 0], [30, 30, 10]
    days = [5, 25, 15, -40, 35, 5, 5]
    asked = [7, 7, 7, 7, 7, 8, 9]
    assert locate_pairings(keys, frm, to, asked, days).tolist() == [2, 0, 0, 2, 0, 1, -1]


def test_each_pairing_of_the_same_two_keeps_its_own_window() -> None:
    problem = paired_again().build()
    assert problem.n_pairings == 3
    result = plan(problem)
    v = result.visits
    for p, (lo, hi) in enumerate([(0, 100), (150, 300)]):
        mine = v.start[v.pairing == p]
        assert len(mine) >= 1
        assert ((mine >= lo) & (mine < hi)).all(), (p, mine)
    assert check_visits(problem, v.pairing, v.start, v.end, v.fixed).total == 0
    _second_counts_from_the_first(result)


def _second_counts_from_the_first(result: PlanResult) -> None:
    """The cadence is the household's: paired again on day 150, h is due 60 days after its
    last visit under the first pairing (here day 89, so due on 149: visited on day 150 and
    reported overdue before the pairing began)."""
    v = result.visits
    last = int(v.start[v.pairing == 0].max())
    due = last + 60
    assert result.compliant[[0, 2]].all()
    assert int(v.start[v.pairing == 1].min()) <= max(due, 150)
    assert bool(result.compliant[1]) is (due >= 150)
    if due < 150:
        record = result.pairing(1)
        assert (record.gap_from, record.reason) == (day(last), Reason.OVERDUE_BEFORE_PLANNING)


def test_the_checker_measures_each_visit_against_its_own_pairing_window() -> None:
    problem = paired_again().build()
    # Day 160 lies in the second pairing's window, not the first's.
    assert check_visits(problem, [0], [160], [164]).outside_window == 1
    assert check_visits(problem, [1], [160], [164]).outside_window == 0


def test_overlapping_windows_of_the_same_two_are_refused() -> None:
    with pytest.raises(ValueError, match="'h' and visitor 'v' are paired twice over the same"):
        paired_again(windows=[(0, 100), (99, 300)]).build()
    with pytest.raises(ValueError, match="paired twice"):
        paired_again(windows=[(0, 300), (0, 300)]).build()
    assert paired_again(windows=[(0, 100), (100, 300)]).build().n_pairings == 3  # back to back


def test_a_fixed_visit_by_name_goes_to_the_pairing_whose_window_holds_it() -> None:
    b = paired_again()
    b.add_fixed_visit("h", "v", day(160), day(164))  # in the second window
    b.add_fixed_visit("h", "v", day(-70), day(-66))  # history: before the first window
    b.add_fixed_visit("h", "v", day(120), day(124))  # between the windows: the next one's
    problem = b.build()
    assert problem.fixed_pairing.tolist() == [1, 0, 1]
    result = plan(problem)
    v = result.visits
    # The first pairing counts from its history (overdue on day 0), the second from its
    # recorded visits: neither is planned into the other's window.
    assert (result.pairing(0).longest_gap_days, result.pairing(0).compliant) == (70, False)
    assert v.start[(v.pairing == 0) & ~v.fixed].min() == 0
    assert result.compliant[1]
    assert v.start[(v.pairing == 1) & ~v.fixed].min() > 164
    assert check_visits(problem, v.pairing, v.start, v.end, v.fixed).total == 0


def test_a_fixed_visit_may_name_its_pairing_but_only_one_of_its_household_and_visitor() -> None:
    b = paired_again()
    b.add_fixed_visit("h", "v", day(-20), day(-16), pairing=1)
    assert b.build().fixed_pairing.tolist() == [1]
    b.add_fixed_visit("h", "v", day(10), day(14), pairing=2)  # pairing 2 is h2's
    with pytest.raises(ValueError, match="not of pairing 2"):
        b.build()


def _by_pairing(visits: VisitTable) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for p, s in zip(visits.pairing, visits.start, strict=True):
        out.setdefault(int(p), []).append(int(s))
    return {p: sorted(s) for p, s in out.items()}


def test_re_planning_keeps_each_visit_under_its_own_pairing() -> None:
    problem = paired_again().build()
    before = plan(problem)
    after = replan(problem, before, from_day=120)
    assert _by_pairing(after.visits) == _by_pairing(before.visits)
    assert after.visits.fixed.all()  # nothing changed: every visit was kept


def test_being_paired_again_later_re_plans_the_visitor() -> None:
    once = paired_again(windows=[(0, 100)]).build()
    before = plan(once)
    twice = paired_again(windows=[(0, 100), (150, 300)]).build()
    after = replan(twice, before, from_day=120)
    v = after.visits
    second = v.start[v.pairing == 1]
    assert len(second) and ((second >= 150) & (second < 300)).all()
    kept = v.start[(v.pairing == 0) & v.fixed]
    assert np.array_equal(np.sort(kept), np.sort(before.visits.start[before.visits.pairing == 0]))
    _second_counts_from_the_first(after)


def test_fixed_visits_given_as_columns_follow_those_given_one_by_one() -> None:
    # A region's re-plan keeps ten million planned visits: they go in as arrays.
    b = PlanningProblemBuilder(START, days=200)
    b.add_visitor("v")
    b.add_household("h")
    b.add_household("g")
    first = b.add_pairing("h", "v")
    second = b.add_pairing("g", "v")
    b.add_fixed_visits([second, first], [40, 90], [44, 94])
    b.add_fixed_visit("h", "v", day(10), day(14))
    problem = b.build()
    assert problem.fixed_pairing.tolist() == [first, second, first]
    assert problem.fixed_start.tolist() == [10, 40, 90]
    assert problem.fixed_end.tolist() == [14, 44, 94]
    result = plan(problem)
    fixed = result.visits.fixed
    assert sorted(result.visits.start[fixed].tolist()) == [10, 40, 90]
    b.add_fixed_visits([7], [5], [9])
    with pytest.raises(ValueError, match="names a pairing that was not added"):
        b.build()
    with pytest.raises(ValueError, match="differ in length"):
        b.add_fixed_visits([0, 1], [5], [9])
