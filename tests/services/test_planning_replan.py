"""Re-planning keeps only the planned visits that can still happen and still serve the
cadence."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.storage.session import unit_of_work
from tests.services.test_planning import (
    START,
    _by_visitor,
    _d,
    _planned,
    _record,
    paired,  # noqa: F401 - the fixture
)

SIX_MONTHS = planning.PlanSettings(start=START, months=6)


def _cancelled(engine: Engine) -> list[tuple[str, dt.date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, c.starts_on FROM cancelled_visits c "
                "JOIN households h ON h.id = c.household_id"
            )
        ).all()
    return [(h, _d(a)) for h, a in rows]


def _stays(engine: Engine, visitor: str) -> list[tuple[dt.date, dt.date]]:
    """Every stay of the visitor, made or planned."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT COALESCE(vi.actual_start, vi.planned_start), "
                "COALESCE(vi.actual_end, vi.planned_end) FROM visits vi "
                "JOIN visitors v ON v.id = vi.visitor_id "
                "WHERE v.external_id = :v AND vi.status IN ('planned', 'done') ORDER BY 1"
            ),
            {"v": visitor},
        ).all()
    return [(_d(a), _d(z)) for a, z in rows]


def test_a_stay_under_way_that_its_visitor_did_not_make_is_cancelled_and_planned_again(
    paired: Engine,  # noqa: F811
) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", SIX_MONTHS, actor="test", today=SIX_MONTHS.start)
    (h_first, a, z), (h_other, *_) = _by_visitor(paired)["V1"][:2]
    first, last = _d(a), _d(z)
    # V1 was at the other household on the first two days of the stay planned at the first.
    made = MadeVisit(h_other, "V1", first, first + dt.timedelta(days=1))
    with unit_of_work(paired) as s:
        record_visit(s, made, actor="test", today=first + dt.timedelta(days=2))
    again = planning.PlanSettings(start=first + dt.timedelta(days=2), months=6)
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", again, actor="test", today=again.start)
    assert (first, last) not in _planned(paired, h_first)
    assert (h_first, first) in _cancelled(paired)
    stays = _stays(paired, "V1")
    assert all(z < a for (_, z), (a, _) in itertools.pairwise(stays))
    # The household is visited as soon as V1 is free, not left waiting on the stay.
    assert _planned(paired, h_first)[0][0] <= first + dt.timedelta(days=4)
    assert summary.compliant_pairings == summary.pairings


def test_an_overdue_household_gets_its_visit_pulled_forward_not_a_second_one_days_later(
    paired: Engine,  # noqa: F811
) -> None:
    # Planned, then re-planned 80 days on with nothing recorded: every household is
    # overdue (due 60 days after it was paired). Its next visit comes at once, and the
    # visit the old plan had a few days later goes rather than stand beside it.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    later = START + dt.timedelta(days=80)
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=later), actor="test", today=later
        )
    assert summary.reasons == {"overdue_before_planning": 4}
    for h in ("H0", "H1", "H2", "H3"):
        starts = [a for a, _ in _planned(paired, h) if a >= later]
        assert starts[0] <= later + dt.timedelta(days=10)
        assert min(b - a for a, b in itertools.pairwise(starts)) >= dt.timedelta(days=30)


def test_a_re_plan_from_the_same_day_after_stays_passed_unmade_keeps_every_visit(
    paired: Engine,  # noqa: F811
) -> None:
    # The plan from day 80 lays every household's visits again (its stays before then
    # passed unrecorded). A second plan from day 80 finds the same stays unmade, but the
    # visits it keeps were laid knowing that: it plans nobody again, so it moves none,
    # though another seed would spread first visits otherwise.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    later = planning.PlanSettings(start=START + dt.timedelta(days=80))
    with unit_of_work(paired) as s:
        first = planning.plan_area(s, "R", later, actor="test", today=later.start)
    before = {h: _planned(paired, h) for h in ("H0", "H1", "H2", "H3")}
    with unit_of_work(paired) as s:
        assert planning.build_result(s.connection(), "R", later).dropped_visits == []
    reseeded = planning.PlanSettings(start=later.start, seed=later.seed + 1)
    with unit_of_work(paired) as s:
        again = planning.plan_area(s, "R", reseeded, actor="test", today=later.start)
    assert first.replaced > 0
    assert (again.replaced, again.kept, again.visits) == (0, first.visits, first.visits)
    assert {h: _planned(paired, h) for h in before} == before
    with paired.connect() as conn:
        laid = conn.execute(
            text("SELECT DISTINCT planned_from FROM visits WHERE planned_start >= :d"),
            {"d": later.start},
        ).scalars()
        assert [_d(x) for x in laid] == [later.start]


def test_a_household_whose_planned_stay_passed_unrecorded_keeps_a_later_stay_in_time(
    paired: Engine,  # noqa: F811
) -> None:
    # V1's households had stays planned on days 3 and 58 (H_a) and 20 and 75 (H_b). Day 3
    # passed with nothing recorded (the device may sync later); H_a's stay on day 58 still
    # meets its deadline (its pairing's start plus 60 days), so a re-plan from day 10 keeps
    # it and adds no catch-up stay before it, whatever the seed of the first-visit spread.
    with paired.connect() as conn:
        h_a, h_b = conn.execute(
            text(
                "SELECT h.external_id FROM pairings p JOIN households h "
                "ON h.id = p.household_id JOIN visitors v ON v.id = p.visitor_id "
                "WHERE v.external_id = 'V1' ORDER BY h.external_id"
            )
        ).scalars()
    for h, first, second in ((h_a, 3, 58), (h_b, 20, 75)):
        for d in (first, second):
            _record(paired, h, "planned", _day(d), _day(d + 4))
    for seed in range(5):
        again = planning.PlanSettings(start=_day(10), seed=seed)
        with unit_of_work(paired) as s:
            planning.plan_area(s, "R", again, actor="test", today=again.start)
        ahead = [a for a, _ in _planned(paired, h_a) if a >= _day(10)]
        assert ahead[0] == _day(58), (seed, ahead[:3])
        assert [a for a, _ in _planned(paired, h_b)][:2] == [_day(20), _day(75)]


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _v1_households(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT h.external_id FROM pairings p JOIN households h "
                    "ON h.id = p.household_id JOIN visitors v ON v.id = p.visitor_id "
                    "WHERE v.external_id = 'V1' ORDER BY h.external_id"
                )
            ).scalars()
        )


def test_a_missed_visit_is_not_made_up_by_a_stay_its_visitor_did_not_make(
    paired: Engine,  # noqa: F811
) -> None:
    # H_a was visited on day 10, missed its stay of day 20, and has a stay planned from
    # day 37, under way on day 40; but V1 was recorded at H_b on days 38-39, so that stay
    # did not happen and cannot make up the missed one. Re-planned from day 40, H_a's next
    # visit is pulled forward to the first day V1 is free, not left near its deadline.
    h_a, h_b = _v1_households(paired)
    _record(paired, h_a, "done", _day(10), _day(14))
    _record(paired, h_a, "missed", _day(20), _day(24))
    _record(paired, h_a, "planned", _day(37), _day(41))
    _record(paired, h_b, "done", _day(38), _day(39))
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=_day(40)), actor="test", today=_day(40)
        )
    assert (_day(37), _day(41)) not in _planned(paired, h_a)
    assert _planned(paired, h_a)[0][0] == _day(40)
