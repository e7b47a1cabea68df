"""A row stored already as the file has it is neither written nor audited, only counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from tests.factories.db import import_teams, rejected, run_import, snapshot
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)


def _events(engine: Engine, entity: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity_id FROM audit_events WHERE entity = :e ORDER BY id"),
            {"e": entity},
        ).all()
    return [(r[0], r[1]) for r in rows]


def _without_audit(engine: Engine) -> dict[str, object]:
    return {k: v for k, v in snapshot(engine).items() if k != "audit_events"}


def test_every_demo_file_imported_again_changes_nothing_and_audits_only_the_import(
    engine: Engine, tmp_path: Path
) -> None:
    from doorstep.demo import generate
    from doorstep.services.demo import import_frames

    programme = generate(preset="village", households=30, visitors=20, seed=3)
    paths = []
    for entity, frame in import_frames(programme):
        frame.write_csv(path := tmp_path / f"{entity}.csv")
        paths.append((entity, path))
        run_import(engine, entity, path)
    before = snapshot(engine)
    # Coordinates and incomes (doubles), dates, empty cells, consent, teams and their leads.
    summaries = [run_import(engine, entity, path) for entity, path in paths]
    assert [(s.entity, s.created, s.updated, s.unchanged) for s in summaries] == [
        (s.entity, 0, 0, s.rows) for s in summaries
    ]
    after = snapshot(engine)
    new_events = after.pop("audit_events")[len(before.pop("audit_events")) :]
    assert after == before  # updated_at included
    assert [e[3:6] for e in new_events] == [("import", e, "None") for e, _ in paths]


def test_only_the_households_a_file_changes_are_updated_and_audited(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    first = [
        household(household_id="H1", lat="26.123456789012345"),
        household(household_id="H2", consent="given", consent_date="2026-01-02"),
        household(household_id="H3", address="No. 3", consent="withdrawn"),
        household(household_id="H4"),
    ]
    write_csv(path, HOUSEHOLD_HEADER, first)
    run_import(with_areas, "households", path)
    with with_areas.connect() as conn:
        acts = conn.execute(text("SELECT COUNT(*) FROM consent_records")).scalar_one()
    second = [
        household(household_id="H1", lat="26.1234568"),  # moved 11 mm: changed
        household(household_id="H2", consent="withdrawn", consent_date="2026-03-01"),
        household(household_id="H3", address="", consent="", consent_date=""),  # not stated
        household(household_id="H4"),
        household(household_id="H5"),
    ]
    write_csv(path, HOUSEHOLD_HEADER, second)
    summary = run_import(with_areas, "households", path)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 2, 2)
    assert sorted(_events(with_areas, "household")[4:]) == [
        ("create", "H5"),
        ("update", "H1"),
        ("update", "H2"),
    ]
    with with_areas.connect() as conn:
        replaced = conn.execute(
            text(
                "SELECT h.external_id, r.action, r.recorded_on FROM consent_records r "
                "JOIN households h ON h.id = r.household_id"
            )
        ).all()
        stored = conn.execute(
            text("SELECT consent_state, address FROM households WHERE external_id = 'H3'")
        ).one()
    # The act H2 replaced goes to consent_records, exactly as before; H3 keeps its own.
    assert len(replaced) == acts + 1
    assert ("H2", "given") in [(r[0], r[1]) for r in replaced]
    assert tuple(stored) == ("withdrawn", "No. 3")


def test_a_visitors_dates_and_empty_cells_count_as_changed_only_when_they_differ(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "v.csv"

    def again(**cells: object) -> tuple[int, int, int]:
        write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1", **cells)])
        s = run_import(with_areas, "visitors", path)
        return s.created, s.updated, s.unchanged

    assert again(active_from="2026-01-01") == (1, 0, 0)
    assert again(active_from="2026-01-01") == (0, 0, 1)
    assert again(active_from="2026-01-01", active_to="2026-12-31") == (0, 1, 0)
    assert again(active_from="2026-01-01", active_to="2026-12-31") == (0, 0, 1)
    assert again(active_from="2026-01-01") == (0, 1, 0)  # empty: no last day any more
    assert [a for a, _ in _events(with_areas, "visitor")] == ["create", "update", "update"]


@pytest.mark.parametrize(
    ("cells", "changed"),
    [
        ({"team_code": "T1", "is_team_lead": "true"}, False),
        ({"team_code": "T1", "is_team_lead": ""}, False),  # empty: stays the lead
        ({"team_code": "T1", "is_team_lead": "false"}, True),
        ({"team_code": "T2", "is_team_lead": "true"}, True),
        ({"team_code": "", "is_team_lead": ""}, True),  # leaves the team
    ],
)
def test_a_visitor_whose_team_or_lead_changes_is_updated_and_one_whose_do_not_is_left(
    with_areas: Engine, tmp_path: Path, cells: dict[str, str], changed: bool
) -> None:
    import_teams(with_areas, tmp_path, "T1", "T2")
    path = tmp_path / "v.csv"
    write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1", team_code="T1", is_team_lead="true")])
    run_import(with_areas, "visitors", path)
    before = _without_audit(with_areas)
    write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1", **cells)])
    summary = run_import(with_areas, "visitors", path)
    assert (summary.updated, summary.unchanged) == ((1, 0) if changed else (0, 1))
    assert (_events(with_areas, "visitor")[1:] == [("update", "V1")]) is changed
    # Left alone, the membership row is the same row (not deleted and written again).
    assert (_without_audit(with_areas) == before) is not changed


@pytest.mark.parametrize(("flag", "changed"), [("false", True), ("", False)])
def test_a_file_without_team_codes_can_still_unmark_a_lead(
    with_areas: Engine, tmp_path: Path, flag: str, changed: bool
) -> None:
    # With no team_code column the team stays; `is_team_lead` false still stops the lead
    # (it was dropped unsaid, and the row counted as unchanged).
    import_teams(with_areas, tmp_path, "T1")
    path = tmp_path / "v.csv"
    write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1", team_code="T1", is_team_lead="true")])
    run_import(with_areas, "visitors", path)
    header = [h for h in VISITOR_HEADER if h != "team_code"]
    row = {k: v for k, v in visitor(visitor_id="V1", is_team_lead=flag).items() if k in header}
    summary = run_import(with_areas, "visitors", write_csv(tmp_path / "u.csv", header, [row]))
    assert (summary.updated, summary.unchanged) == ((1, 0) if changed else (0, 1))
    with with_areas.connect() as conn:
        member = conn.execute(
            text("SELECT t.code, m.is_lead FROM team_members m JOIN teams t ON t.id = m.team_id")
        ).one()
    assert (member[0], bool(member[1])) == ("T1", not changed)


def test_a_coordinate_come_back_from_a_spreadsheet_with_sixteen_digits_is_unchanged(
    with_areas: Engine, tmp_path: Path
) -> None:
    # A double may need 17 significant digits; a spreadsheet keeps 16 (openpyxl writes
    # "%.16g", and so does the XLSX export). That is the stored value, not an edit.
    lat, lon = 28.672379646270922, 108.34544229225297
    path = tmp_path / "h.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(household_id="H1", lat=repr(lat), lon=repr(lon))])
    run_import(with_areas, "households", path)
    again = [household(household_id="H1", lat=f"{lat:.16g}", lon=f"{lon:.16g}")]
    assert (f"{lat:.16g}", f"{lon:.16g}") != (repr(lat), repr(lon))
    write_csv(path, HOUSEHOLD_HEADER, again)
    summary = run_import(with_areas, "households", path)
    assert (summary.updated, summary.unchanged) == (0, 1)
    with with_areas.connect() as conn:
        stored = conn.execute(text("SELECT lat, lon FROM households")).one()
    assert tuple(stored) == (lat, lon)


@pytest.mark.parametrize("entity", ["households", "visitors"])
def test_languages_in_another_order_are_unchanged_and_keep_the_stored_order(
    with_areas: Engine, tmp_path: Path, entity: str
) -> None:
    header, row = (
        (HOUSEHOLD_HEADER, household) if entity == "households" else (VISITOR_HEADER, visitor)
    )
    path = tmp_path / f"{entity}.csv"
    write_csv(path, header, [row(languages="zh;hmn")])
    run_import(with_areas, entity, path)
    before = _without_audit(with_areas)
    write_csv(path, header, [row(languages="HMN; zh;zh")])  # the same set, written otherwise
    summary = run_import(with_areas, entity, path)
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert _without_audit(with_areas) == before  # "zh;hmn" as first stored, updated_at too
    assert [a for a, _ in _events(with_areas, entity[:-1])] == ["create"]


def test_a_row_written_for_another_change_takes_the_files_order_and_another_set_is_a_change(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"

    def again(languages: str, members: int = 4) -> tuple[int, int, str]:
        write_csv(path, HOUSEHOLD_HEADER, [household(languages=languages, members=members)])
        s = run_import(with_areas, "households", path)
        with with_areas.connect() as conn:
            stored = conn.execute(text("SELECT languages FROM households")).scalar_one()
        return s.updated, s.unchanged, stored

    assert again("zh;hmn") == (0, 0, "zh;hmn")
    assert again("hmn;zh") == (0, 1, "zh;hmn")
    assert again("hmn;zh", members=5) == (1, 0, "hmn;zh")
    assert again("hmn") == (1, 0, "hmn")
    assert again("hmn;zh;en") == (1, 0, "hmn;zh;en")


def test_an_id_with_invisible_marks_at_its_edges_is_the_same_id(
    with_areas: Engine, tmp_path: Path
) -> None:
    # A zero-width space or a byte-order mark before an id made another household of the
    # same id, unseen; a cell of marks only is as empty as one of spaces.
    path = tmp_path / "h.csv"
    run_import(with_areas, "households", write_csv(path, HOUSEHOLD_HEADER, [household()]))
    hid = household()["household_id"]
    for marked in (f"\u200b{hid}", f"\ufeff{hid}\u2060 "):
        again = write_csv(path, HOUSEHOLD_HEADER, [household(household_id=marked)])
        summary = run_import(with_areas, "households", again)
        assert (summary.created, summary.unchanged) == (0, 1), marked
    empty = write_csv(path, HOUSEHOLD_HEADER, [household(household_id="\u200b")])
    assert rejected(with_areas, "households", empty) == [
        "row 2, column household_id (value '\\u200b'): required value is missing"
    ]


def test_an_area_code_with_invisible_marks_is_known_to_its_children_in_the_same_file(
    engine: Engine, tmp_path: Path
) -> None:
    # Stored as "R", so a child of the same file naming "R" names it.
    rows = [["R\u200b", "Region", "", "region"], ["C", "County", "R", "county"]]
    summary = run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, rows))
    assert summary.created == 2
    with engine.connect() as conn:
        parent = conn.execute(
            text("SELECT p.code FROM areas c JOIN areas p ON p.id = c.parent_id WHERE c.code = 'C'")
        ).scalar_one()
    assert parent == "R"


def test_a_households_re_import_reads_the_stored_households_once(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Empty addresses (kept as stored), a consent act re-dated and a row unchanged: every
    # use of the stored rows (acts, empty cells, comparison) reads them from one query.
    if with_areas.dialect.name == "postgresql":
        pytest.skip("PostgreSQL reads through COPY on the driver's connection, unseen here")
    rows = [household(household_id=f"H{i}", consent_date="2026-01-02") for i in range(4)]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    rows = [
        household(household_id="H0", address=""),
        household(household_id="H1", consent_date="2026-01-01"),
        *rows[2:],
    ]
    path = write_csv(tmp_path / "h2.csv", HOUSEHOLD_HEADER, rows)
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        flat = " ".join(statement.split())
        if flat.startswith("SELECT") and re.search(r"\bFROM households\b", flat):
            reads.append(flat)

    event.listen(with_areas, "before_cursor_execute", count)
    try:
        summary = run_import(with_areas, "households", path)
    finally:
        event.remove(with_areas, "before_cursor_execute", count)
    assert (summary.updated, summary.unchanged) == (1, 3)
    assert [r for r in reads if "MAX(id)" not in r] == [
        "SELECT id, external_id, head_name, address, lat, lon, members, languages, "
        "consent_state, remote_pool, preferred_weekdays, area_id, consent_since, "
        "consent_recorded_by, consent_evidence, consent_entered_on FROM households",
    ]
