"""Imports write every entity, update in place on re-import, and keep history of consent."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine, text

from tests.factories.db import import_teams, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def test_reimporting_the_same_ids_updates_in_place(with_areas: Engine, tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(household_id="H1"), household(household_id="H2")])
    first = run_import(with_areas, "households", path)
    write_csv(
        path,
        HOUSEHOLD_HEADER,
        [household(household_id="H1", members=7), household(household_id="H3")],
    )
    second = run_import(with_areas, "households", path)
    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated) == (1, 1)
    with with_areas.connect() as conn:
        rows = conn.execute(text("SELECT external_id, members FROM households ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("H1", 7), ("H2", 4), ("H3", 4)]


def test_every_consent_act_is_kept_and_the_latest_is_in_force(
    with_areas: Engine, tmp_path: Path
) -> None:
    from doorstep.privacy.consent import consent_history
    from doorstep.storage.session import unit_of_work

    path = tmp_path / "households.csv"
    write_csv(path, HOUSEHOLD_HEADER, [household(consent="given")])
    run_import(with_areas, "households", path)
    run_import(with_areas, "households", path)  # same state: no new act
    write_csv(path, HOUSEHOLD_HEADER, [household(consent="withdrawn", consent_date="2026-03-01")])
    run_import(with_areas, "households", path)
    with unit_of_work(with_areas) as s:
        acts = consent_history(s, "H1", actor="test")
    assert [(a.state, str(a.since), a.current) for a in acts] == [
        ("given", "2026-01-02", False),
        ("withdrawn", "2026-03-01", True),
    ]
    assert {a.evidence for a in acts} == {"imported from households.csv"}
    assert {a.recorded_by for a in acts} == {"test"}


def test_visitors_join_their_team_and_the_lead_is_marked(
    with_areas: Engine, tmp_path: Path
) -> None:
    run_import(
        with_areas,
        "organisations",
        write_csv(
            tmp_path / "o.csv",
            ["code", "name", "kind"],
            [["AG", "Agriculture Bureau", "department"]],
        ),
    )
    run_import(
        with_areas,
        "teams",
        write_csv(
            tmp_path / "t.csv",
            ["code", "name", "area_code", "organisation_code", "starts_on"],
            [["T1", "Village one team", "R-C-V1", "AG", "2026-01-01"]],
        ),
    )
    rows = [
        visitor(visitor_id="V1", team_code="T1", is_team_lead="true", organisation_code="AG"),
        visitor(visitor_id="V2", team_code="T1", service_area_code="R-C-V1"),
        visitor(visitor_id="V3"),
    ]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))
    with with_areas.connect() as conn:
        members = conn.execute(
            text(
                "SELECT v.external_id, m.is_lead FROM team_members m "
                "JOIN visitors v ON v.id = m.visitor_id ORDER BY v.external_id"
            )
        ).all()
    assert [(r[0], bool(r[1])) for r in members] == [("V1", True), ("V2", False)]


def test_an_area_tree_of_any_depth_gets_paths_and_a_cycle_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["code", "name", "parent_code", "level"]
    chain = [["A0", "Root", "", "l0"]] + [
        [f"A{i}", f"N{i}", f"A{i - 1}", f"l{i}"] for i in range(1, 8)
    ]
    # Children listed before parents: order in the file does not matter.
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", header, list(reversed(chain))))
    with engine.connect() as conn:
        depth, path = conn.execute(text("SELECT depth, path FROM areas WHERE code = 'A7'")).one()
    assert depth == 7
    assert path.count("/") == 9
    import pytest

    from doorstep.services.importing import ImportRejected

    cyc = write_csv(tmp_path / "c.csv", header, [["A0", "Root", "A7", "l0"]])
    with pytest.raises(ImportRejected, match="the parent links form a cycle"):
        run_import(engine, "areas", cyc)


def test_xlsx_and_parquet_files_import_like_csv(with_areas: Engine, tmp_path: Path) -> None:
    frame = pl.DataFrame([household(household_id=f"H{i}") for i in range(3)])
    frame.write_parquet(tmp_path / "h.parquet")
    assert run_import(with_areas, "households", tmp_path / "h.parquet").created == 3
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HOUSEHOLD_HEADER)
    for i in range(3, 5):
        ws.append(list(household(household_id=f"H{i}").values()))
    wb.save(tmp_path / "h.xlsx")
    assert run_import(with_areas, "households", tmp_path / "h.xlsx").created == 2


def test_a_file_that_leaves_columns_out_changes_only_the_columns_it_has(
    with_areas: Engine, tmp_path: Path
) -> None:
    # The team, the lead, consent, the address and the area tree are stored first.
    import_teams(with_areas, tmp_path, "T1")
    lead = visitor(visitor_id="V1", team_code="T1", is_team_lead="true")
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [lead]))
    given = household(household_id="H1", consent="given", address="No. 9 East Street")
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [given]))
    with with_areas.connect() as conn:
        acts_before = conn.execute(text("SELECT COUNT(*) FROM consent_records")).scalar_one()

    # Files with fewer columns: a new name, new members, a new level name.
    run_import(
        with_areas,
        "visitors",
        write_csv(
            tmp_path / "v2.csv",
            ["visitor_id", "name", "lat", "lon", "languages", "capacity"],
            [["V1", "Li Wei-min", 26.6, 107.95, "zh", 3]],
        ),
    )
    narrow = ["household_id", "head_name", "area_code", "lat", "lon", "members", "languages"]
    run_import(
        with_areas,
        "households",
        write_csv(
            tmp_path / "h2.csv",
            narrow,
            [
                ["H1", "Wang Fang", "R-C-V1", 26.58, 107.98, 6, "zh"],
                ["H2", "Zhao Lei", "R-C-V2", 26.59, 107.98, 3, "zh"],
            ],
        ),
    )
    run_import(
        with_areas,
        "areas",
        write_csv(tmp_path / "a2.csv", ["code", "name", "level"], [["R-C-V1", "Village 1", "v"]]),
    )
    with with_areas.connect() as conn:
        v = conn.execute(
            text(
                "SELECT v.name, v.capacity, t.code, m.is_lead FROM visitors v "
                "JOIN team_members m ON m.visitor_id = v.id JOIN teams t ON t.id = m.team_id"
            )
        ).one()
        h = conn.execute(
            text(
                "SELECT external_id, members, consent_state, address FROM households "
                "ORDER BY external_id"
            )
        ).all()
        acts = conn.execute(text("SELECT COUNT(*) FROM consent_records")).scalar_one()
        area = conn.execute(
            text(
                "SELECT a.name, p.code, a.depth FROM areas a JOIN areas p ON p.id = a.parent_id "
                "WHERE a.code = 'R-C-V1'"
            )
        ).one()
    assert (v[0], v[1], v[2], bool(v[3])) == ("Li Wei-min", 3, "T1", True)
    # A household already stored keeps its consent and address; a new one gets the defaults.
    assert [tuple(r) for r in h] == [
        ("H1", 6, "given", "No. 9 East Street"),
        ("H2", 3, "pending", ""),
    ]
    assert acts == acts_before
    assert tuple(area) == ("Village 1", "R-C", 2)


def test_an_empty_consent_keeps_a_stored_households_consent_and_a_new_one_starts_pending(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "households.csv"
    write_csv(
        path,
        HOUSEHOLD_HEADER,
        [
            household(household_id="H1", consent="given"),
            household(household_id="H2", consent="withdrawn", consent_date="2026-02-01"),
        ],
    )
    run_import(with_areas, "households", path)
    with with_areas.connect() as conn:
        acts_before = conn.execute(text("SELECT COUNT(*) FROM consent_records")).scalar_one()
    # The same file from a system that does not hold consent: the column is there, empty.
    write_csv(
        path,
        HOUSEHOLD_HEADER,
        [
            household(household_id=h, consent="", consent_date="", members=5)
            for h in ("H1", "H2", "H3")
        ],
    )
    run_import(with_areas, "households", path)
    with with_areas.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, members, consent_state, consent_since FROM households "
                "ORDER BY external_id"
            )
        ).all()
        acts = conn.execute(text("SELECT COUNT(*) FROM consent_records")).scalar_one()
    assert [(r[0], r[1], r[2], str(r[3])) for r in rows] == [
        ("H1", 5, "given", "2026-01-02"),
        ("H2", 5, "withdrawn", "2026-02-01"),
        ("H3", 5, "pending", "None"),
    ]
    assert acts == acts_before


def test_an_empty_cell_in_a_column_with_a_default_keeps_what_is_stored(
    with_areas: Engine, tmp_path: Path
) -> None:
    org_header = ["code", "name", "kind"]
    run_import(
        with_areas,
        "organisations",
        write_csv(tmp_path / "o.csv", org_header, [["NG", "Clinic", "ngo"]]),
    )
    import_teams(with_areas, tmp_path, "T1")
    lead = visitor(visitor_id="V1", team_code="T1", is_team_lead="true")
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [lead]))
    h = household(household_id="H1", address="No. 9 East Street")
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [h]))

    # Again, with the defaulted columns empty, and a new row of each.
    run_import(
        with_areas,
        "organisations",
        write_csv(tmp_path / "o.csv", org_header, [["NG", "Clinic", ""], ["AG", "Bureau", ""]]),
    )
    run_import(
        with_areas,
        "visitors",
        write_csv(
            tmp_path / "v.csv",
            VISITOR_HEADER,
            [
                visitor(visitor_id=v, team_code="T1", is_team_lead="", capacity=5)
                for v in ("V1", "V2")
            ],
        ),
    )
    run_import(
        with_areas,
        "households",
        write_csv(
            tmp_path / "h.csv",
            HOUSEHOLD_HEADER,
            [household(household_id=i, address="", members=6) for i in ("H1", "H2")],
        ),
    )
    with with_areas.connect() as conn:
        kinds = conn.execute(text("SELECT code, kind FROM organisations ORDER BY code")).all()
        leads = conn.execute(
            text(
                "SELECT v.external_id, v.capacity, m.is_lead FROM team_members m "
                "JOIN visitors v ON v.id = m.visitor_id ORDER BY v.external_id"
            )
        ).all()
        addresses = conn.execute(
            text("SELECT external_id, members, address FROM households ORDER BY external_id")
        ).all()
    assert [tuple(r) for r in kinds] == [("AG", "department"), ("NG", "ngo")]
    assert [(r[0], r[1], bool(r[2])) for r in leads] == [("V1", 5, True), ("V2", 5, False)]
    assert [tuple(r) for r in addresses] == [("H1", 6, "No. 9 East Street"), ("H2", 6, "")]


def test_an_empty_cell_in_a_column_without_a_default_clears_what_is_stored(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Empty is how a file says "none": no end date, no service area.
    path = tmp_path / "v.csv"
    ends = visitor(visitor_id="V1", active_to="2027-01-01", service_area_code="R-C")
    run_import(with_areas, "visitors", write_csv(path, VISITOR_HEADER, [ends]))
    run_import(with_areas, "visitors", write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1")]))
    with with_areas.connect() as conn:
        row = conn.execute(text("SELECT active_to, service_area_id FROM visitors")).one()
    assert tuple(row) == (None, None)
