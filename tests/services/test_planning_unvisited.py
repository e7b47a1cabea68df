"""A re-plan from the same day keeps the visits of a visitor whose pairing the last plan
left without a visit: that pairing is settled, not new. A pairing committed since, or
one whose days changed, is new, and its visitor is planned again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import household_rights, planning, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday
LEAVES = START + dt.timedelta(days=30)  # V0's last day
# Two plans from START; the second's seed spreads first visits otherwise, so a visitor it
# plans again gets other days (as a visitor planned alone, with everyone else's visits
# kept, does in a county).
FIRST = planning.PlanSettings(start=START, months=6, seed=2)
SECOND = dataclasses.replace(FIRST, seed=3)


def _programme(engine: Engine, tmp_path: Path) -> Engine:
    """V0 (leaving on day 30) and V1 look after two households each from START, and V0
    takes over HX (in the other village) two days before leaving: no stay fits, so every
    plan leaves that pairing without a visit."""
    vv = [
        visitor(visitor_id="V0", lat=26.58, lon=107.97, capacity=5, active_to=LEAVES.isoformat()),
        visitor(visitor_id="V1", lat=26.58, lon=107.97, capacity=5),
    ]
    hh = [
        household(household_id=f"H{v}_{j}", lat=26.58 + j / 10_000) for v in (0, 1) for j in (0, 1)
    ]
    hh.append(household(household_id="HX", area_code="R-C-V2"))
    hh.append(household(household_id="HN"))  # paired later, if at all
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    for h in ("H0_0", "H0_1"):
        _pair(engine, h, "V0", START)
    for h in ("H1_0", "H1_1"):
        _pair(engine, h, "V1", START)
    _pair(engine, "HX", "V0", LEAVES - dt.timedelta(days=2))
    return engine


def _pair(engine: Engine, household_id: str, visitor_id: str, day: dt.date) -> None:
    """A pairing, as a commit writes it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :day FROM households h, visitors v "
                "WHERE h.external_id = :h AND v.external_id = :v"
            ),
            {"h": household_id, "v": visitor_id, "day": day},
        )


def _planned(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, h.external_id, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN visitors v ON v.id = vi.visitor_id "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned' "
                "ORDER BY 1, 2, 3"
            )
        ).all()
    return [(v, h, str(a)[:10], str(z)[:10]) for v, h, a, z in rows]


def _plan(engine: Engine, settings: planning.PlanSettings, area: str = "R") -> planning.PlanSummary:
    with unit_of_work(engine) as s:
        return planning.plan_area(s, area, settings, actor="test", today=START)


def _dropped(engine: Engine, settings: planning.PlanSettings, area: str = "R") -> list[int]:
    """The planned visits a plan with ``settings`` would plan again, or drop."""
    with unit_of_work(engine) as s:
        return planning.build_result(s.connection(), area, settings).dropped_visits


def _visits_of(engine: Engine, visitor_id: str) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT vi.id FROM visits vi JOIN visitors v ON v.id = vi.visitor_id "
                    "WHERE v.external_id = :v AND vi.status = 'planned' ORDER BY vi.id"
                ),
                {"v": visitor_id},
            ).scalars()
        )


def _unvisited(engine: Engine) -> set[tuple[str, str, str]]:
    """Household, visitor and plan day of each pairing a plan left without a visit."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, u.planned_from "
                "FROM unvisited_pairings u JOIN pairings p ON p.id = u.pairing_id "
                "JOIN households h ON h.id = p.household_id JOIN visitors v ON v.id = u.visitor_id"
            )
        ).all()
    return {(h, v, str(d)[:10]) for h, v, d in rows}


def _left_unvisited(engine: Engine) -> set[tuple[str, str, str]]:
    """What ``_unvisited`` should hold after a plan from START: each pairing without a
    planned visit."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id FROM pairings p "
                "JOIN households h ON h.id = p.household_id JOIN visitors v ON v.id = p.visitor_id "
                "WHERE NOT EXISTS (SELECT 1 FROM visits vi WHERE vi.pairing_id = p.id "
                "AND vi.status = 'planned')"
            )
        ).all()
    return {(h, v, str(START)) for h, v in rows}


def test_a_re_plan_from_the_same_day_moves_no_visit_of_a_visitor_with_a_pairing_left_unvisited(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    first = _plan(engine, FIRST)
    before = _planned(engine)
    # V0 has room for one stay before leaving; HX's pairing (and another) gets none.
    assert "V0" in {v for v, *_ in before}
    assert "HX" not in {h for _, h, *_ in before}
    # Before migration 0016 a pairing with no visit was new at every re-plan, and V0
    # was planned again alone: here, with the other seed, its stay moved 8 days.
    assert _dropped(engine, SECOND) == []
    again = _plan(engine, SECOND)
    assert (again.replaced, again.kept, again.visits) == (0, first.visits, first.visits)
    assert _planned(engine) == before


def test_a_plan_records_the_pairings_it_left_without_a_visit(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    rows = _unvisited(engine)
    assert ("HX", "V0", str(START)) in rows
    assert rows == _left_unvisited(engine)
    # Planned again from the same day, nothing changes; from a later day, the rows say so.
    _plan(engine, SECOND)
    assert _unvisited(engine) == rows
    later = dataclasses.replace(FIRST, start=START + dt.timedelta(days=1))
    _plan(engine, later)
    assert ("HX", "V0", str(later.start)) in _unvisited(engine)


def test_a_pairing_committed_between_two_plans_of_the_same_day_is_planned(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    v0 = _planned(engine)
    _pair(engine, "HN", "V1", START)
    # HN's pairing has no visit, as HX's has, but no plan saw it: it is new, and V1 is
    # planned again with it; V0 is not.
    assert sorted(_dropped(engine, SECOND)) == _visits_of(engine, "V1")
    _plan(engine, SECOND)
    after = _planned(engine)
    assert [x for x in after if x[0] == "V0"] == [x for x in v0 if x[0] == "V0"]
    assert [x for x in after if x[1] == "HN"]
    assert ("HN", "V1", str(START)) not in _unvisited(engine)


def test_a_plan_from_another_day_or_over_changed_days_plans_the_visitor_again(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    v0 = _visits_of(engine, "V0")
    assert v0
    later = dataclasses.replace(SECOND, start=START + dt.timedelta(days=1))
    assert set(v0) <= set(_dropped(engine, later))
    # V0 stays on: HX's pairing has other days, and room for a stay now.
    with engine.begin() as conn:
        conn.execute(text("UPDATE visitors SET active_to = NULL WHERE external_id = 'V0'"))
    assert set(v0) <= set(_dropped(engine, SECOND))
    _plan(engine, SECOND)
    assert [x for x in _planned(engine) if x[1] == "HX"]


def test_a_re_plan_from_the_same_day_over_a_longer_horizon_plans_the_visitor_again(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    # HN's pairing begins 20 days in: a month's plan leaves it without a visit (it is not
    # due before its horizon ends), over six months it is due inside the horizon.
    _pair(engine, "HN", "V1", START + dt.timedelta(days=20))
    short = dataclasses.replace(FIRST, months=1)
    _plan(engine, short)
    assert ("HN", "V1", str(START)) in _unvisited(engine)
    v1 = _visits_of(engine, "V1")
    assert v1
    # That plan never saw the days on which HN's visit fits: the pairing is new to a plan
    # from the same day over six months, and V1 is planned again with it, as a whole.
    assert set(v1) <= set(_dropped(engine, SECOND))
    _plan(engine, SECOND)
    assert [x for x in _planned(engine) if x[1] == "HN"]
    assert ("HN", "V1", str(START)) not in _unvisited(engine)


def test_a_re_plan_from_the_same_day_over_a_horizon_no_longer_keeps_the_pairing_settled(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    v0 = _visits_of(engine, "V0")
    assert v0
    # HX's pairing got no visit over six months, so none fits over three either; V0's
    # visits stay (those after the shorter horizon go, whoever's they are).
    shorter = dataclasses.replace(SECOND, months=3)
    assert not set(v0) & set(_dropped(engine, shorter))
    _plan(engine, shorter)
    assert _visits_of(engine, "V0") == v0
    assert ("HX", "V0", str(START)) in _unvisited(engine)


def test_a_village_plan_replaces_only_its_own_pairings_rows(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    rows = _unvisited(engine)
    # Village one's plan (HX is in village two) keeps V0's visit and HX's row.
    assert _dropped(engine, SECOND, "R-C-V1") == []
    _plan(engine, SECOND, "R-C-V1")
    assert _unvisited(engine) == rows
    assert _dropped(engine, SECOND) == []


def test_the_rows_are_in_the_exports_and_go_with_the_household_or_the_visitor(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = _programme(with_areas, tmp_path)
    _plan(engine, FIRST)
    rows = _unvisited(engine)
    with unit_of_work(engine) as s:
        household = household_rights.export_household(s, "HX", actor="test")["records"]
        visitor = visitor_rights.export_visitor(s, "V0", actor="test")["records"]
    assert [r["planned_from"] for r in household["unvisited_pairings"]] == [str(START)]
    assert len(visitor["unvisited_pairings"]) == sum(r[1] == "V0" for r in rows)
    today = LEAVES + dt.timedelta(days=10)
    with unit_of_work(engine) as s:
        household_rights.erase_household(s, "HX", actor="test", today=today)
    assert _unvisited(engine) == {r for r in rows if r[0] != "HX"}
    assert any(r[1] == "V0" for r in _unvisited(engine))
    with engine.begin() as conn:  # V0 left: their households were handed over
        conn.execute(
            text(
                "UPDATE pairings SET ended_on = :d "
                "WHERE visitor_id = (SELECT id FROM visitors WHERE external_id = 'V0')"
            ),
            {"d": LEAVES + dt.timedelta(days=1)},
        )
    with unit_of_work(engine) as s:
        visitor_rights.erase_visitor(s, "V0", actor="test", today=today)
    assert _unvisited(engine) == {r for r in rows if r[1] != "V0"}
