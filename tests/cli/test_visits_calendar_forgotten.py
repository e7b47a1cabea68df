"""A plan forgets a cancelled event (``cancelled_visits``, ``erased_visit_events``) only once
no calendar drawn from the day it is made still sends it: over before that day, and before
the plan's start. A phone keeps an event until it gets it back cancelled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from doorstep.engine.planning import CadencePolicy
from doorstep.services import household_rights, planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke, calendar_of
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import PLAN_START, START, plan_three

LATER = START + dt.timedelta(weeks=6)


def _plan(engine: Engine, start: dt.date, today: dt.date, *, gap: int = 60) -> None:
    """Plan every visit of V1 again from ``start`` on ``today``."""
    settings = planning.PlanSettings(
        start=start, months=4, policy=CadencePolicy(max_gap_days=gap), keep_unaffected=False
    )
    with unit_of_work(engine) as s:
        planning.plan_area(s, "R", settings, actor="test", today=today)


def _cancelled_before(
    cli: Invoke, path: Path, since: dt.date, day: dt.date
) -> dict[str, tuple[dt.date, dt.date]]:
    """The days of V1's cancelled events from ``since`` that end before ``day`` (their
    ``SEQUENCE`` rises with each plan: it writes to their households)."""
    events = calendar_of(cli, "V1", path, since)
    return {u: (a, z) for u, (s, a, z, *_) in events.items() if s == "CANCELLED" and z < day}


def test_a_plan_from_a_later_day_keeps_the_cancelled_events_a_calendar_drawn_today_sends(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    # Today is START: a re-plan moved visits (cancelled, in ``cancelled_visits``) and H2 is
    # erased (its events in ``erased_visit_events``), some of both ending before LATER.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    _plan(with_areas, START, START, gap=30)
    shown = calendar_of(cli, "V1", tmp_path / "0.ics", START)
    h2 = {u for u, e in shown.items() if e[4].endswith(" H2")}
    with unit_of_work(with_areas) as s:
        household_rights.erase_household(s, "H2", actor="test", today=START)
    sent = _cancelled_before(cli, tmp_path / "1.ics", START, LATER)
    assert set(sent) - h2 and set(sent) & h2  # of both tables
    # Planned today from LATER on: a calendar drawn today still sends every one of them.
    _plan(with_areas, LATER, START)
    assert _cancelled_before(cli, tmp_path / "2.ics", START, LATER) == sent
    # Planned once they are over: forgotten, no calendar from then sends them.
    _plan(with_areas, LATER, LATER)
    assert not set(sent) & set(calendar_of(cli, "V1", tmp_path / "3.ics", START))


def test_a_plan_from_a_day_before_today_keeps_what_it_cancels_from_its_start(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    # Only a caller of the service plans from a past day: what that plan cancels over
    # before today is still sent to a calendar drawn from its start.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    _plan(with_areas, START, LATER, gap=30)
    assert _cancelled_before(cli, tmp_path / "1.ics", START, LATER)


def test_plan_area_from_a_later_start_keeps_what_ends_before_it(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # `doorstep plan --area` forgets by the machine's day, which is PLAN_START or earlier:
    # nothing that ends from PLAN_START on is forgotten, whenever the test runs.
    start = dt.date.fromisoformat(PLAN_START)
    later = start + dt.timedelta(weeks=6)
    plan_three(with_areas, tmp_path, start=start)
    _plan(with_areas, start, start, gap=30)
    sent = _cancelled_before(cli, tmp_path / "1.ics", start, later)
    assert sent
    result = cli("plan", "--area", "R", "--start", str(later), "--quiet")
    assert result.exit_code == 0, result.output
    assert _cancelled_before(cli, tmp_path / "2.ics", start, later) == sent
