"""Re-planning moves only the visits of the visitors a change affects."""

from __future__ import annotations

import numpy as np

from doorstep.engine.planning import (
    PlanningProblem,
    PlanningProblemBuilder,
    PlanResult,
    check_visits,
    plan,
    replan,
)
from tests.engine.planning.instances import START, day


def two_visitors(
    *, leave_of_a: tuple[int, int] | None = None, recorded: list[tuple[str, str, int, int]] = ()
) -> PlanningProblem:
    b = PlanningProblemBuilder(START, days=240)
    b.add_organisation("unit", max_away_share=1.0)
    b.add_visitor("a", organisation="unit", leave=[(day(x), day(y)) for x, y in [leave_of_a]]
                  if leave_of_a else [])  # fmt: skip
    b.add_visitor("b", organisation="unit")
    for h, v in [("h1", "a"), ("h2", "a"), ("h3", "b"), ("h4", "b")]:
        b.add_household(h)
        b.add_pairing(h, v, home_distance_m=1_000.0)
    for h, v, s, e in recorded:
        b.add_fixed_visit(h, v, day(s), day(e))
    return b.build()


def visits_of(result: PlanResult, visitor: str) -> set[tuple[str, int, int]]:
    pr = result.problem
    out = set()
    for p, s, e in zip(result.visits.pairing, result.visits.start, result.visits.end, strict=True):
        if pr.visitor_ids[pr.pairing_visitor[p]] == visitor:
            out.add((pr.household_ids[pr.pairing_household[p]], int(s), int(e)))
    return out


def test_new_leave_moves_only_that_visitors_visits() -> None:
    before = plan(two_visitors())
    first_a = min(s for _, s, _ in visits_of(before, "a") if s >= 100)
    changed = two_visitors(leave_of_a=(first_a, first_a + 10))
    after = replan(changed, before, from_day=90, changed_visitors=[0])
    assert visits_of(after, "b") == visits_of(before, "b")
    assert all(not (s <= first_a + 10 and e >= first_a) for _, s, e in visits_of(after, "a"))
    assert {v for v in visits_of(before, "a") if v[1] < 90} <= visits_of(after, "a")
    v = after.visits
    assert check_visits(changed, v.pairing, v.start, v.end, v.fixed).total == 0
    assert after.compliant.all()


def test_after_a_missed_visit_the_next_is_pulled_as_early_as_possible() -> None:
    before = plan(two_visitors())
    # h1's visits before day 120 happened, except the last one, which was missed.
    h1 = sorted(s for h, s, _ in visits_of(before, "a") if h == "h1" and s < 120)
    done, missed = h1[:-1], h1[-1]
    changed = two_visitors(recorded=[("h1", "a", s, s + 4) for s in done])
    after = replan(changed, before, from_day=missed + 1, missed_pairings=[0])
    make_up = min(s for h, s, _ in visits_of(after, "a") if h == "h1" and s > missed)
    # As early as allowed: the visitor's only other stays are those with h2.
    busy = [(s, e) for h, s, e in visits_of(after, "a") if h == "h2"]
    free_days = [
        d for d in range(missed + 1, make_up) if all(not (s <= d + 4 and e >= d) for s, e in busy)
    ]
    assert free_days == []
    assert visits_of(after, "b") == visits_of(before, "b")


def test_a_new_pairing_is_planned_without_moving_other_visitors() -> None:
    before = plan(two_visitors())
    b = PlanningProblemBuilder(START, days=240)
    b.add_organisation("unit", max_away_share=1.0)
    for v in ("a", "b", "c"):
        b.add_visitor(v, organisation="unit")
    for h, v in [("h1", "a"), ("h2", "a"), ("h3", "b"), ("h4", "b"), ("h5", "c")]:
        b.add_household(h)
        b.add_pairing(h, v, home_distance_m=1_000.0, active_from=day(100) if h == "h5" else None)
    after = replan(b.build(), before, from_day=100)
    assert visits_of(after, "a") == visits_of(before, "a")
    assert visits_of(after, "b") == visits_of(before, "b")
    assert visits_of(after, "c")
    assert after.compliant.all()
    assert np.all(after.visits.start[~after.visits.fixed] >= 100)
