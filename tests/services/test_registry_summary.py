"""`doorstep stats` counts the visitors active on the day, and their capacity, apart from
those who left or have not started: a manager reads the capacity as places to use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import NotFound
from doorstep.services.registry import programme_summary
from doorstep.storage.session import unit_of_work
from tests.factories.report import TODAY as DAY
from tests.factories.report import small_programme
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


def test_an_area_counts_its_subtree_only(engine: Engine, tmp_path: Path) -> None:
    small_programme(engine, tmp_path)
    with unit_of_work(engine) as s:
        village = programme_summary(s, actor="test", today=DAY, area="R-C-V2")
        county = programme_summary(s, actor="test", today=DAY, area="R-C")
        everything = programme_summary(s, actor="test", today=DAY)
    assert village.totals == {
        "areas": 1,
        "organisations": 0,
        "teams": 0,
        "visitors": 1,  # V2 lives there; V1 in village one
        "capacity": 1,
        "visitors_inactive": 0,
        "households": 2,
        "consenting": 1,
        "members": 8,
        "active_pairings": 1,
    }
    assert [(lv.level, lv.areas, lv.households) for lv in village.levels] == [("village", 1, 2)]
    assert county.totals["areas"] == 3
    # JOBS, an organisation of no area, counts in the whole programme only.
    assert county.totals | {"areas": 4, "organisations": 1} == everything.totals
    assert [lv.level for lv in county.levels] == ["county", "village"]


def test_an_unknown_area_is_not_found(engine: Engine, tmp_path: Path) -> None:
    tree(engine, tmp_path)
    with unit_of_work(engine) as s, pytest.raises(NotFound, match="no area with code 'NOPE'"):
        programme_summary(s, actor="test", today=TODAY, area="NOPE")
