"""A household's rights: everything held about it exported, and erased on request."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import NotFound
from doorstep.services import household_rights, pairing, planning
from doorstep.storage.repositories.household_data import referencing
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.sides import Side

START = dt.date(2027, 1, 4)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 paired with V1 and planned; H1 has a replaced consent act, an indicator
    and a blackout."""
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    rows = [household(household_id="H1", consent="pending"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    rows[0] = household(household_id="H1", consent="given", consent_date="2026-02-01")
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    run_import(
        with_areas,
        "indicators",
        write_csv(
            tmp_path / "i.csv", ["household_id", "year", "annual_income"], [["H1", 2026, 9000]]
        ),
    )
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO household_blackouts (household_id, starts_on, ends_on, reason) "
                "SELECT id, '2027-09-01', '2027-09-30', 'harvest' FROM households "
                "WHERE external_id = 'H1'"
            )
        )
    # Its activity and project, imported as a programme records them.
    files = {
        "organisations": (["code", "name", "kind"], [["W", "Water NGO", "ngo"]]),
        "activities": (
            ["code", "kind", "title", "area_code", "starts_on", "ends_on"],
            [["PIG", "training", "Pig farming class", "R-C-V1", "2026-05-01", "2026-05-01"]],
        ),
        "projects": (
            ["code", "title", "sponsor_code", "area_code", "starts_on"],
            [["P1", "Clean water", "W", "R", "2026-03-01"]],
        ),
        "attendance": (["activity_code", "household_id"], [["PIG", "H1"]]),
        "project_households": (["project_code", "household_id"], [["P1", "H1"]]),
    }
    for entity, (header, rows_) in files.items():
        run_import(with_areas, entity, write_csv(tmp_path / f"{entity}.csv", header, rows_))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    return with_areas


def _rows_about(engine: Engine, external_id: str) -> dict[str, int]:
    with engine.connect() as conn:
        hid = conn.execute(
            text("SELECT id FROM households WHERE external_id = :h"), {"h": external_id}
        ).scalar()
        out = {}
        for table, column in referencing():
            n = conn.execute(
                text(f"SELECT COUNT(*) FROM {table.name} WHERE {column.name} = :id"), {"id": hid}
            ).scalar_one()
            if n:
                out[table.name] = n
    return out


def test_every_table_that_refers_to_a_household_is_covered(planned: Engine) -> None:
    # Read from the migrated database, not from the models the code walks.
    found = set()
    inspector = inspect(planned)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "households":
                found |= {(table, c) for c in fk["constrained_columns"]}
    assert found == {(t.name, c.name) for t, c in referencing()}


def test_a_household_gets_everything_held_about_it(planned: Engine) -> None:
    with unit_of_work(planned) as s:
        data = household_rights.export_household(s, "H1", actor="test")
    json.dumps(data)  # plain JSON throughout
    records = data["records"]
    assert [r["external_id"] for r in records["households"]] == ["H1"]
    assert [r["action"] for r in records["consent_records"]] == ["pending"]
    assert records["household_indicators"][0]["annual_income"] == 9000
    assert records["household_blackouts"][0]["starts_on"] == "2027-09-01"
    assert len(records["pairings"]) == 1 and len(records["proposed_pairs"]) == 1
    assert records["visits"] and all(
        v["household_id"] == records["households"][0]["id"] for v in records["visits"]
    )
    assert [v["external_id"] for v in records["visitors"]] == ["V1"]
    assert records["areas"][0]["code"] == "R-C-V1"
    # What its rows point to: the activity, the project, the proposal of its pair.
    assert [a["title"] for a in records["activities"]] == ["Pig farming class"]
    assert [p["title"] for p in records["projects"]] == ["Clean water"]
    assert [p["id"] for p in records["pairing_proposals"]] == [
        records["proposed_pairs"][0]["proposal_id"]
    ]
    pointed = ("visitors", "areas", "activities", "projects", "pairing_proposals", "audit_events")
    counts = {t: len(r) for t, r in records.items() if t not in pointed}
    assert counts == {"households": 1, **_rows_about(planned, "H1")}
    with planned.connect() as conn:
        event = conn.execute(
            text(
                "SELECT action, entity_id FROM audit_events WHERE entity = 'household' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert tuple(event) == ("subject_export", "H1")  # (then one under its visitor)
    # The next export holds the trail's events about it: the two imports that wrote it, the
    # one that wrote its figures, those that added its attendance and its project, the
    # proposal that read it, the commit that started its pairing, the plan that wrote its
    # visits, and this export.
    with unit_of_work(planned) as s:
        again = household_rights.export_household(s, "H1", actor="test")
    trail = again["records"]["audit_events"]
    joined = [e["detail"] for e in trail if e["action"] == "create"][1:]
    assert joined == [
        {"file": "attendance.csv", "table": "activity_attendance", "activity": "PIG"},
        {"file": "project_households.csv", "table": "project_households", "project": "P1"},
    ]
    trail = [e for e in trail if e["detail"] not in joined]
    assert [e["action"] for e in trail] == [
        "create",
        "update",
        "update",
        "read",
        "update",
        "update",
        "subject_export",
    ]
    assert [e["detail"] for e in trail[:2]] == [{"file": "h.csv"}] * 2
    assert list(trail[3]["detail"]) == ["pairing_proposal"]
    trail = trail[:3] + trail[4:]
    assert [e["detail"]["table"] for e in trail[2:5]] == [
        "household_indicators",
        "pairings",
        "visits",
    ]


def test_erasing_a_household_removes_every_row_about_it_and_nothing_else(
    planned: Engine,
) -> None:
    before_h2 = _rows_about(planned, "H2")
    held = _rows_about(planned, "H1")
    with unit_of_work(planned) as s:
        erased = household_rights.erase_household(s, "H1", actor="test")
    assert erased == {"households": 1, **held}
    with planned.connect() as conn:
        assert (
            conn.execute(
                text("SELECT COUNT(*) FROM households WHERE external_id = 'H1'")
            ).scalar_one()
            == 0
        )
        for table, column in referencing():
            orphans = conn.execute(
                text(
                    f"SELECT COUNT(*) FROM {table.name} WHERE {column.name} NOT IN "
                    "(SELECT id FROM households)"
                )
            ).scalar_one()
            assert orphans == 0, table.name
        detail = conn.execute(
            text("SELECT detail FROM audit_events WHERE action = 'delete' AND entity_id = 'H1'")
        ).scalar_one()
    assert "Wang" not in str(detail)  # the trail keeps counts, not the household's data
    assert _rows_about(planned, "H2") == before_h2
    erased = "household H1 was erased: nothing is held about it"
    with unit_of_work(planned) as s, pytest.raises(NotFound, match=erased):
        household_rights.export_household(s, "H1", actor="test")


def test_an_export_beside_an_erasure_waits_for_it_then_finds_the_household_gone(
    planned: Engine, db_url: str
) -> None:
    # Without the erasure's lock, the export read H1's rows while the erasure ran and wrote
    # its event, with their counts, after the erasure had redacted the trail.
    def export(engine: Engine) -> None:
        with unit_of_work(engine) as s:
            household_rights.export_household(s, "H1", actor="reader")

    reader = Side(db_url, export)
    with unit_of_work(planned) as s:
        household_rights.erase_household(s, "H1", actor="test")
        waited = reader.waits()
    reader.join(60)
    assert waited, f"the export did not wait for the erasure: {reader.outcome}"
    assert isinstance(reader.outcome, NotFound), reader.outcome
    with planned.connect() as conn:
        details = conn.execute(
            text(
                "SELECT action FROM audit_events "
                "WHERE entity_id = 'H1' AND action = 'subject_export'"
            )
        ).all()
    assert details == []


def test_a_households_export_lists_its_visits_in_the_order_they_were_written(
    planned: Engine,
) -> None:
    # PostgreSQL returns rows in the order they lie on disk: a visit whose status changed
    # since (recorded as made, say, or missed) came after those still planned, out of the
    # order a visitor's export has.
    with planned.begin() as conn:
        conn.execute(
            text(
                "UPDATE visits SET status = 'missed' WHERE id = (SELECT MIN(v.id) FROM "
                "visits v JOIN households h ON h.id = v.household_id WHERE h.external_id = 'H1')"
            )
        )
    with unit_of_work(planned) as s:
        visits = household_rights.export_household(s, "H1", actor="test")["records"]["visits"]
    assert len(visits) > 1
    assert [v["id"] for v in visits] == sorted(v["id"] for v in visits)


def test_a_households_export_gives_every_time_with_its_utc_offset(planned: Engine) -> None:
    # SQLite hands stored times back without an offset, PostgreSQL with one: the same
    # export read '2026-12-04T16:00:25' from one and '...+00:00' from the other.
    with unit_of_work(planned) as s:
        records = household_rights.export_household(s, "H1", actor="test")["records"]
    times = [
        records["households"][0]["created_at"],
        records["visits"][0]["updated_at"],
        records["audit_events"][0]["at"],
    ]
    assert all(dt.datetime.fromisoformat(t).utcoffset() == dt.timedelta(0) for t in times)
