"""`doorstep import exclusions`: pairs never to be paired, all rows or none, a pair once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services.exclusions import unexclude
from doorstep.services.household_rights import erase_household, export_household
from doorstep.services.importing.errors import errors_csv_path
from doorstep.services.importing.validate import NUL_REASON
from doorstep.services.visitor_rights import erase_visitor, export_visitor
from doorstep.storage.repositories.pairing import input_writes
from doorstep.storage.session import unit_of_work
from tests.factories.audit import events_about
from tests.factories.db import area_tree, rejected, run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import plan_three

HEADER = ["household_id", "visitor_id", "reason"]


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """Households H1, H2 and visitors V1, V2 on record."""
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    hh = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    return with_areas


def _stored(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, e.reason FROM exclusions e "
                "JOIN households h ON h.id = e.household_id "
                "JOIN visitors v ON v.id = e.visitor_id ORDER BY e.id"
            )
        ).all()
    return [(str(h), str(v), str(r)) for h, v, r in rows]


def _writes(engine: Engine) -> int:
    with engine.connect() as conn:
        return input_writes(conn)


def test_each_pair_is_stored_once_and_a_second_import_of_the_file_writes_nothing(
    people: Engine, tmp_path: Path
) -> None:
    rows = [["H1", "V1", "conflict of interest"], ["H2", "V1", ""]]
    path = write_csv(tmp_path / "x.csv", HEADER, rows)
    summary = run_import(people, "exclusions", path)
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    assert _stored(people) == [("H1", "V1", "conflict of interest"), ("H2", "V1", "")]
    events, writes = events_about(people, "household"), _writes(people)
    again = run_import(people, "exclusions", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _stored(people) == [("H1", "V1", "conflict of interest"), ("H2", "V1", "")]
    # Not written, not audited, and no write pairing's inputs would count.
    assert events_about(people, "household") == events
    assert _writes(people) == writes


def test_a_pair_imported_again_unchanged_and_named_as_paired_now_is_read_under_both(
    people: Engine, tmp_path: Path
) -> None:
    with people.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, '2026-01-01' FROM visitors v, households h "
                "WHERE v.external_id = 'V1' AND h.external_id = 'H1'"
            )
        )
    path = write_csv(tmp_path / "x.csv", HEADER, [["H1", "V1", "asked not to"]])
    run_import(people, "exclusions", path)
    households, visitors = events_about(people, "household"), events_about(people, "visitor")
    writes = _writes(people)
    again = run_import(people, "exclusions", path)
    assert again.unchanged == 1 and _writes(people) == writes
    # Its note says the pair is paired now, and where: that is read of both, not written.
    assert any("paired now (H1 with V1)" in n for n in again.notes)
    detail = {"file": "x.csv", "table": "exclusions"}
    assert events_about(people, "household")[len(households) :] == [
        ("read", "H1", {**detail, "visitor": "V1"})
    ]
    assert events_about(people, "visitor")[len(visitors) :] == [
        ("read", "V1", {**detail, "household": "H1"})
    ]


def test_a_changed_reason_updates_its_pair_and_an_empty_one_keeps_the_stored_reason(
    people: Engine, tmp_path: Path
) -> None:
    first = [["H1", "V1", "asked not to"], ["H2", "V2", "neighbours"]]
    run_import(people, "exclusions", write_csv(tmp_path / "x.csv", HEADER, first))
    later = [["H1", "V1", "former employer"], ["H2", "V2", ""]]
    summary = run_import(people, "exclusions", write_csv(tmp_path / "y.csv", HEADER, later))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert _stored(people) == [("H1", "V1", "former employer"), ("H2", "V2", "neighbours")]
    # A file without the column keeps every reason, and adds its new pair with none.
    bare = [["H1", "V1"], ["H1", "V2"]]
    path = write_csv(tmp_path / "z.csv", ["household_id", "visitor_id"], bare)
    summary = run_import(people, "exclusions", path)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 1)
    assert _stored(people)[-1] == ("H1", "V2", "")
    assert _stored(people)[0] == ("H1", "V1", "former employer")


def test_unknown_people_and_a_pair_twice_are_refused_by_row_and_column_writing_nothing(
    people: Engine, tmp_path: Path
) -> None:
    rows = [
        ["H1", "V1", "fine on its own"],
        ["H9", "V1", ""],
        ["H2", "V9", ""],
        ["H1", "V1", "again"],
        ["", "V2", ""],
    ]
    errors = rejected(people, "exclusions", write_csv(tmp_path / "x.csv", HEADER, rows))
    assert errors == [
        "row 3, column household_id (value 'H9'): unknown household; import the households first",
        "row 4, column visitor_id (value 'V9'): unknown visitor; import the visitors first",
        "row 5, column household_id (value 'H1'): duplicate household_id and visitor_id "
        "in the file; first in row 2",
        "row 6, column household_id: required value is missing",
    ]
    assert _stored(people) == []
    # The errors file names rows, columns and reasons, and copies no one's id.
    written = errors_csv_path(tmp_path / "x.csv").read_text(encoding="utf-8")
    assert "H9" not in written and "V9" not in written
    assert "4,visitor_id,,unknown visitor; import the visitors first" in written


def test_the_ids_of_an_erased_household_or_visitor_are_refused_as_erased(
    people: Engine, tmp_path: Path
) -> None:
    with unit_of_work(people) as s:
        erase_household(s, "H2", actor="test")
    with unit_of_work(people) as s:
        erase_visitor(s, "V2", actor="test")
    rows = [["H2", "V1", ""], ["H1", "V2", ""]]
    errors = rejected(people, "exclusions", write_csv(tmp_path / "x.csv", HEADER, rows))
    assert errors == [
        "row 2, column household_id (value 'H2'): is the id of an erased household: there "
        "is no one to keep apart",
        "row 3, column visitor_id (value 'V2'): is the id of an erased visitor: there is no "
        "one to keep apart",
    ]


def test_each_pair_written_is_audited_under_its_household_naming_its_visitor_and_both_exports_list_it(  # noqa: E501
    people: Engine, tmp_path: Path
) -> None:
    run_import(people, "exclusions", write_csv(tmp_path / "x.csv", HEADER, [["H1", "V1", "asked"]]))
    run_import(people, "exclusions", write_csv(tmp_path / "y.csv", HEADER, [["H1", "V1", "moved"]]))
    detail = {"table": "exclusions", "visitor": "V1"}
    written = [e for e in events_about(people, "household") if e[2].get("table") == "exclusions"]
    assert written == [
        ("create", "H1", {"file": "x.csv", **detail}),
        ("update", "H1", {"file": "y.csv", **detail}),
    ]
    assert [(a, d["rows"]) for a, _, d in events_about(people, "exclusions")] == [
        ("import", 1),
        ("import", 1),
    ]
    with unit_of_work(people) as s:
        theirs = export_household(s, "H1", actor="test")
        his = export_visitor(s, "V1", actor="test")
    for export in (theirs, his):
        rows = export["records"]["exclusions"]
        assert [r["reason"] for r in rows] == ["moved"]
        files = [e["detail"].get("file") for e in export["records"]["audit_events"]]
        assert {"x.csv", "y.csv"} <= set(files)


def test_an_imported_pair_removed_since_stays_in_the_visitor_export_under_their_own_id(
    people: Engine, tmp_path: Path
) -> None:
    run_import(people, "exclusions", write_csv(tmp_path / "x.csv", HEADER, [["H1", "V1", "asked"]]))
    with unit_of_work(people) as s:
        unexclude(s, "H1", "V1", actor="ann")
    assert events_about(people, "visitor")[-2:] == [
        ("create", "V1", {"file": "x.csv", "table": "exclusions", "household": "H1"}),
        ("update", "V1", {"table": "exclusions", "household": "H1", "removed": True}),
    ]
    with unit_of_work(people) as s:
        his = export_visitor(s, "V1", actor="test")
    written = [
        (e["entity"], e["action"], e["detail"].get("file"))
        for e in his["records"]["audit_events"]
        if e["detail"].get("table") == "exclusions"
    ]
    assert written == [
        ("household", "create", "x.csv"),
        ("visitor", "create", "x.csv"),
        ("household", "update", None),
        ("visitor", "update", None),
    ]


@pytest.mark.parametrize("column", ["household_id", "visitor_id"])
def test_an_id_holding_a_nul_is_refused_by_row_and_column_writing_nothing(
    with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt, column: str
) -> None:
    # PostgreSQL holds no NUL: the id was copied into the database to look its pairings
    # up, and the import failed with the driver's error, naming no row; on SQLite the
    # row was named twice, the NUL's id also as an unknown one.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    rows = [{"household_id": "H2", "visitor_id": "V2"}, {"household_id": "H0", "visitor_id": "V1"}]
    rows[1][column] += "\x00"
    errors = rejected(with_areas, "exclusions", write_csv(tmp_path / "x.csv", HEADER, rows))
    assert [e.split(" (value")[0] for e in errors] == [f"row 3, column {column}"]
    assert errors[0].endswith(NUL_REASON)
