"""`doorstep import activities|attendance|projects|project_households`: group activities and
projects, and who takes part, all rows or none; exported, they import back unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services.exporting import export_entity
from doorstep.services.household_rights import erase_household, export_household
from doorstep.services.visitor_rights import erase_visitor, export_visitor
from doorstep.storage.session import unit_of_work
from tests.factories.audit import events_about
from tests.factories.db import rejected, run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

ACTIVITY = ["code", "kind", "title", "area_code", "organisation_code", "starts_on", "ends_on"]
ATTENDANCE = ["activity_code", "household_id", "visitor_id"]
PROJECT = ["code", "title", "sponsor_code", "area_code", "starts_on", "ends_on", "status"]
BENEFIT = ["project_code", "household_id"]


@pytest.fixture
def programme(with_areas: Engine, tmp_path: Path) -> Engine:
    """Households H1, H2 (consent given) and H3 (pending), visitor V1, sponsor S1, activity
    CAMP27 and project WATER on record."""
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Water Trust", "sponsor"]]
    )
    run_import(with_areas, "organisations", orgs)
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    hh = [
        household(household_id="H1"),
        household(household_id="H2"),
        household(household_id="H3", consent="pending", consent_date=""),
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    camp = ["CAMP27", "summer_camp", "Summer camp", "R-C-V1", "S1", "2026-07-01", "2026-07-10"]
    run_import(with_areas, "activities", write_csv(tmp_path / "a.csv", ACTIVITY, [camp]))
    water = ["WATER", "Clean water", "S1", "R-C", "2026-03-01", "", "running"]
    run_import(with_areas, "projects", write_csv(tmp_path / "p.csv", PROJECT, [water]))
    return with_areas


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_attendance_names_households_and_visitors_and_each_is_audited_under_its_person(
    programme: Engine, tmp_path: Path
) -> None:
    rows = [["CAMP27", "H1", ""], ["CAMP27", "", "V1"], ["CAMP27", "H2", ""]]
    summary = run_import(programme, "attendance", write_csv(tmp_path / "t.csv", ATTENDANCE, rows))
    assert (summary.created, summary.unchanged) == (3, 0)
    detail = {"file": "t.csv", "table": "activity_attendance", "activity": "CAMP27"}
    assert [e for e in events_about(programme, "household") if e[0] == "create"][-2:] == [
        ("create", "H1", detail),
        ("create", "H2", detail),
    ]
    assert events_about(programme, "visitor")[-1] == ("create", "V1", detail)
    again = run_import(programme, "attendance", write_csv(tmp_path / "t.csv", ATTENDANCE, rows))
    assert (again.created, again.unchanged) == (0, 3)
    assert _count(programme, "activity_attendance") == 3


def test_a_bad_attendance_row_writes_nothing_and_names_row_column_and_reason(
    programme: Engine, tmp_path: Path
) -> None:
    rows = [
        ["CAMP27", "H1", ""],  # fine, but the file is refused whole
        ["NOPE", "H2", ""],
        ["CAMP27", "H3", ""],
        ["CAMP27", "H1", "V1"],
        ["CAMP27", "", ""],
        ["CAMP27", "H9", ""],
        ["CAMP27", "H1", ""],
    ]
    errors = rejected(programme, "attendance", write_csv(tmp_path / "t.csv", ATTENDANCE, rows))
    assert _count(programme, "activity_attendance") == 0
    joined = "\n".join(errors)
    assert "row 3, column activity_code (value 'NOPE'): unknown activity" in joined
    assert "row 4, column household_id (value 'H3'): the household's consent was not given" in (
        joined
    )
    assert "row 5, column household_id (value 'H1'): a row names one person" in joined
    assert "row 6, column household_id: give the household_id or the visitor_id" in joined
    assert "row 7, column household_id (value 'H9'): unknown household" in joined
    assert "row 8, column household_id (value 'H1'): duplicate activity_code and household_id" in (
        joined
    )


def test_a_household_that_withdrew_keeps_its_attendance_and_its_file_imports_again(
    programme: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "t.csv", ATTENDANCE, [["CAMP27", "H1", ""]])
    run_import(programme, "attendance", path)
    withdrawn = household(household_id="H1", consent="withdrawn", consent_date="2026-08-01")
    run_import(
        programme, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [withdrawn])
    )
    assert run_import(programme, "attendance", path).unchanged == 1
    late = ["LATE", "trip", "Trip", "R-C-V1", "", "2026-09-01", "2026-09-01"]
    run_import(programme, "activities", write_csv(tmp_path / "a.csv", ACTIVITY, [late]))
    errors = rejected(
        programme, "attendance", write_csv(tmp_path / "n.csv", ATTENDANCE, [["LATE", "H1", ""]])
    )
    assert errors == [
        "row 2, column household_id (value 'H1'): the household's consent was not given on "
        "the activity's first day (2026-09-01): it cannot be added (rows stored before a "
        "withdrawal stay until it is erased)"
    ]
    # As a visit synced late: the camp in July, attended with consent, is recorded after
    # the household's withdrawal in August.
    withdrawn = household(household_id="H2", consent="withdrawn", consent_date="2026-08-01")
    run_import(
        programme, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [withdrawn])
    )
    late_sync = write_csv(tmp_path / "s.csv", ATTENDANCE, [["CAMP27", "H2", ""]])
    assert run_import(programme, "attendance", late_sync).created == 1


def test_activities_and_projects_refuse_an_unknown_kind_status_or_days_out_of_order(
    programme: Engine, tmp_path: Path
) -> None:
    bad = ["X", "party", "Party", "R-C-V1", "", "2026-07-10", "2026-07-01"]
    errors = rejected(programme, "activities", write_csv(tmp_path / "a.csv", ACTIVITY, [bad]))
    assert any(e.startswith("row 2, column kind (value 'party')") for e in errors)
    assert any(
        e.startswith("row 2, column ends_on") and "ends before it starts" in e for e in errors
    )
    bad_p = ["P", "Roads", "NOSUCH", "R-C", "2026-01-01", "", "paused"]
    errors = rejected(programme, "projects", write_csv(tmp_path / "p.csv", PROJECT, [bad_p]))
    assert any(e.startswith("row 2, column sponsor_code (value 'NOSUCH')") for e in errors)
    assert any(e.startswith("row 2, column status (value 'paused')") for e in errors)


def test_a_projects_status_moves_on_in_a_file_as_at_the_command_line_never_back(
    programme: Engine, tmp_path: Path
) -> None:
    # WATER is running: a file may keep it running or mark it done, not plan it again.
    back = ["WATER", "Clean water", "S1", "R-C", "2026-03-01", "", "Planned"]
    new = ["ROAD", "Road", "S1", "R-C", "2026-03-01", "", "planned"]
    rows = [new, back]
    errors = rejected(programme, "projects", write_csv(tmp_path / "p.csv", PROJECT, rows))
    assert errors == [
        "row 3, column status (value 'Planned'): project WATER is running: its status moves "
        "on, not back"
    ]
    done = ["WATER", "Clean water", "S1", "R-C", "2026-03-01", "", "done"]
    assert run_import(programme, "projects", write_csv(tmp_path / "d.csv", PROJECT, [done])).updated
    with programme.connect() as conn:
        assert conn.execute(text("SELECT status FROM projects")).scalar_one() == "done"


def test_a_file_makes_no_project_running_or_done_before_its_first_day(
    programme: Engine, tmp_path: Path
) -> None:
    today = dt.date(2026, 6, 1)
    rows = [
        ["ROAD", "Road", "S1", "R-C", "2026-07-01", "", "planned"],
        ["DAM", "Dam", "S1", "R-C", "2026-07-01", "", "running"],
        ["BRIDGE", "Bridge", "S1", "R-C", "2026-06-01", "", "done"],
    ]
    path = write_csv(tmp_path / "p.csv", PROJECT, rows)
    assert rejected(programme, "projects", path, today=today) == [
        "row 3, column status (value 'running'): the project starts on 2026-07-01, after "
        "today (2026-06-01): it cannot be running before then; give the day it began as "
        "starts_on, or planned"
    ]
    # From its first day on, it may run.
    assert run_import(programme, "projects", path, today=dt.date(2026, 7, 1)).created == 3


def test_project_households_need_consent_and_a_known_project(
    programme: Engine, tmp_path: Path
) -> None:
    rows = [["WATER", "H1"], ["WATER", "H3"], ["ROADS", "H2"]]
    errors = rejected(programme, "project_households", write_csv(tmp_path / "b.csv", BENEFIT, rows))
    assert [e.split(":")[0] for e in errors] == [
        "row 3, column household_id (value 'H3')",
        "row 4, column project_code (value 'ROADS')",
    ]
    ok = write_csv(tmp_path / "b.csv", BENEFIT, [["WATER", "H1"], ["WATER", "H2"]])
    assert run_import(programme, "project_households", ok).created == 2
    detail = {"file": "b.csv", "table": "project_households", "project": "WATER"}
    assert ("create", "H2", detail) in events_about(programme, "household")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_every_file_exported_imports_back_as_no_change(
    programme: Engine, tmp_path: Path, suffix: str
) -> None:
    run_import(
        programme,
        "attendance",
        write_csv(tmp_path / "t.csv", ATTENDANCE, [["CAMP27", "H1", ""], ["CAMP27", "", "V1"]]),
    )
    run_import(
        programme, "project_households", write_csv(tmp_path / "b.csv", BENEFIT, [["WATER", "H2"]])
    )
    for entity in ("activities", "attendance", "projects", "project_households"):
        path = tmp_path / f"{entity}{suffix}"
        with unit_of_work(programme) as s:
            pending = export_entity(s, entity, path, actor="test")
        pending.write()
        summary = run_import(programme, entity, path)
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, pending.rows)
    # The attendance export named each person it held.
    exported = [e for e in events_about(programme, "visitor") if e[0] == "export"]
    assert exported[-1][1:] == ("V1", {"file": f"attendance{suffix}", "export": "attendance"})


def test_a_household_export_holds_its_attendance_and_projects_and_its_erasure_removes_them(
    programme: Engine, tmp_path: Path
) -> None:
    run_import(
        programme,
        "attendance",
        write_csv(tmp_path / "t.csv", ATTENDANCE, [["CAMP27", "H1", ""], ["CAMP27", "H2", ""]]),
    )
    run_import(
        programme, "project_households", write_csv(tmp_path / "b.csv", BENEFIT, [["WATER", "H1"]])
    )
    with unit_of_work(programme) as s:
        records = export_household(s, "H1", actor="test")["records"]
    assert len(records["activity_attendance"]) == 1
    assert len(records["project_households"]) == 1
    assert [a["code"] for a in records["activities"]] == ["CAMP27"]
    assert [p["code"] for p in records["projects"]] == ["WATER"]
    tables = {e["detail"].get("table") for e in records["audit_events"]}
    assert {"activity_attendance", "project_households"} <= tables
    with unit_of_work(programme) as s:
        erased = erase_household(s, "H1", actor="test")
    assert erased["activity_attendance"] == 1 and erased["project_households"] == 1
    assert _count(programme, "activity_attendance") == 1  # H2's
    assert _count(programme, "project_households") == 0


def test_a_visitor_export_holds_their_attendance_and_their_erasure_removes_it(
    programme: Engine, tmp_path: Path
) -> None:
    rows = [["CAMP27", "", "V1"], ["CAMP27", "H1", ""]]
    run_import(programme, "attendance", write_csv(tmp_path / "t.csv", ATTENDANCE, rows))
    with unit_of_work(programme) as s:
        records = export_visitor(s, "V1", actor="test")["records"]
    assert len(records["activity_attendance"]) == 1
    assert [a["code"] for a in records["activities"]] == ["CAMP27"]
    with unit_of_work(programme) as s:
        erase_visitor(s, "V1", actor="test")
    assert _count(programme, "activity_attendance") == 1  # the household's stays
    errors = rejected(
        programme, "attendance", write_csv(tmp_path / "n.csv", ATTENDANCE, [["CAMP27", "", "V1"]])
    )
    assert errors == [
        "row 2, column visitor_id (value 'V1'): is the id of an erased visitor: no one to add"
    ]
