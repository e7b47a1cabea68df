"""Leave imported over a stay under way: the visitor is away, so the stay ends the day before
the leave begins (or, begun on or after it, is not kept at all) and the household's cadence
is planned around what is left of it."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import calendars, planning
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.services.test_planning import (
    _by_visitor,
    _d,
    _planned,
    paired,  # noqa: F401 - the fixture
)
from tests.services.test_planning_replan import SIX_MONTHS, _cancelled, _stays

GAP = dt.timedelta(days=60)


def _leave(engine: Engine, tmp_path: Path, first: dt.date, last: dt.date) -> None:
    path = write_csv(
        tmp_path / "l.csv", ["visitor_id", "starts_on", "ends_on"], [["V1", first, last]]
    )
    run_import(engine, "leave", path, today=first)


def _trail(engine: Engine, household: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = :h ORDER BY id"),
            {"h": household},
        ).scalars()
        return [r if isinstance(r, dict) else json.loads(r) for r in rows]


@pytest.mark.parametrize("leave_from", [3, 0])
def test_leave_over_a_stay_under_way_cuts_it_short_and_plans_its_household_around_it(
    paired: Engine,  # noqa: F811
    tmp_path: Path,
    leave_from: int,
) -> None:
    # V1's first stay (first..last, five days) is under way on its second day when leave
    # from its fourth day (two days of it kept), or from its first day (nothing kept), is
    # imported and the area planned again. V1 is away: the stay ends the day before the
    # leave, or goes as a stay its visitor did not make (cancelled); nothing of V1's
    # overlaps the leave, and the household is visited again in time after it.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", SIX_MONTHS, actor="test", today=SIX_MONTHS.start)
    h, a, z = _by_visitor(paired)["V1"][0]
    first, last = _d(a), _d(z)
    off = first + dt.timedelta(days=leave_from)
    back = off + dt.timedelta(days=14)
    _leave(paired, tmp_path, off, back)
    today = first + dt.timedelta(days=1)
    again = planning.PlanSettings(start=today, months=6)
    with unit_of_work(paired) as s:
        summary = planning.plan_area(s, "R", again, actor="test", today=again.start)
    stays = _stays(paired, "V1")
    assert (first, last) not in stays
    assert all(z < a for (_, z), (a, _) in itertools.pairwise(stays))
    assert all(z < off or a > back for a, z in stays)
    mine = _planned(paired, h)
    if leave_from:
        cut = (first, off - dt.timedelta(days=1))
        assert mine[0] == cut
        # The stay is the household's last visit: the next is due within the gap of it.
        assert back < mine[1][0] <= first + GAP
        ended = [d for d in _trail(paired, h) if d.get("was_end") == str(last)]
        assert [(d["start"], d["end"]) for d in ended] == [(str(first), str(cut[1]))]
        # The visitor's calendar shows the stay with its new last day.
        with unit_of_work(paired) as s:
            events = calendars.calendar_events(s, "V1", actor="test", since=today)
        assert (h, *cut) in [e[:3] for e in events.planned]
    else:
        assert (h, first) in _cancelled(paired)
        # Not visited at all: it is visited as soon as V1 is back.
        assert back < mine[0][0] <= back + dt.timedelta(days=7)
    assert summary.compliant_pairings == summary.pairings
    # Planned again with nothing changed, the plan stands.
    with unit_of_work(paired) as s:
        planning.plan_area(s, "R", again, actor="test", today=again.start)
    assert _stays(paired, "V1") == stays
