"""`doorstep stats` counts the visitors active on the day, and their capacity, apart from
those who left or have not started: a manager reads the capacity as places to use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from doorstep.services.registry import programme_summary
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import add, tree, worker

TODAY = dt.date(2026, 6, 1)


def test_visitors_who_left_or_have_not_started_are_not_counted_as_capacity(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNOW", capacity=3, active_to=str(TODAY)),  # its last day
        worker(visitor_id="VLEFT", capacity=5, active_to=str(TODAY - dt.timedelta(days=1))),
        worker(visitor_id="VSOON", capacity=7, active_from=str(TODAY + dt.timedelta(days=1))),
        worker(visitor_id="VOPEN", capacity=2),
    ]
    add(engine, tmp_path, "visitors", vv)
    with unit_of_work(engine) as s:
        summary = programme_summary(s, actor="test", today=TODAY)
    t = summary.totals
    assert (t["visitors"], t["capacity"], t["visitors_inactive"]) == (2, 5, 2)
    assert sum(lv.visitors for lv in summary.levels) == 2
