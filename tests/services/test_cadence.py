"""The programme's cadence: set once, audited, and the default of the work lists, reports,
files and plans of the database, which a caller's own cadence still overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from doorstep.errors import InvalidInput
from doorstep.services import planning
from doorstep.services.cadence import Cadence, clock_starts, programme_cadence, set_cadence
from doorstep.services.household_file import household_file
from doorstep.services.planning_settings import area_settings
from doorstep.services.reporting import programme_report
from doorstep.services.visitor_file import visitor_file
from doorstep.services.work_lists import work_list
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.visits import START, plan_three

#: Three weeks after the pairings began (on START): no visit recorded yet.
TODAY = START + dt.timedelta(days=21)


def _set(engine: Engine, **days: int) -> tuple[Cadence, Cadence]:
    with unit_of_work(engine) as s:
        return set_cadence(s, actor="boss", today=TODAY, **days)  # type: ignore[arg-type]


def _now(engine: Engine) -> Cadence:
    with engine.connect() as conn:
        return programme_cadence(conn)


def test_the_cadence_is_the_default_until_set_then_what_was_set_audited(engine: Engine) -> None:
    assert _now(engine) == Cadence(60, 5)
    mark = last_event_id(engine)
    was, now = _set(engine, max_gap_days=30, stay_days=None)
    assert (was, now) == (Cadence(60, 5), Cadence(30, 5, TODAY, "boss"))
    assert trail(engine, mark) == [
        (
            "update",
            "programme",
            "cadence",
            {"max_gap_days": 30, "stay_days": 5, "was": {"max_gap_days": 60, "stay_days": 5}},
        )
    ]
    _, now = _set(engine, max_gap_days=None, stay_days=1)
    assert (now.max_gap_days, now.stay_days) == (30, 1)


@pytest.mark.parametrize(
    ("days", "said"),
    [
        ({"max_gap_days": None, "stay_days": None}, "nothing to set"),
        ({"max_gap_days": 0, "stay_days": None}, "max_gap_days must be from 1 to 3660"),
        ({"max_gap_days": None, "stay_days": 3661}, "stay_days must be from 1 to 3660"),
        ({"max_gap_days": 4, "stay_days": None}, "a stay of 5 days is longer than the 4 days"),
    ],
)
def test_a_cadence_that_cannot_be_is_refused_and_nothing_changes(
    engine: Engine, days: dict[str, int | None], said: str
) -> None:
    with pytest.raises(InvalidInput, match=said):
        _set(engine, **days)  # type: ignore[arg-type]
    assert _now(engine) == Cadence(60, 5)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path) -> Engine:
    """``plan_three``: H0-H2 with V1 from START, planned for four months."""
    plan_three(with_areas, tmp_path)
    return with_areas


def test_lists_files_and_reports_measure_deadlines_by_the_programme_s_cadence(
    planned: Engine,
) -> None:
    def deadlines() -> dict[str, dt.date]:
        with unit_of_work(planned) as s:
            rows = work_list(s, "due", actor="t", today=TODAY, days=366)
            rows += work_list(s, "overdue", actor="t", today=TODAY)
        return {r["household"]: r["deadline"] for r in rows}

    before = deadlines()
    assert set(before) == {"H0", "H1", "H2"}
    _set(planned, max_gap_days=14, stay_days=1)
    after = deadlines()
    # Each deadline comes 46 days sooner: 14 days after the same last visit, not 60.
    assert after == {h: d - dt.timedelta(days=46) for h, d in before.items()}
    late = sorted(h for h, d in after.items() if d < TODAY)
    assert late  # a household never visited was due 14 days after its pairing began
    with unit_of_work(planned) as s:
        assert [r["household"] for r in work_list(s, "overdue", actor="t", today=TODAY)] == late
        # A caller's own cadence still wins.
        own = work_list(s, "due", actor="t", today=TODAY, days=366, max_gap_days=60)
        assert {r["household"]: r["deadline"] for r in own} == before
        file = household_file(s, "H0", actor="t", today=TODAY)
        assert file["max_gap_days"] == 14 and file["cadence"][0]["deadline"] == after["H0"]
        theirs = visitor_file(s, "V1", actor="t", today=TODAY)
        assert {r["household"]: r["deadline"] for r in theirs["households"]} == after
        report = programme_report(s, actor="t", today=TODAY, area="R")
    assert (report.max_gap_days, report.total.overdue) == (14, len(late))


def test_a_plan_of_the_database_takes_the_programme_s_cadence(planned: Engine) -> None:
    _set(planned, max_gap_days=30, stay_days=1)
    cadence = _now(planned)
    settings = area_settings(start=TODAY, today=TODAY, months=3, cadence=cadence)
    assert (settings.policy.max_gap_days, settings.policy.stay_days) == (30, 1)
    own = area_settings(start=TODAY, today=TODAY, cadence=cadence, max_gap_days=45)
    assert (own.policy.max_gap_days, own.policy.stay_days) == (45, 1)
    with unit_of_work(planned) as s:
        planning.plan_area(s, "R", settings, actor="t", today=TODAY)
    with planned.connect() as conn:
        from sqlalchemy import text

        stays = (
            conn.execute(
                text(
                    "SELECT DISTINCT planned_end - planned_start FROM visits "
                    "WHERE status = 'planned' AND planned_start >= :d"
                ),
                {"d": TODAY},
            )
            .scalars()
            .all()
        )
    # Day visits: each planned stay begins and ends on one day (SQLite subtracts the years).
    assert [int(d.days) if isinstance(d, dt.timedelta) else int(d) for d in stays] == [0]


def _d(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def test_a_household_handed_over_keeps_its_clock_until_a_day_without_a_pairing() -> None:
    pairings = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "household_id": [7, 7, 7, 7, 8, 8],
            # 7: handed over on day 10 (ended that day), then ended on day 20 and paired
            # again on day 21, then a second visitor alongside from day 25. 8: listed out
            # of order, ended on day 3 and paired again the same day.
            "started_on": [_d(0), _d(10), _d(21), _d(25), _d(3), _d(-5)],
            "ended_on": [_d(10), _d(20), None, None, None, _d(3)],
        }
    )
    clocks = dict(clock_starts(pairings).iter_rows())
    assert clocks == {1: _d(0), 2: _d(0), 3: _d(21), 4: _d(21), 5: _d(-5), 6: _d(-5)}
