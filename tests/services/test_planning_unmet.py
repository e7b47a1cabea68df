"""The pairings a plan of an area leaves short of their cadence, and the read of that list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from doorstep.errors import DoorstepError, InvalidInput
from doorstep.services import planning, planning_unmet
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.visits import on_leave, two_by_two

START = dt.date(2027, 1, 4)  # a Monday
SETTINGS = planning.PlanSettings(start=START, months=3)


@pytest.fixture
def v1_away(with_areas: Engine, tmp_path: Path) -> Engine:
    """H0, H1 with V1, who is on leave for the first 80 days of the horizon (the cadence is
    60); H2, H3 with V2, who is not."""
    two_by_two(with_areas, tmp_path, start=START)
    on_leave(with_areas, "V1", START, START + dt.timedelta(days=79))
    return with_areas


def test_the_summary_lists_exactly_the_pairings_whose_cadence_is_not_met(
    v1_away: Engine,
) -> None:
    with unit_of_work(v1_away) as s:
        summary = planning.plan_area(s, "R", SETTINGS, actor="test", today=START)
    unmet = summary.unmet
    assert unmet.columns == [*planning_unmet.SCHEMA, *planning_unmet.KEYS]
    assert unmet.select("household_id", "visitor_id").rows() == [("H0", "V1"), ("H1", "V1")]
    assert summary.pairings - summary.compliant_pairings == unmet.height == 2
    # What the summary counts by reason is what the list holds.
    assert dict(unmet["reason"].value_counts().iter_rows()) == summary.reasons
    assert set(unmet["reason"]) == {"leave"}
    assert (unmet["longest_gap_days"] > 60).all()
    assert (unmet["gap_from"] < unmet["gap_to"]).all()
    assert (unmet["failed_rules"] != "").all()


def test_reading_the_list_names_each_household_and_visitor_on_it_once(
    v1_away: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "unmet.csv"
    with unit_of_work(v1_away) as s:
        summary = planning.plan_area(s, "R", SETTINGS, actor="test", today=START)
    after = last_event_id(v1_away)
    with unit_of_work(v1_away) as s:
        pending = planning_unmet.read_unmet(
            s, summary.unmet, path, actor="test", area="R", start=START.isoformat()
        )
    named = {"list": "compliance", "file": "unmet.csv"}
    assert trail(v1_away, after) == [
        (
            "read",
            "visits",
            None,
            {**named, "area": "R", "start": START.isoformat(), "rows": 2},
        ),
        ("read", "household", "H0", named),
        ("read", "household", "H1", named),
        ("read", "visitor", "V1", named),
    ]
    assert not path.exists()  # written only when asked, after the commit
    assert pending.write() == 2
    written = pl.read_csv(path, infer_schema_length=0)
    assert written.columns == list(planning_unmet.SCHEMA)
    assert written["household_id"].to_list() == ["H0", "H1"]


def test_a_plan_that_meets_every_cadence_lists_no_one_and_writes_a_header(
    with_areas: Engine, tmp_path: Path
) -> None:
    two_by_two(with_areas, tmp_path, start=START)
    path = tmp_path / "unmet.parquet"
    with unit_of_work(with_areas) as s:
        summary = planning.plan_area(s, "R", SETTINGS, actor="test", today=START)
    after = last_event_id(with_areas)
    with unit_of_work(with_areas) as s:
        pending = planning_unmet.read_unmet(
            s, summary.unmet, path, actor="test", area="R", start=START.isoformat()
        )
    assert summary.unmet.height == 0
    events = trail(with_areas, after)
    assert [(a, e) for a, e, _, _ in events] == [("read", "visits")]  # someone looked
    assert events[0][3]["rows"] == 0
    assert pending.write() == 0
    assert pl.read_parquet(path).schema == pl.Schema(planning_unmet.SCHEMA)


def test_only_the_table_types_export_writes_are_taken() -> None:
    for name in ("unmet.csv", "unmet.XLSX", "unmet.parquet"):
        planning_unmet.check_unmet_file(Path(name))
    for name in ("unmet.txt", "unmet"):
        with pytest.raises(InvalidInput, match=r"use a \.csv, \.xlsx or \.parquet file"):
            planning_unmet.check_unmet_file(Path(name))


def test_a_list_too_long_for_a_sheet_says_the_plan_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning_unmet, "XLSX_MAX_ROWS", 2)
    frame = pl.DataFrame({"household_id": ["H0", "H1"]}, schema={"household_id": pl.String})
    with pytest.raises(DoorstepError, match="the plan is stored") as raised:
        planning_unmet.PendingUnmet(tmp_path / "unmet.xlsx", frame).write()
    assert "give a .csv or .parquet file" in raised.value.message
    assert not (tmp_path / "unmet.xlsx").exists()
