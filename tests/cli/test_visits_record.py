"""`doorstep visits record` and `visits missed` at the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing, planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)


def _planned(engine: Engine, tmp_path: Path) -> None:
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(3)]
    vv = [visitor(visitor_id="V1", capacity=3)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
        planning.plan_area(s, "R", planning.PlanSettings(start=START, months=4), actor="test")


def _first_planned(engine: Engine, household_id: str) -> str:
    with engine.connect() as conn:
        day = conn.execute(
            text(
                "SELECT MIN(planned_start) FROM visits vi JOIN households h "
                "ON h.id = vi.household_id WHERE h.external_id = :h AND vi.status = 'planned'"
            ),
            {"h": household_id},
        ).scalar_one()
    return str(day)[:10]


def test_a_visit_recorded_leaves_the_upcoming_list_and_counts_as_the_last_visit(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    first = _first_planned(with_areas, "H0")
    result = cli(
        "visits", "record", "H0", "--visitor", "V1", "--start", first, "--note", "ok",
        "--today", "2027-03-31",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Recorded the visit of V1 to H0 from {first} to {first} (planned from {first})." in (
        " ".join(result.output.split())
    )
    due = cli("visits", "due", "--today", first, "--days", "200", "--format", "json")
    assert {r["household"]: r["last_visit"] for r in json.loads(due.output)}["H0"] == first
    upcoming = cli("visits", "upcoming", "--today", first, "--days", "1", "--format", "json")
    assert "H0" not in {r["household"] for r in json.loads(upcoming.output)}


def test_a_refused_visit_is_one_red_line_and_the_exit_code_of_its_kind(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    for args, code, words in (
        (("H9", "--visitor", "V1", "--start", "2027-02-01"), 1, "no household with id 'H9'"),
        (("H0", "--visitor", "V1", "--start", "2026-12-01"), 1, "not paired with this visitor"),
        (("H0", "--visitor", "V1", "--start", "2099-01-01"), 2, "is after today"),
        (("H0", "--visitor", "V1", "--start", "2027-02-02", "--end", "2027-02-01"), 2, "ends"),
        (("H0", "--visitor", "V1", "--start", "someday"), 2, "--start is not a date"),
    ):
        result = cli("visits", "record", *args)
        assert result.exit_code == code, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
        assert words in result.output


def test_a_missed_visit_is_marked_and_an_unplanned_day_refused(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    first = _first_planned(with_areas, "H1")
    result = cli("visits", "missed", "H1", "--visitor", "V1", "--start", first, "--today", first)
    assert result.exit_code == 0, result.output
    assert "as missed" in result.output
    with with_areas.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM visits WHERE planned_start = :d AND household_id = "
                 "(SELECT id FROM households WHERE external_id = 'H1')"),
            {"d": dt.date.fromisoformat(first)},
        ).scalar_one()  # fmt: skip
    assert status == "missed"
    again = cli("visits", "missed", "H1", "--visitor", "V1", "--start", first, "--today", first)
    assert again.exit_code == 1
    assert f"error: no planned visit of H1 by V1 starts on {first}" in again.output
