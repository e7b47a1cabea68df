"""Database-mode planning and the coordinators' work lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.planning import CadencePolicy
from doorstep.services import pairing, planning, work_lists
from doorstep.storage.repositories import visits as repo
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.sides import Side

START = dt.date(2027, 1, 4)  # a Monday


@pytest.fixture
def paired(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """Four households paired with two visitors (capacity 2 each), committed on START
    (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, _paired_in_areas, over=area_tree)
    return with_areas


def _paired_in_areas(with_areas: Engine, tmp_path: Path) -> None:
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000, lon=107.98) for i in range(4)]
    vv = [
        visitor(visitor_id="V1", lat=26.58, lon=107.97, capacity=2),
        visitor(visitor_id="V2", lat=26.59, lon=107.99, capacity=2),
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)


def _visits(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.status, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN households h ON h.id = vi.household_id "
                "ORDER BY h.external_id, vi.planned_start"
            )
        ).all()
    return [(r[0], r[1], str(r[2]), str(r[3])) for r in rows]


def test_an_area_plan_meets_the_cadence_and_never_double_books_a_visitor(paired: Engine) -> None:
    settings = planning.PlanSettings(
        start=START, months=6, policy=CadencePolicy(max_gap_days=60, stay_days=5)
    )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert summary.pairings == 4
    assert summary.compliant_pairings == 4
    visits = _visits(paired)
    assert len(visits) == summary.visits
    by_household: dict[str, list[dt.date]] = {}
    for h, status, start, end in visits:
        assert status == "planned"
        a, z = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        assert (z - a).days == 4  # a 5-day stay ends on its fifth day
        by_household.setdefault(h, []).append(a)
    horizon_end = dt.date(2027, 7, 4)
    for starts in by_household.values():
        points = [START, *sorted(starts), horizon_end]
        assert max((b - a).days for a, b in itertools.pairwise(points)) <= 60
    # Re-planning with nothing changed keeps every planned visit.
    with unit_of_work(paired) as s:
        again = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert (again.replaced, again.kept, again.visits) == (0, summary.visits, summary.visits)
    assert _visits(paired) == visits
    # Planning everything afresh replaces the planned visits instead of adding to them;
    # planned again on the same days (nothing changed), each row stays as it was.
    fresh = dataclasses.replace(settings, keep_unaffected=False)
    with unit_of_work(paired) as s:
        anew = planning.plan_area(s, "R", fresh, actor="test", today=fresh.start)
    assert (anew.replaced, anew.kept, anew.visits) == (0, summary.visits, summary.visits)
    assert _visits(paired) == visits


def _by_visitor(engine: Engine) -> dict[str, list[tuple[str, str, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, h.external_id, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN visitors v ON v.id = vi.visitor_id "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned' "
                "ORDER BY v.external_id, vi.planned_start"
            )
        ).all()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for v, h, a, z in rows:
        out.setdefault(v, []).append((h, str(a), str(z)))
    return out


def test_new_leave_re_plans_only_that_visitor(paired: Engine) -> None:
    settings = planning.PlanSettings(start=START, months=6)
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    before = _by_visitor(paired)
    _, first_start, first_end = before["V1"][0]
    with paired.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
                "SELECT id, :a, :z FROM visitors WHERE external_id = 'V1'"
            ),
            {"a": dt.date.fromisoformat(first_start), "z": dt.date.fromisoformat(first_end)},
        )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    after = _by_visitor(paired)
    assert after["V2"] == before["V2"]
    # V1 is planned again: its visits that moved are replaced, those on the same days stay.
    same = [v for v in before["V1"] if v in after["V1"]]
    assert len(same) < len(before["V1"])  # the one over the leave moved, at least
    assert summary.kept == len(before["V2"]) + len(same)
    assert summary.replaced == len(before["V1"]) - len(same)
    leave_a, leave_z = dt.date.fromisoformat(first_start), dt.date.fromisoformat(first_end)
    for _, a, z in after["V1"]:
        assert dt.date.fromisoformat(z) < leave_a or dt.date.fromisoformat(a) > leave_z
    assert summary.compliant_pairings == summary.pairings


def test_work_lists_show_overdue_due_and_upcoming_households(paired: Engine) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=3), actor="test", today=START
        )
    with paired.begin() as conn:
        # H0 had its visit on day 10; the others had none since the pairing started.
        conn.execute(
            text(
                "INSERT INTO visits (household_id, visitor_id, pairing_id, status, actual_start, "
                "actual_end) SELECT p.household_id, p.visitor_id, p.id, 'done', :a, :z "
                "FROM pairings p JOIN households h ON h.id = p.household_id "
                "WHERE h.external_id = 'H0'"
            ),
            {"a": START + dt.timedelta(days=10), "z": START + dt.timedelta(days=14)},
        )
    today = START + dt.timedelta(days=65)
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=today)
        due = work_lists.work_list(s, "due", actor="test", today=today, days=14)
        upcoming = work_lists.work_list(s, "upcoming", actor="test", today=START, days=30)
        mine = work_lists.work_list(s, "overdue", actor="test", today=today, visitor="V1")
    assert sorted(r["household"] for r in overdue) == ["H1", "H2", "H3"]
    assert all(r["days_left"] == -5 for r in overdue)
    assert [r["household"] for r in due] == ["H0"]
    assert due[0]["days_left"] == 5
    assert upcoming
    assert all(
        START <= dt.date.fromisoformat(str(r["start"])[:10]) < START + dt.timedelta(days=30)
        for r in upcoming
    )
    assert {r["visitor"] for r in mine} == {"V1"}


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _end_pairings(engine: Engine, household: str, day: dt.date) -> None:
    _sql(
        engine,
        "UPDATE pairings SET ended_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = :h)",
        d=day,
        h=household,
    )


def _sql(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _record(engine: Engine, household: str, status: str, a: dt.date, z: dt.date) -> None:
    """A visit of ``household``'s open pairing: ``done`` (made on a..z) or ``planned``."""
    cols = "actual_start, actual_end" if status == "done" else "planned_start, planned_end"
    _sql(
        engine,
        f"INSERT INTO visits (household_id, visitor_id, pairing_id, status, {cols}) "
        "SELECT p.household_id, p.visitor_id, p.id, :status, :a, :z FROM pairings p "
        "JOIN households h ON h.id = p.household_id "
        "WHERE h.external_id = :h AND p.ended_on IS NULL",
        h=household,
        status=status,
        a=a,
        z=z,
    )


def _planned(engine: Engine, household: str) -> list[tuple[dt.date, dt.date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.planned_start, vi.planned_end FROM visits vi "
                "JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = :h AND vi.status = 'planned' ORDER BY 1"
            ),
            {"h": household},
        ).all()
    return [(_d(a), _d(z)) for a, z in rows]


def _d(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _stays_by_visitor(engine: Engine) -> dict[str, list[tuple[dt.date, dt.date]]]:
    return {
        v: sorted((dt.date.fromisoformat(a), dt.date.fromisoformat(z)) for _, a, z in rows)
        for v, rows in _by_visitor(engine).items()
    }


def _never_two_at_once(engine: Engine) -> None:
    for stays in _stays_by_visitor(engine).values():
        for (_, z), (a, _) in itertools.pairwise(stays):
            assert z < a


def test_re_planning_with_new_settings_plans_again_what_would_break_them(
    paired: Engine,
) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    # Now stays of two days, Monday to Friday only: no kept five-day stay may stand.
    stricter = planning.PlanSettings(
        start=START,
        months=6,
        policy=CadencePolicy(max_gap_days=60, stay_days=2),
        working_days=frozenset(range(5)),
    )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", stricter, actor="test", today=stricter.start)
    assert summary.kept == 0
    assert summary.compliant_pairings == 4
    for stays in _stays_by_visitor(paired).values():
        for a, z in stays:
            assert (z - a).days == 1
            assert a.weekday() < 5 and z.weekday() < 5


def test_an_overdue_household_is_visited_first_however_long_ago_its_last_visit(
    paired: Engine,
) -> None:
    # H0 was paired long ago and last visited 125 days before the start: overdue on day 0.
    _sql(
        paired,
        "UPDATE pairings SET started_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'H0')",
        d=START - dt.timedelta(days=200),
    )
    last = START - dt.timedelta(days=125)
    _record(paired, "H0", "done", last, last + dt.timedelta(days=4))
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
        overdue = work_lists.work_list(s, "overdue", actor="test", today=START)
    assert summary.compliant_pairings == summary.pairings - 1
    assert summary.reasons == {"overdue_before_planning": 1}
    assert _planned(paired, "H0")[0][0] == START
    assert [r["household"] for r in overdue] == ["H0"]


def test_a_stay_under_way_on_the_start_day_keeps_its_visitor_busy(paired: Engine) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    # Re-plan from the middle of V1's first stay, after a missed visit of V1's other household.
    (h_first, a, z), (h_other, b, _) = _by_visitor(paired)["V1"][:2]
    middle = dt.date.fromisoformat(a) + dt.timedelta(days=2)
    _sql(
        paired,
        "UPDATE visits SET status = 'missed' WHERE planned_start = :b AND household_id = "
        "(SELECT id FROM households WHERE external_id = :h)",
        b=dt.date.fromisoformat(b),
        h=h_other,
    )
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=middle, months=6), actor="test", today=middle
        )
    _never_two_at_once(paired)
    # The missed household is pulled forward: to the first day after the stay under way.
    assert _planned(paired, h_other)[0][0] == dt.date.fromisoformat(z) + dt.timedelta(days=1)
    assert (dt.date.fromisoformat(a), dt.date.fromisoformat(z)) in _planned(paired, h_first)


def test_a_visitor_serving_two_areas_is_not_booked_twice_when_they_are_planned_apart(
    with_areas: Engine, tmp_path: Path
) -> None:
    hh = [
        household(household_id="H1", area_code="R-C-V1", lat=26.58, lon=107.98),
        household(household_id="H2", area_code="R-C-V2", lat=26.59, lon=107.98),
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
    for area in ("R-C-V1", "R-C-V2"):
        with unit_of_work(with_areas) as s:
            summary = planning.plan_area(
                s, area, planning.PlanSettings(start=START), actor="test", today=START
            )
        assert summary.compliant_pairings == 1
    assert len(_stays_by_visitor(with_areas)["V1"]) >= 12
    _never_two_at_once(with_areas)


def test_a_shorter_or_earlier_horizon_plans_without_failing(paired: Engine) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=12), actor="test", today=START
        )
    with unit_of_work(paired) as s:
        shorter = planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=1), actor="test", today=START
        )
    assert shorter.pairings == 4
    horizon_end = dt.date(2027, 2, 4)
    assert all(a < horizon_end for h in ("H0", "H1", "H2", "H3") for a, _ in _planned(paired, h))
    # A horizon that ends before the pairings start has nothing to plan.
    with unit_of_work(paired) as s:
        before = planning.plan_area(
            s,
            "R",
            planning.PlanSettings(start=dt.date(2025, 1, 1), months=1),
            actor="test",
            today=dt.date(2025, 1, 1),
        )
    assert (before.pairings, before.visits) == (0, 0)


def test_an_area_without_pairings_gets_an_empty_plan(with_areas: Engine) -> None:
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert (summary.pairings, summary.visits, summary.infeasible) == (0, 0, 0)


def test_visits_stop_when_the_visitor_stops_or_the_household_withdraws(paired: Engine) -> None:
    stop = START + dt.timedelta(days=90)
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V1'", d=stop)
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H3'")
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    by_visitor = _stays_by_visitor(paired)
    assert by_visitor["V1"] and all(z <= stop for _, z in by_visitor["V1"])  # stays over by then
    assert max(a for a, _ in by_visitor["V2"]) > stop
    assert _planned(paired, "H3") == []


def test_work_lists_follow_the_household_across_pairings_and_until_a_pairing_ends(
    paired: Engine,
) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=3), actor="test", today=START
        )
    # H0's pairing will end in the future: it is still listed until then.
    _end_pairings(paired, "H0", _day(200))
    # H1 was visited by its visitor, then paired with the other one: the clock runs on.
    visited = START + dt.timedelta(days=20)
    _record(paired, "H1", "done", visited, visited + dt.timedelta(days=4))
    _sql(
        paired,
        "INSERT INTO pairings (household_id, visitor_id, started_on) "
        "SELECT p.household_id, (SELECT id FROM visitors WHERE id <> p.visitor_id LIMIT 1), :d "
        "FROM pairings p JOIN households h ON h.id = p.household_id WHERE h.external_id = 'H1'",
        d=START + dt.timedelta(days=30),
    )
    _sql(
        paired,
        "UPDATE pairings SET ended_on = :d WHERE started_on = :s AND household_id = "
        "(SELECT id FROM households WHERE external_id = 'H1')",
        d=START + dt.timedelta(days=30),
        s=START,
    )
    today = START + dt.timedelta(days=70)
    with unit_of_work(paired) as s:
        due = work_lists.work_list(s, "due", actor="test", today=today, days=30)
        upcoming = work_lists.work_list(s, "upcoming", actor="test", today=START, days=90)
    h1 = [r for r in due if r["household"] == "H1"]
    assert len(h1) == 1
    assert _d(h1[0]["last_visit"]) == visited
    assert h1[0]["deadline"] == visited + dt.timedelta(days=60)
    assert "H0" in {r["household"] for r in upcoming}


def _pairing_of(engine: Engine, household: str) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.id, p.visitor_id FROM pairings p JOIN households h "
                "ON h.id = p.household_id WHERE h.external_id = :h AND p.ended_on IS NULL"
            ),
            {"h": household},
        ).one()
    return int(row[0]), int(row[1])


def test_a_stay_of_a_pairing_that_gets_no_visits_now_still_keeps_its_visitor_busy(
    paired: Engine,
) -> None:
    # H0's visitor is on a stay there over the start day; then H0 withdraws consent, so
    # its pairing gets no visits, but the visitor is not free until the stay ends.
    _, vid = _pairing_of(paired, "H0")
    a, z = START - dt.timedelta(days=2), START + dt.timedelta(days=2)
    _record(paired, "H0", "done", a, z)
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H0'")
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=3), actor="test", today=START
        )
    with paired.connect() as conn:
        firsts = conn.execute(
            text(
                "SELECT MIN(planned_start) FROM visits WHERE visitor_id = :v AND status = 'planned'"
            ),
            {"v": vid},
        ).scalar_one()
    # The stay ends on START + 2, and a rest day may follow it.
    assert _d(firsts) > z
    assert _planned(paired, "H0") == []


def test_a_household_re_paired_after_the_start_keeps_its_cadence_clock(paired: Engine) -> None:
    # H1 was visited 40 days before the start by its visitor; its pairing ends ten days in
    # and another visitor takes over: the first visit is due 60 days after that visit.
    visited = START - dt.timedelta(days=40)
    _record(paired, "H1", "done", visited, visited + dt.timedelta(days=4))
    _sql(
        paired,
        "UPDATE pairings SET started_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'H1')",
        d=START - dt.timedelta(days=100),
    )
    handover = START + dt.timedelta(days=10)
    _sql(
        paired,
        "UPDATE pairings SET ended_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'H1')",
        d=handover,
    )
    _sql(
        paired,
        "INSERT INTO pairings (household_id, visitor_id, started_on) "
        "SELECT p.household_id, (SELECT id FROM visitors WHERE id <> p.visitor_id LIMIT 1), :d "
        "FROM pairings p JOIN households h ON h.id = p.household_id WHERE h.external_id = 'H1'",
        d=handover,
    )
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert summary.compliant_pairings == summary.pairings
    firsts = [a for a, _ in _planned(paired, "H1")]
    assert firsts and min(firsts) <= visited + dt.timedelta(days=60)


def test_work_lists_leave_out_households_without_consent_and_mark_those_whose_visitor_left(
    paired: Engine,
) -> None:
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H0'")
    left = START + dt.timedelta(days=10)
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V2'", d=left)
    today = START + dt.timedelta(days=70)
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=today)
        due = work_lists.work_list(s, "due", actor="test", today=START + dt.timedelta(days=50))
        v2 = work_lists.work_list(s, "overdue", actor="test", today=today, visitor="V2")
    listed = {r["household"] for r in overdue}
    assert "H0" not in listed
    # V2's pairings are still open: its households are the ones to re-pair, not to forget.
    status = {r["visitor"]: r["status"] for r in overdue}
    assert status == {"V1": "", "V2": f"visitor left on {left}"}
    assert {r["household"] for r in v2} == {r["household"] for r in due if r["visitor"] == "V2"}
    assert v2
    assert all(r["status"] == f"visitor left on {left}" for r in v2)


def test_work_lists_mark_the_households_of_a_visitor_not_yet_begun(paired: Engine) -> None:
    # V2's pairings began before V2 does: its households are overdue all the same, and
    # the coordinator must see that nobody will visit them before V2's first day.
    begins = START + dt.timedelta(days=100)
    _sql(paired, "UPDATE visitors SET active_from = :d WHERE external_id = 'V2'", d=begins)
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(
            s, "overdue", actor="test", today=START + dt.timedelta(days=70)
        )
    status = {r["visitor"]: r["status"] for r in overdue}
    assert status == {"V1": "", "V2": f"visitor starts on {begins}"}


def test_planned_visits_being_removed_do_not_block_their_visitor(paired: Engine) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    # H0 withdraws: its planned visits go, and its visitor's days are free again.
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H0'")
    with unit_of_work(paired) as s:
        built = planning.build_result(
            s.connection(), "R", planning.PlanSettings(start=START, months=6)
        )
    assert len(built.result.problem.leave.start) == 0


def test_a_second_plan_waits_for_the_first_then_replaces_its_visits(
    paired: Engine, db_url: str
) -> None:
    # Two plans at once (here of an area and one inside it) both used to replace the same
    # visits and write their own: every visit twice. The second now waits for the lock.
    settings = planning.PlanSettings(start=START)

    def plan_inner(engine: Engine) -> object:
        with unit_of_work(engine) as s:
            return planning.plan_area(s, "R-C", settings, actor="second", today=settings.start)

    second = Side(db_url, plan_inner)
    with unit_of_work(paired) as s:
        first = planning.plan_area(s, "R", settings, actor="first", today=settings.start)
        waited = second.waits()
    second.join(60)
    assert waited, f"the second plan did not wait for the first: {second.outcome}"
    assert second.outcome == "done"
    assert len(_visits(paired)) == first.visits
    _never_two_at_once(paired)


def test_work_lists_leave_out_visits_past_an_end_and_pairings_not_yet_begun(
    paired: Engine,
) -> None:
    with unit_of_work(paired) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    # H0's pairing ends on day 40, V2 stops on day 50 (after planning: their visits stay
    # stored until the area is planned again), and H1 will be paired again on day 300.
    _end_pairings(paired, "H0", _day(40))
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V2'", d=_day(50))
    _sql(
        paired,
        "INSERT INTO pairings (household_id, visitor_id, started_on) SELECT p.household_id, "
        "p.visitor_id, :d FROM pairings p JOIN households h ON h.id = p.household_id "
        "WHERE h.external_id = 'H1'",
        d=_day(300),
    )
    _sql(
        paired,
        "UPDATE pairings SET ended_on = :d WHERE started_on < :d AND household_id = "
        "(SELECT id FROM households WHERE external_id = 'H1')",
        d=_day(300),
    )
    with unit_of_work(paired) as s:
        upcoming = work_lists.work_list(s, "upcoming", actor="test", today=START, days=180)
        due = work_lists.work_list(s, "due", actor="test", today=_day(250), days=120)
    assert upcoming
    for r in upcoming:
        start = _d(r["start"])
        assert r["household"] != "H0" or start < _day(40), r
        assert r["visitor"] != "V2" or start <= _day(50), r
    # H1's new pairing is due 60 days after day 300, within the list's days, but it has
    # not begun on day 250: its visitor is not yet to visit.
    assert all(_d(r["started_on"]) <= _day(250) for r in due)


def _paired_since(engine: Engine, household: str, day: dt.date) -> None:
    """Date the household's pairings back to ``day``."""
    _sql(
        engine,
        "UPDATE pairings SET started_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = :h)",
        d=day,
        h=household,
    )


def _visitor_leaves(engine: Engine, household: str, day: dt.date) -> None:
    """Make ``day`` the last of the household's visitor."""
    _sql(
        engine,
        "UPDATE visitors SET active_to = :d WHERE id = (SELECT p.visitor_id FROM pairings p "
        "JOIN households h ON h.id = p.household_id WHERE h.external_id = :h)",
        d=day,
        h=household,
    )


def _hand_over(engine: Engine, household: str, day: dt.date) -> None:
    """End the household's pairing on ``day`` and pair it with the other visitor from then."""
    _sql(
        engine,
        "INSERT INTO pairings (household_id, visitor_id, started_on) "
        "SELECT p.household_id, (SELECT id FROM visitors WHERE id <> p.visitor_id LIMIT 1), :d "
        "FROM pairings p JOIN households h ON h.id = p.household_id "
        "WHERE h.external_id = :h AND p.ended_on IS NULL",
        d=day,
        h=household,
    )
    _sql(
        engine,
        "UPDATE pairings SET ended_on = :d WHERE started_on < :d AND ended_on IS NULL "
        "AND household_id = (SELECT id FROM households WHERE external_id = :h)",
        d=day,
        h=household,
    )


def test_work_lists_count_a_never_visited_household_from_its_first_pairing(
    paired: Engine,
) -> None:
    # H1, never visited, was handed to the other visitor on day 30: still due on day 60,
    # not 60 days after the handover. H2 went a day without a visitor: a new clock.
    _hand_over(paired, "H1", _day(30))
    _end_pairings(paired, "H2", _day(20))
    _sql(
        paired,
        "INSERT INTO pairings (household_id, visitor_id, started_on) SELECT h.id, "
        "(SELECT MIN(id) FROM visitors), :d FROM households h WHERE h.external_id = 'H2'",
        d=_day(21),
    )
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=_day(70))
    deadlines = {r["household"]: r["deadline"] for r in overdue}
    assert deadlines == {"H0": _day(60), "H1": _day(60), "H3": _day(60)}
    with unit_of_work(paired) as s:
        due = work_lists.work_list(s, "due", actor="test", today=_day(70), days=30)
    assert {r["household"]: r["deadline"] for r in due} == {"H2": _day(81)}


def test_the_plan_counts_a_never_visited_household_from_its_first_pairing(
    paired: Engine,
) -> None:
    # H1 was paired 100 days before the start and handed over 50 days before it, never
    # visited: overdue since day -40, so visited first and reported as overdue before
    # planning, as `visits overdue` lists it (not due on day 10 as if newly paired).
    _paired_since(paired, "H1", _day(-100))
    _hand_over(paired, "H1", _day(-50))
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
        overdue = work_lists.work_list(s, "overdue", actor="test", today=START)
    assert summary.reasons == {"overdue_before_planning": 1}
    assert [(r["household"], r["deadline"]) for r in overdue] == [("H1", _day(-40))]
    assert min(a for a, _ in _planned(paired, "H1")) == START


def test_work_lists_as_of_a_past_day_use_the_consent_in_force_that_day(
    paired: Engine, tmp_path: Path
) -> None:
    # H0 consented from 2026-01-02 and withdrew on day 50; H1's consent, once withdrawn,
    # was given again only on day 50. Both are due on day 60.
    for h, consent in (("H0", "withdrawn"), ("H1", "withdrawn"), ("H1", "given")):
        row = household(household_id=h, consent=consent, consent_date=str(_day(50)))
        if consent == "withdrawn" and h == "H1":
            row["consent_date"] = "2026-06-01"
        path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [row])
        run_import(paired, "households", path, today=_day(90))  # entered after every act
    with unit_of_work(paired) as s:
        before = work_lists.work_list(s, "due", actor="test", today=_day(49))
        after = work_lists.work_list(s, "due", actor="test", today=_day(50))
    assert sorted(r["household"] for r in before) == ["H0", "H2", "H3"]
    assert sorted(r["household"] for r in after) == ["H1", "H2", "H3"]


def test_work_lists_as_of_a_past_day_take_the_latest_act_by_its_date_not_by_when_it_came(
    paired: Engine, tmp_path: Path
) -> None:
    # H0 withdrew on day 40; a consent dated day 20 came in after that (a late form), then a
    # withdrawal dated day 70. On day 50 the act in force is the withdrawal of day 40.
    for consent, day in (("withdrawn", 40), ("given", 20), ("withdrawn", 70)):
        row = household(household_id="H0", consent=consent, consent_date=str(_day(day)))
        path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [row])
        run_import(paired, "households", path, today=_day(90))  # entered after every act
    with unit_of_work(paired) as s:
        day_30 = work_lists.work_list(s, "due", actor="test", today=_day(30), days=60)
        day_50 = work_lists.work_list(s, "due", actor="test", today=_day(50), days=60)
    assert "H0" in {r["household"] for r in day_30}
    assert "H0" not in {r["household"] for r in day_50}


@pytest.mark.parametrize("handover", [30, 58, 61, 64, 100, 118, 121, 124])
def test_a_household_handed_over_inside_the_horizon_never_waits_past_the_cadence(
    paired: Engine, handover: int
) -> None:
    # H1, never visited, passes to the other visitor on day 30 or 100. Whatever the seed,
    # its visits by either visitor are at most 60 days apart, from the start (when its
    # pairings began) to the horizon's end: the new visitor is due 60 days after the old
    # one's last planned visit, or after the start when there was none (as the work lists
    # say), not 60 days after the handover.
    _hand_over(paired, "H1", _day(handover))
    horizon_end = dt.date(2027, 7, 4)
    for seed in range(4):
        settings = planning.PlanSettings(start=START, months=6, seed=seed, keep_unaffected=False)
        with unit_of_work(paired) as s:
            summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
        assert summary.compliant_pairings == summary.pairings == 5
        points = [START, *(a for a, _ in _planned(paired, "H1")), horizon_end]
        gaps = [(b - a).days for a, b in itertools.pairwise(points)]
        assert max(gaps) <= 60, (seed, points)


def test_a_household_handed_over_after_a_recorded_visit_is_due_from_the_last_planned_one(
    paired: Engine,
) -> None:
    # H1 was visited five days before the start and passes to the other visitor on day
    # 100: its first visitor's planned visits keep the cadence until then, so the new one
    # is due 60 days after the last of them, not overdue since day 55 (the recorded visit
    # alone), and no pairing is reported late.
    _record(paired, "H1", "done", _day(-5), _day(-1))
    _hand_over(paired, "H1", _day(100))
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert summary.reasons == {}
    assert summary.compliant_pairings == summary.pairings == 5
    points = [_day(-5), *(a for a, _ in _planned(paired, "H1")), dt.date(2028, 1, 4)]
    assert max((b - a).days for a, b in itertools.pairwise(points)) <= 60, points


def test_visits_planned_for_a_pairing_ended_since_do_not_keep_its_visitor_busy(
    paired: Engine,
) -> None:
    # H1 is planned, then handed to the other visitor on day 20: its old visitor's planned
    # visits from then on will never be made (the next plan deletes them), so they must not
    # block that visitor's days like leave while the plan is made.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", planning.PlanSettings(start=START), actor="test", today=START)
    with paired.connect() as conn:
        old_visitor = conn.execute(
            text(
                "SELECT p.visitor_id FROM pairings p JOIN households h ON h.id = p.household_id "
                "WHERE h.external_id = 'H1'"
            )
        ).scalar_one()
    _hand_over(paired, "H1", _day(20))
    with paired.connect() as conn:
        stays = repo.stays_of(conn, [old_visitor], START)
        kept = conn.execute(
            text(
                "SELECT COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id "
                "WHERE h.external_id = 'H1' AND v.status = 'planned' AND v.planned_start >= :d"
            ),
            {"d": _day(20)},
        ).scalar_one()
    assert kept > 0  # still in the table until the next plan
    with paired.connect() as conn:
        h1 = conn.execute(text("SELECT id FROM households WHERE external_id = 'H1'")).scalar_one()
    after = stays.filter(pl.col("starts_on") >= _day(20))
    assert after.filter(pl.col("household_id") == h1).height == 0
    assert after.filter(pl.col("household_id") != h1).height > 0  # its other household's stay


@pytest.mark.parametrize("last_day", [97, 99, 101, 103])
def test_a_household_whose_visitor_leaves_is_visited_within_the_cadence_until_then(
    paired: Engine, last_day: int
) -> None:
    # H1's visitor leaves after day `last_day`; its stays must end by then, so the window
    # closes four days earlier, but H1 has that visitor until the end: its last visit must
    # be at most 60 days before the day after the visitor's last (measured to the window's
    # end, H1 could go 61-64 days and the plan still say compliant).
    _visitor_leaves(paired, "H1", _day(last_day))
    for seed in range(6):
        settings = planning.PlanSettings(start=START, months=6, seed=seed, keep_unaffected=False)
        with unit_of_work(paired) as s:
            summary = planning.plan_area(s, "R", settings, actor="test", today=settings.start)
        starts = [a for a, _ in _planned(paired, "H1")]
        gap = (_day(last_day + 1) - max(starts)).days
        assert gap <= 60 or summary.compliant_pairings < summary.pairings, (seed, starts)


def test_an_overdue_household_whose_visitor_leaves_before_a_stay_fits_is_reported(
    paired: Engine,
) -> None:
    # H1, paired since day -100 and never visited, is overdue; its visitor leaves on day 2,
    # before a 5-day stay fits: no visit can be planned, but the plan must say so rather
    # than leave the pairing out (its window closed before the start).
    _paired_since(paired, "H1", _day(-100))
    _visitor_leaves(paired, "H1", _day(1))
    with unit_of_work(paired) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START), actor="test", today=START
        )
    assert summary.reasons == {"overdue_before_planning": 1}
    assert summary.pairings == 4
    assert _planned(paired, "H1") == []


def test_a_visitor_planned_again_keeps_the_rows_of_visits_on_the_same_days(
    paired: Engine,
) -> None:
    # V1 leaves 12 days after the start and both its households are due by day 10; an
    # 8-day stay must be over by then, so one fits: one household gets no visit, which
    # makes V1 "affected" (a pairing with no planned visit) at every plan.
    with paired.begin() as conn:
        conn.execute(
            text("UPDATE visitors SET active_to = :d WHERE external_id = 'V1'"),
            {"d": START + dt.timedelta(days=12)},
        )
    policy = CadencePolicy(max_gap_days=10, stay_days=8)
    settings = planning.PlanSettings(start=START, months=2, policy=policy)

    def rows() -> list[tuple[str, ...]]:
        with paired.connect() as conn:
            found = conn.execute(
                text("SELECT id, household_id, planned_start, planned_end FROM visits ORDER BY id")
            ).all()
        return [tuple(map(str, r)) for r in found]

    def trail() -> tuple[int, int]:
        with paired.connect() as conn:
            return (
                conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one(),
                conn.execute(text("SELECT COUNT(*) FROM cancelled_visits")).scalar_one(),
            )

    with unit_of_work(paired) as s:
        first = planning.plan_area(s, "R", settings, actor="test", today=START)
    with paired.connect() as conn:
        visited = conn.execute(
            text("SELECT COUNT(DISTINCT pairing_id) FROM visits WHERE status = 'planned'")
        ).scalar_one()
    assert visited < first.pairings  # a pairing of V1 got no visit
    before, (events, cancelled) = rows(), trail()
    with unit_of_work(paired) as s:
        again = planning.plan_area(s, "R", settings, actor="test", today=START)
    assert (again.replaced, again.kept, again.visits) == (0, first.visits, first.visits)
    assert rows() == before  # the same rows, not copies under new ids
    # Nothing cancelled for the phones, nothing written to a household: the plan's own event.
    assert trail() == (events + 1, cancelled)


def test_open_pairings_left_out_of_a_plan_are_counted_by_why(paired: Engine) -> None:
    # V1 left the day before the start; V2 starts work after the six months planned.
    with paired.begin() as conn:
        conn.execute(
            text("UPDATE visitors SET active_to = :d WHERE external_id = 'V1'"),
            {"d": START - dt.timedelta(days=1)},
        )
        conn.execute(
            text("UPDATE visitors SET active_from = :d WHERE external_id = 'V2'"),
            {"d": START + dt.timedelta(days=400)},
        )
    settings = planning.PlanSettings(start=START, months=6)
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", settings, actor="test", today=START)
    assert summary.pairings == 0
    assert summary.not_planned == {"visitor gone": 2, "no active day": 2}


def test_the_first_reason_that_holds_is_the_one_counted() -> None:
    given = "given"
    pairs = pl.DataFrame(
        {
            "excluded": [1, 1, 0, 0, 0, 0],
            "consent_state": ["withdrawn", given, "withdrawn", given, given, given],
            "consent_on_start": [None, given, None, "withdrawn", given, given],
            "visitor_to": [START - dt.timedelta(days=1)] * 4 + [None, START],
        },
        schema_overrides={"visitor_to": pl.Date},
    )
    plannable = pl.Series([False, False, False, False, False, True])
    assert planning.not_planned(pairs, plannable, START) == {
        "pair excluded": 2,
        "no consent": 1,
        "visitor gone": 1,
        "no active day": 1,
    }
