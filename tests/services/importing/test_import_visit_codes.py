"""`doorstep import visits` with the visits' activities and outcome codes: closed lists,
stored one way, synced again without a write, changed with an audited update."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.services.importing import ImportRejected
from doorstep.services.importing.errors import errors_csv_path
from tests.factories.db import area_tree, run_import
from tests.factories.files import write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three

TODAY = dt.date(2027, 4, 30)
A = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a0a"
B = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a0b"
HEADER = ["visit_id", "household_id", "visitor_id", "start", "end", "activities", "outcome_codes"]


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """:func:`plan_three` over ``with_areas`` (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _rows(planned: Engine) -> list[dict[str, Any]]:
    """A visit to H0 on its first planned days with codes as a device may write them, and
    one to H1 with none."""
    a, z = first_planned(planned, "H0")
    a1, z1 = first_planned(planned, "H1")
    return [
        {
            "visit_id": A,
            "household_id": "H0",
            "visitor_id": "V1",
            "start": a,
            "end": z,
            "activities": " Training;JOB_SEARCH;training ",
            "outcome_codes": "referral_made",
        },
        {"visit_id": B, "household_id": "H1", "visitor_id": "V1", "start": a1, "end": z1},
    ]


def _codes(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """Device id -> (activities, outcome codes) of every synced visit."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT client_uuid, activities, outcome_codes FROM visits "
                "WHERE client_uuid IS NOT NULL"
            )
        ).all()
    return {str(u): (a, o) for u, a, o in rows}


def _state(engine: Engine) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with engine.connect() as conn:
        visits = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
        events = conn.execute(text("SELECT * FROM audit_events ORDER BY id")).all()
    return [tuple(map(str, r)) for r in visits], [tuple(map(str, r)) for r in events]


def _events_since(engine: Engine, n: int) -> list[tuple[str, str | None, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity_id, detail FROM audit_events ORDER BY id")
        ).all()
    return [
        (str(a), i, d if isinstance(d, dict) else json.loads(d or "{}")) for a, i, d in rows[n:]
    ]


def _import(engine: Engine, path: Path, header: list[str], rows: list[dict[str, Any]]) -> Any:
    return run_import(engine, "visits", write_csv(path, header, rows), today=TODAY)


def test_codes_are_stored_in_their_own_spelling_once_each_and_named_in_the_audit_event(
    planned: Engine, tmp_path: Path
) -> None:
    n = len(_state(planned)[1])
    summary = _import(planned, tmp_path / "a.csv", HEADER, _rows(planned))
    assert (summary.created, summary.updated) == (2, 0)
    assert _codes(planned) == {A: ("job_search;training", "referral_made"), B: (None, None)}
    events = {i: d for a, i, d in _events_since(planned, n) if i in ("H0", "H1")}
    # The event names the columns it wrote, never their codes (the visitor's export holds
    # the household's events that name them, and nothing of what a visit did and found).
    assert events["H0"]["codes"] == ["activities", "outcome_codes"]
    assert "codes" not in events["H1"]
    assert "job_search" not in json.dumps(list(events.values()))


def test_the_same_file_synced_again_writes_nothing(planned: Engine, tmp_path: Path) -> None:
    rows = _rows(planned)
    _import(planned, tmp_path / "a.csv", HEADER, rows)
    before = _state(planned)
    # The codes as the device wrote them, not as they are stored: still the same visit.
    again = _import(planned, tmp_path / "a.csv", HEADER, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    visits, events = _state(planned)
    assert visits == before[0]
    assert len(events) == len(before[1]) + 1  # the import's own event only


def test_a_changed_set_of_codes_updates_the_visit_and_its_audit_event_names_it(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    _import(planned, tmp_path / "a.csv", HEADER, rows)
    n = len(_state(planned)[1])
    rows[0] |= {"activities": "job_search;benefit_claim", "outcome_codes": "referral_made"}
    rows[1] |= {"outcome_codes": "none"}
    summary = _import(planned, tmp_path / "b.csv", HEADER, rows)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 0)
    assert _codes(planned) == {A: ("job_search;benefit_claim", "referral_made"), B: (None, "none")}
    events = {i: (a, d) for a, i, d in _events_since(planned, n) if i in ("H0", "H1")}
    assert events["H0"][0] == events["H1"][0] == "update"
    assert events["H0"][1]["codes"] == ["activities"]  # only what changed
    assert events["H1"][1]["codes"] == ["outcome_codes"]
    # An empty cell is no codes: the device cleared them.
    rows[0] |= {"activities": "", "outcome_codes": None}
    summary = _import(planned, tmp_path / "c.csv", HEADER, rows[:1])
    assert (summary.updated, summary.unchanged) == (1, 0)
    assert _codes(planned)[A] == (None, None)


def test_a_file_without_the_code_columns_leaves_the_codes_stored(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    _import(planned, tmp_path / "a.csv", HEADER, rows)
    old = ["visit_id", "household_id", "visitor_id", "start", "end"]
    again = _import(planned, tmp_path / "b.csv", old, rows)
    assert (again.updated, again.unchanged) == (0, 2)
    rows[0] |= {"end": rows[0]["start"]}  # a changed visit keeps them too
    changed = _import(planned, tmp_path / "c.csv", old, rows)
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert _codes(planned)[A] == ("job_search;training", "referral_made")


def test_an_unknown_code_names_its_row_and_column_writes_nothing_and_the_errors_file_hides_it(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    rows[0] |= {"activities": "training;Religion"}
    rows[1] |= {"outcome_codes": "job_found;none"}
    before = _state(planned)
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(ImportRejected) as info:
        run_import(planned, "visits", path, today=TODAY)
    assert _state(planned) == before
    found = {(e.row, e.column): (e.value, e.reason) for e in info.value.errors}
    assert found == {
        (2, "activities"): (
            "training;Religion",
            "unknown activity code(s): Religion; use one of: job_search, benefit_claim, "
            "service_referral, training, health_check, school_support, home_repair, other",
        ),
        (3, "outcome_codes"): (
            "job_found;none",
            "outcome code 'none' says there is none: give it alone",
        ),
    }
    # The file is about people: its errors file copies none of its cells.
    written = errors_csv_path(path).read_text(encoding="utf-8")
    assert "Religion" not in written
    assert "unknown activity code(s); use one of: job_search" in written


def test_a_visit_moved_to_another_household_takes_the_codes_it_does_not_state_anew(
    planned: Engine, tmp_path: Path
) -> None:
    row = _rows(planned)[0]
    _import(planned, tmp_path / "a.csv", HEADER, [row])
    n = len(_state(planned)[1])
    # Filed under the wrong household on the right days: now H2's, today, with a new
    # outcome; its activities, which the file leaves out, go with it.
    moved = row | {"household_id": "H2", "start": TODAY, "end": TODAY, "outcome_codes": "JOB_FOUND"}
    header = ["visit_id", "household_id", "visitor_id", "start", "end", "outcome_codes"]
    summary = _import(planned, tmp_path / "b.csv", header, [moved])
    assert (summary.created, summary.updated) == (0, 1)
    assert _codes(planned) == {A: ("job_search;training", "job_found")}
    events = {i: d for _, i, d in _events_since(planned, n) if i in ("H0", "H2")}
    assert events["H0"]["carried"] == events["H2"]["carried"] == ["activities"]
    assert events["H2"]["codes"] == ["outcome_codes"]
    assert "codes" not in events["H0"]  # the old household's trail: nothing of H2's visit
