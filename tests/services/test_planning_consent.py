"""The area plan takes a household's consent as of its start, as the work lists take it as of
their day."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import calendars, planning
from doorstep.services.cancel_reasons import CONSENT_ENDS
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.services.test_planning import (
    _by_visitor,
    _d,
    _planned,
    paired,  # noqa: F401 - the fixture
)
from tests.services.test_planning_leave import _trail
from tests.services.test_planning_replan import SIX_MONTHS, _stays

START = dt.date(2027, 1, 4)  # a Monday


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _planned_days(engine: Engine) -> dict[str, list[tuple[dt.date, dt.date]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.planned_start, vi.planned_end FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned' "
                "ORDER BY vi.planned_start"
            )
        ).all()
    days: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for household_id, first, last in rows:
        days.setdefault(household_id, []).append(
            (dt.date.fromisoformat(str(first)), dt.date.fromisoformat(str(last)))
        )
    return days


def test_the_plan_follows_a_consent_that_begins_or_ends_inside_its_horizon(
    with_areas: Engine, tmp_path: Path
) -> None:
    # H0 consents throughout. H1, pending before, consents from day 30 only. H2 consented,
    # and withdraws from day 30 on.
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    acts = [
        [household(household_id=h, lat=26.58 + i / 1000) for i, h in enumerate(("H0", "H1", "H2"))],
        [household(household_id="H1", consent="pending", consent_date="2026-12-01")],
        [household(household_id="H1", consent="given", consent_date=str(_day(30)))],
        [household(household_id="H2", consent="withdrawn", consent_date=str(_day(30)))],
    ]
    for i, rows in enumerate(acts):  # the acts of day 30 entered on that day
        path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
        run_import(with_areas, "households", path, today=_day(30) if i > 1 else None)
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :d FROM households h, visitors v"
            ),
            {"d": START},
        )
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=4), actor="test", today=START
        )
    assert summary.pairings == 3
    days = _planned_days(with_areas)
    assert set(days) == {"H0", "H1", "H2"}
    # H1 is visited only once its consent is in force, and within a gap of that day.
    assert min(first for first, _ in days["H1"]) >= _day(30)
    gap = planning.PlanSettings(start=START).policy.max_gap_days
    assert min(first for first, _ in days["H1"]) <= _day(30 + gap)
    # H2 is visited while it consents, and no stay of its runs into its withdrawal.
    assert days["H2"]
    assert max(last for _, last in days["H2"]) < _day(30)
    # Planned again from day 30, H2 gets nothing from then on; H1 keeps its visits.
    with unit_of_work(with_areas) as s:
        later = planning.plan_area(
            s, "R", planning.PlanSettings(start=_day(30), months=4), actor="test", today=_day(30)
        )
    assert later.pairings == 2
    after = _planned_days(with_areas)
    assert {h for h, stays in after.items() if max(first for first, _ in stays) >= _day(30)} == {
        "H0",
        "H1",
    }
    assert after["H2"] == days["H2"]


def test_a_withdrawal_dated_inside_a_stay_under_way_ends_the_stay_the_day_before(
    paired: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    # H's first stay (five days) is under way on its second day. H's withdrawal, dated its
    # fourth day, is entered that day and the area planned again from the second (a plan
    # from a past day): the stay keeps its first three days, says why in H's trail, and H
    # gets no visit from the withdrawal on.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", SIX_MONTHS, actor="test", today=SIX_MONTHS.start)
    h, a, z = _by_visitor(paired)["V1"][0]
    first, last = _d(a), _d(z)
    off = first + dt.timedelta(days=3)
    today = first + dt.timedelta(days=1)
    row = household(
        household_id=h,
        lat=26.58 + int(h[1:]) / 1000,
        lon=107.98,
        consent="withdrawn",
        consent_date=str(off),
    )
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [row])
    run_import(paired, "households", path, today=off)
    again = planning.PlanSettings(start=today, months=6)
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", again, actor="test", today=off)
    cut = (first, off - dt.timedelta(days=1))
    assert _planned(paired, h) == [cut]
    ended = [d for d in _trail(paired, h) if d.get("was_end") == str(last)]
    assert [(d["start"], d["end"], d["reason"]) for d in ended] == [
        (str(first), str(cut[1]), CONSENT_ENDS)
    ]
    # The withdrawal took H off its visitor's calendar, the stay's first days too.
    with unit_of_work(paired) as s:
        events = calendars.calendar_events(s, "V1", actor="test", since=first)
    assert h not in {e[0] for e in events.planned}
    # V1 is free from the withdrawal on: its other household is not held up by the stay.
    assert all(z < a for (_, z), (a, _) in itertools.pairwise(_stays(paired, "V1")))
    # Planned again with nothing changed, the plan stands.
    stays = _stays(paired, "V1")
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", again, actor="test", today=off)
    assert _stays(paired, "V1") == stays
