"""An import names in the audit trail every household and visitor it created or changed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.factories.db import rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def _named(engine: Engine, entity: str) -> list[tuple[str, str, str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity_id, detail FROM audit_events "
                "WHERE entity = :e ORDER BY id"
            ),
            {"e": entity},
        ).all()
    return [tuple(r) for r in rows]


def _detail(value: object) -> object:
    """JSON as the driver hands it back: parsed by psycopg, text from SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def test_each_household_an_import_creates_or_updates_has_its_own_audit_event(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    ids = ("H1", "H2", "H3", "H4")
    write_csv(path, HOUSEHOLD_HEADER, [household(household_id=h) for h in ids])
    run_import(with_areas, "households", path)
    # Again: H1 and H3 changed (not one run of ids), H2 as it is, and a new H5.
    write_csv(
        path,
        HOUSEHOLD_HEADER,
        [
            household(household_id="H3", members=5),
            household(household_id="H2"),
            household(household_id="H5"),
            household(household_id="H1", members=6),
        ],
    )
    run_import(with_areas, "households", path)
    events = _named(with_areas, "household")
    # In the order of their ids within one import and action: the database chooses.
    assert sorted((e[1], e[2]) for e in events) == [
        ("create", "H1"),
        ("create", "H2"),
        ("create", "H3"),
        ("create", "H4"),
        ("create", "H5"),
        ("update", "H1"),
        ("update", "H3"),
    ]
    assert {e[0] for e in events} == {"test"}
    assert [_detail(e[3]) for e in events] == [{"file": "h.csv"}] * 7


def test_each_visitor_an_import_writes_has_its_own_audit_event_after_the_imports(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "v.csv"
    write_csv(path, VISITOR_HEADER, [visitor(visitor_id="V1")])
    run_import(with_areas, "visitors", path)
    write_csv(
        path, VISITOR_HEADER, [visitor(visitor_id="V1", capacity=9), visitor(visitor_id="V2")]
    )
    run_import(with_areas, "visitors", path)
    with with_areas.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id FROM audit_events "
                "WHERE entity IN ('visitor', 'visitors') ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("import", "visitors", None),
        ("create", "visitor", "V1"),
        ("import", "visitors", None),
        ("create", "visitor", "V2"),
        ("update", "visitor", "V1"),
    ]


@pytest.mark.parametrize("entity", ["households", "visitors"])
def test_a_rejected_import_names_nobody_in_the_audit_trail(
    with_areas: Engine, tmp_path: Path, entity: str
) -> None:
    header, row = (
        (HOUSEHOLD_HEADER, household(members=0))
        if entity == "households"
        else (VISITOR_HEADER, visitor(capacity=-1))
    )
    # rejected() checks that nothing changed, the audit trail included.
    assert rejected(with_areas, entity, write_csv(tmp_path / "x.csv", header, [row]))


def test_each_household_whose_indicators_an_import_writes_has_its_own_event_in_its_export(
    with_areas: Engine, tmp_path: Path
) -> None:
    from doorstep.services.household_rights import export_household
    from doorstep.storage.session import unit_of_work

    hh = [household(household_id=h) for h in ("H1", "H2", "H3")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    header = ["household_id", "year", "annual_income"]
    path = tmp_path / "i.csv"
    write_csv(path, header, [["H1", 2025, 1200.5], ["H2", 2025, 900], ["H2", 2024, 800]])
    run_import(with_areas, "indicators", path)
    # Again: only H2's 2024 figure changes; H1's is the same, H3 has none.
    write_csv(path, header, [["H1", 2025, 1200.5], ["H2", 2025, 900], ["H2", 2024, 850]])
    run_import(with_areas, "indicators", path)
    events = [e for e in _named(with_areas, "household") if e[1] == "update"]
    assert sorted(e[2] for e in events) == ["H1", "H2", "H2"]
    assert {json.dumps(_detail(e[3])) for e in events} == {
        json.dumps({"file": "i.csv", "table": "household_indicators"})
    }
    with unit_of_work(with_areas) as s:
        trail = export_household(s, "H2", actor="test")["records"]["audit_events"]
    assert [e["action"] for e in trail if e["entity"] == "household"][:3] == [
        "create",
        "update",
        "update",
    ]


def test_an_indicators_row_for_a_year_still_to_come_is_refused(
    with_areas: Engine, tmp_path: Path
) -> None:
    # A year's figures are what the household had that year, and `outcomes` heads its
    # report with the latest year reported: two rows for next year made it the headline.
    hh = [household(household_id="H1")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    today = dt.date(2026, 12, 4)
    path = tmp_path / "i.csv"
    write_csv(path, ["household_id", "year", "annual_income"], [["H1", 2027, 1000]])
    assert rejected(with_areas, "indicators", path, today=today) == [
        "row 2, column year (value '2027'): is after this year (2026): a year's figures are "
        "reported once it has begun"
    ]
    write_csv(path, ["household_id", "year", "annual_income"], [["H1", 2026, 1000]])
    assert run_import(with_areas, "indicators", path, today=today).created == 1
