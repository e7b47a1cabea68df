"""The list of planned visits over and neither recorded nor marked missed (``unrecorded``):
what a coordinator chases, on the plan of :func:`tests.factories.visits.plan_three`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.services import work_lists
from doorstep.services.visit_records import MadeVisit, mark_missed, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import plan_three

TODAY = dt.date(2027, 3, 1)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """:func:`plan_three` over ``with_areas`` (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _list(engine: Engine, days: int = 60, **scope: Any) -> list[tuple[str, dt.date]]:
    with unit_of_work(engine) as s:
        rows = work_lists.work_list(s, "unrecorded", actor="test", today=TODAY, days=days, **scope)
    return [(r["household"], r["start"]) for r in rows]


def _planned(engine: Engine) -> list[tuple[str, dt.date, dt.date]]:
    """Every planned visit: household, first and last planned day."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.planned_start, vi.planned_end FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned'"
            )
        ).all()
    return [
        (str(h), dt.date.fromisoformat(str(a)[:10]), dt.date.fromisoformat(str(z)[:10]))
        for h, a, z in rows
    ]


def test_it_lists_the_visits_planned_over_and_not_recorded_oldest_first(
    planned: Engine,
) -> None:
    since = TODAY - dt.timedelta(days=60)
    expected = sorted((a, h) for h, a, z in _planned(planned) if since <= a and z < TODAY)
    assert expected, "the plan has visits over by TODAY"
    listed = _list(planned)
    assert [(a, h) for h, a in listed] == expected
    # Fewer days, fewer visits: only those begun within them.
    assert _list(planned, days=10) == [
        (h, a) for h, a in listed if a >= TODAY - dt.timedelta(days=10)
    ]


def test_a_visit_recorded_or_marked_missed_leaves_it(planned: Engine) -> None:
    listed = _list(planned)
    (h1, d1), (h2, d2) = listed[0], listed[1]
    with unit_of_work(planned) as s:
        record_visit(s, MadeVisit(h1, "V1", d1), actor="test", today=TODAY)
        mark_missed(s, h2, "V1", d2, actor="test", today=TODAY)
    assert _list(planned) == listed[2:]


def test_it_keeps_to_its_scope_and_is_read_in_the_trail(planned: Engine) -> None:
    assert _list(planned, visitor="V2") == []
    listed = _list(planned, area="R-C-V1")
    assert listed == _list(planned)
    with planned.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity = 'visits' ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert "unrecorded" in str(detail)
    assert "max_gap_days" not in str(detail)
