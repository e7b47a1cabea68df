"""Leave and blackouts imports: a period is its person and first day, written all or none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services.importing import ImportRejected
from doorstep.services.visitor_rights import erase_visitor
from doorstep.storage.session import unit_of_work
from tests.factories.audit import events_about
from tests.factories.db import rejected, run_import, snapshot
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

TODAY = dt.date(2027, 3, 1)
LEAVE = ["visitor_id", "starts_on", "ends_on"]
BLACKOUTS = ["household_id", "starts_on", "ends_on", "reason"]


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """Visitors V1, V2 and households H1, H2."""
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    hh = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    return with_areas


def _leave(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, l.starts_on, l.ends_on FROM visitor_leave l "
                "JOIN visitors v ON v.id = l.visitor_id ORDER BY v.external_id, l.starts_on"
            )
        ).all()
    return [(r[0], str(r[1]), str(r[2])) for r in rows]


def _blackouts(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, b.starts_on, b.ends_on, b.reason "
                "FROM household_blackouts b JOIN households h ON h.id = b.household_id "
                "ORDER BY h.external_id, b.starts_on"
            )
        ).all()
    return [(r[0], str(r[1]), str(r[2]), r[3]) for r in rows]


def test_leave_is_written_and_a_second_import_of_the_file_changes_nothing(
    people: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "leave.csv",
        LEAVE,
        [["V1", "2027-03-10", "2027-03-14"], ["V1", "2027-04-01", "2027-04-01"]],
    )
    first = run_import(people, "leave", path, today=TODAY)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    before = snapshot(people)
    again = run_import(people, "leave", path, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    after = snapshot(people)
    # Nothing but the import's own event was written.
    assert after["visitor_leave"] == before["visitor_leave"]
    assert len(after["audit_events"]) == len(before["audit_events"]) + 1
    assert _leave(people) == [
        ("V1", "2027-03-10", "2027-03-14"),
        ("V1", "2027-04-01", "2027-04-01"),
    ]


def test_a_changed_end_updates_the_period_in_place(people: Engine, tmp_path: Path) -> None:
    path = tmp_path / "leave.csv"
    run_import(people, "leave", write_csv(path, LEAVE, [["V1", "2027-03-10", "2027-03-14"]]))
    changed = run_import(
        people, "leave", write_csv(path, LEAVE, [["V1", "2027-03-10", "2027-03-20"]])
    )
    assert (changed.created, changed.updated) == (0, 1)
    assert _leave(people) == [("V1", "2027-03-10", "2027-03-20")]


def test_each_visitor_whose_leave_an_import_wrote_is_named_in_the_trail(
    people: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "leave.csv",
        LEAVE,
        [["V1", "2027-03-10", "2027-03-14"], ["V1", "2027-04-01", "2027-04-02"]],
    )
    run_import(people, "leave", path)
    assert events_about(people, "leave") == [
        (
            "import",
            None,
            {
                "file": "leave.csv",
                "rows": 2,
                "created": 2,
                "updated": 0,
                "unchanged": 0,
                "removed": 0,
                "replace": False,
            },
        )
    ]
    written = [e for e in events_about(people, "visitor") if e[2].get("table") == "visitor_leave"]
    assert written == [("update", "V1", {"file": "leave.csv", "table": "visitor_leave"})]


def test_a_bad_row_changes_nothing_and_is_named_by_row_column_and_reason(
    people: Engine, tmp_path: Path
) -> None:
    rows = [
        ["V1", "2027-03-10", "2027-03-14"],  # row 2: fine
        ["V9", "2027-03-10", "2027-03-14"],  # 3: unknown visitor
        ["V2", "10/03/2027", "2027-03-14"],  # 4: not a date
        ["V2", "2027-05-10", "2027-05-01"],  # 5: ends before it starts
        ["V1", "2027-03-10", "2027-03-12"],  # 6: the same period twice
        ["V1", "2027-03-14", "2027-03-18"],  # 7: overlaps row 2
    ]
    lines = rejected(people, "leave", write_csv(tmp_path / "l.csv", LEAVE, rows), today=TODAY)
    assert lines == [
        "row 3, column visitor_id (value 'V9'): unknown visitor; import it first",
        "row 4, column starts_on (value '10/03/2027'): not a date; use YYYY-MM-DD",
        "row 5, column ends_on (value '2027-05-01'): ends before it starts "
        "(starts_on is 2027-05-10)",
        "row 6, column visitor_id (value 'V1'): duplicate visitor_id and "
        "starts_on in the file; first in row 2",
        "row 7, column starts_on (value '2027-03-14'): overlaps row 2 (leave of the same "
        "visitor, 2027-03-10 to 2027-03-14); merge the two into one row",
    ]


def test_an_unknown_column_is_refused(people: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "l.csv", [*LEAVE, "note"], [["V1", "2027-03-10", "2027-03-14", "x"]]
    )
    [line] = rejected(people, "leave", path)
    assert line.startswith("row 1, column note: unknown column; the columns are: visitor_id")


def test_leave_for_an_erased_visitor_is_refused(people: Engine, tmp_path: Path) -> None:
    with unit_of_work(people) as s:
        erase_visitor(s, "V2", actor="test")
    path = write_csv(tmp_path / "l.csv", LEAVE, [["V2", "2027-03-10", "2027-03-14"]])
    assert rejected(people, "leave", path) == [
        "row 2, column visitor_id (value 'V2'): is the id of an erased visitor: no one to "
        "give leave to"
    ]


def test_a_period_overlapping_a_stored_one_of_another_first_day_is_refused(
    people: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "l.csv"
    run_import(people, "leave", write_csv(path, LEAVE, [["V1", "2027-03-10", "2027-03-14"]]))
    write_csv(path, LEAVE, [["V1", "2027-03-12", "2027-03-20"], ["V2", "2027-03-12", "2027-03-20"]])
    [line] = rejected(people, "leave", path, today=TODAY)
    assert line == (
        "row 2, column starts_on (value '2027-03-12'): overlaps the leave stored for this "
        "visitor from 2027-03-10 to 2027-03-14; to change that period, give its starts_on, "
        "or import with --replace to make the file the whole of this visitor's periods from "
        "today on"
    )


def test_replace_makes_the_file_the_named_peoples_periods_from_today_on(
    people: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "l.csv"
    stored = [
        ["V1", "2027-02-01", "2027-02-05"],  # past: kept
        ["V1", "2027-02-26", "2027-03-02"],  # under way today: not in the file, removed
        ["V1", "2027-03-10", "2027-03-14"],  # changed by the file
        ["V1", "2027-04-01", "2027-04-03"],  # not in the file: removed
        ["V2", "2027-04-01", "2027-04-03"],  # V2 is not in the file: kept
    ]
    run_import(people, "leave", write_csv(path, LEAVE, stored), today=TODAY)
    write_csv(path, LEAVE, [["V1", "2027-03-10", "2027-03-16"], ["V1", "2027-04-02", "2027-04-05"]])
    summary = run_import(people, "leave", path, today=TODAY, replace_future=True)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 0)
    assert summary.notes == ("2 stored periods from today on not in the file removed (--replace).",)
    assert _leave(people) == [
        ("V1", "2027-02-01", "2027-02-05"),
        ("V1", "2027-03-10", "2027-03-16"),
        ("V1", "2027-04-02", "2027-04-05"),
        ("V2", "2027-04-01", "2027-04-03"),
    ]
    # The same file again, with --replace: nothing to remove, nothing to write.
    again = run_import(people, "leave", path, today=TODAY, replace_future=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_replace_is_refused_for_the_registry(people: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    with pytest.raises(Exception, match="--replace is for leave and blackouts, not households"):
        run_import(people, "households", path, replace_future=True)


def test_blackouts_keep_their_reason_when_a_file_leaves_it_empty(
    people: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "b.csv"
    write_csv(path, BLACKOUTS, [["H1", "2027-09-01", "2027-09-30", "harvest"]])
    assert run_import(people, "blackouts", path).created == 1
    write_csv(path, BLACKOUTS, [["H1", "2027-09-01", "2027-10-05", ""]])
    assert run_import(people, "blackouts", path).updated == 1
    write_csv(path, BLACKOUTS[:3], [["H2", "2027-02-10", "2027-02-17"]])
    assert run_import(people, "blackouts", path).created == 1
    assert _blackouts(people) == [
        ("H1", "2027-09-01", "2027-10-05", "harvest"),
        ("H2", "2027-02-10", "2027-02-17", ""),
    ]
    written = [
        e for e in events_about(people, "household") if e[2].get("table") == "household_blackouts"
    ]
    assert [(a, h) for a, h, _ in written] == [("update", "H1"), ("update", "H1"), ("update", "H2")]


def test_a_blackout_for_an_unknown_household_is_refused(people: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", BLACKOUTS, [["H7", "2027-09-01", "2027-09-30", ""]])
    with pytest.raises(ImportRejected) as info:
        run_import(people, "blackouts", path)
    assert [str(e) for e in info.value.errors] == [
        "row 2, column household_id (value 'H7'): unknown household; import it first"
    ]
    # The errors file names row, column and reason, and copies none of the file's values.
    assert (tmp_path / "b.csv.errors.csv").read_text(encoding="utf-8").splitlines() == [
        "row,column,value,reason",
        "2,household_id,,unknown household; import it first",
    ]


def test_a_households_export_holds_its_imported_blackouts_and_its_erasure_removes_them(
    people: Engine, tmp_path: Path
) -> None:
    from doorstep.services.household_rights import erase_household, export_household

    path = write_csv(tmp_path / "b.csv", BLACKOUTS, [["H1", "2027-09-01", "2027-09-30", "harvest"]])
    run_import(people, "blackouts", path)
    with unit_of_work(people) as s:
        held = export_household(s, "H1", actor="test")["records"]
    assert [(r["starts_on"], r["reason"]) for r in held["household_blackouts"]] == [
        ("2027-09-01", "harvest")
    ]
    assert any(e["detail"].get("table") == "household_blackouts" for e in held["audit_events"])
    with unit_of_work(people) as s:
        erase_household(s, "H1", actor="test")
    assert _blackouts(people) == []
    # The trail keeps that H1's blackouts were imported, not from which file.
    earlier = [d for a, h, d in events_about(people, "household") if h == "H1" and a != "delete"]
    assert earlier
    assert all(d == {"redacted": "household erased"} for d in earlier)


def test_a_visitors_export_holds_their_imported_leave_and_their_erasure_removes_it(
    people: Engine, tmp_path: Path
) -> None:
    from doorstep.services.visitor_rights import export_visitor

    path = write_csv(tmp_path / "l.csv", LEAVE, [["V2", "2027-03-10", "2027-03-14"]])
    run_import(people, "leave", path)
    with unit_of_work(people) as s:
        held = export_visitor(s, "V2", actor="test")["records"]
    assert [(r["starts_on"], r["ends_on"]) for r in held["visitor_leave"]] == [
        ("2027-03-10", "2027-03-14")
    ]
    assert any(e["detail"].get("table") == "visitor_leave" for e in held["audit_events"])
    with unit_of_work(people) as s:
        erase_visitor(s, "V2", actor="test")
    assert _leave(people) == []


def test_an_export_of_leave_and_blackouts_imports_back_unchanged(
    people: Engine, tmp_path: Path
) -> None:
    from doorstep.services.exporting import export_entity

    run_import(
        people,
        "leave",
        write_csv(
            tmp_path / "l.csv",
            LEAVE,
            [["V1", "2027-03-10", "2027-03-14"], ["V2", "2027-04-01", "2027-04-01"]],
        ),
    )
    run_import(
        people,
        "blackouts",
        write_csv(tmp_path / "b.csv", BLACKOUTS, [["H1", "2027-09-01", "2027-09-30", "=harvest"]]),
    )
    for entity, rows in (("leave", 2), ("blackouts", 1)):
        for suffix in (".csv", ".xlsx", ".parquet"):
            out = tmp_path / f"{entity}{suffix}"
            with unit_of_work(people) as s:
                assert export_entity(s, entity, out, actor="test").write() == rows
            back = run_import(people, entity, out, today=TODAY, replace_future=True)
            assert (back.created, back.updated, back.unchanged, back.rows) == (0, 0, rows, rows)
    assert _blackouts(people) == [("H1", "2027-09-01", "2027-09-30", "=harvest")]
    assert (tmp_path / "leave.csv").read_text(encoding="utf-8").splitlines() == [
        "visitor_id,starts_on,ends_on",
        "V1,2027-03-10,2027-03-14",
        "V2,2027-04-01,2027-04-01",
    ]
    # Each person exported is named in the trail, as a registry export names them.
    exported = [(h, d) for a, h, d in events_about(people, "visitor") if a == "export"]
    assert ("V1", {"file": "leave.csv", "export": "leave"}) in exported
