"""An import for an area's account writes the rows of its own area only: each row reaching
outside it is named by its cell, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import InvalidInput
from doorstep.services.importing import IMPORTS, ImportRejected, import_file
from doorstep.services.importing.scope import NAMED, WHOLE_PROGRAMME, AreaScope
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import area_tree, run_import, snapshot
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.prebuilt import Prebuilt

TODAY = dt.date(2026, 6, 1)


def _scope(engine: Engine, area: str) -> AreaScope:
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM areas WHERE code = :c"), {"c": area}).scalar()
    return AreaScope("v1-coord", area, str(path))


def _import(engine: Engine, entity: str, path: Path, area: str = "R-C-V1") -> Any:
    scope = _scope(engine, area)
    with unit_of_work(engine) as s:
        return import_file(s, entity, path, actor="api:v1-coord", today=TODAY, scope=scope)


def _refused(engine: Engine, entity: str, path: Path, area: str = "R-C-V1") -> list[Any]:
    before = snapshot(engine)
    with pytest.raises(ImportRejected) as caught:
        _import(engine, entity, path, area)
    assert snapshot(engine) == before
    return [(e.row, e.column, e.value) for e in caught.value.errors]


def _csv(tmp_path: Path, name: str, header: list[str], rows: list[dict[str, Any]]) -> Path:
    return write_csv(tmp_path / f"{name}.csv", header, rows)


@pytest.fixture
def two_villages(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """In each village (V1, V2): a household, a visitor who lives there, a team, an activity
    and a project; and V0, a visitor with no home area (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, _two_villages_in_areas, over=area_tree)
    return with_areas


def _two_villages_in_areas(e: Engine, tmp_path: Path) -> None:
    run_import(
        e,
        "organisations",
        _csv(
            tmp_path, "o", ["code", "name", "kind"], [{"code": "ORG", "name": "Org", "kind": "ngo"}]
        ),
    )
    vv = [
        visitor(visitor_id="VA", home_area_code="R-C-V1"),
        visitor(visitor_id="VB", home_area_code="R-C-V2"),
        visitor(visitor_id="V0", home_area_code=""),
    ]
    run_import(e, "visitors", _csv(tmp_path, "v", VISITOR_HEADER, vv))
    hh = [household(household_id="HA"), household(household_id="HB", area_code="R-C-V2")]
    run_import(e, "households", _csv(tmp_path, "h", HOUSEHOLD_HEADER, hh))
    for n, area in (("1", "R-C-V1"), ("2", "R-C-V2")):
        run_import(
            e,
            "teams",
            _csv(
                tmp_path,
                f"t{n}",
                TEAM,
                [{"code": f"T{n}", "name": "T", "area_code": area, "starts_on": "2026-01-01"}],
            ),
        )
        run_import(e, "activities", _csv(tmp_path, f"a{n}", ACTIVITY, [activity(f"A{n}", area)]))
        run_import(e, "projects", _csv(tmp_path, f"p{n}", PROJECT, [project(f"P{n}", area)]))


TEAM = ["code", "name", "area_code", "starts_on"]
ACTIVITY = ["code", "kind", "title", "area_code", "starts_on", "ends_on"]
PROJECT = ["code", "title", "sponsor_code", "area_code", "starts_on"]


def activity(code: str, area: str) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "trip",
        "title": "Trip",
        "area_code": area,
        "starts_on": "2026-05-01",
        "ends_on": "2026-05-02",
    }


def project(code: str, area: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Water",
        "sponsor_code": "ORG",
        "area_code": area,
        "starts_on": "2026-05-01",
    }


#: For each kind of file: its header, a row of village V1's, and the rows reaching into
#: village V2 (or to a visitor of no area), each with the column it is refused on.
CASES: dict[str, tuple[list[str], dict[str, Any], list[tuple[dict[str, Any], str]]]] = {
    "households": (
        HOUSEHOLD_HEADER,
        household(household_id="HN"),
        [
            (household(household_id="HN2", area_code="R-C-V2"), "area_code"),
            (household(household_id="HB"), "household_id"),  # would move V2's household in
        ],
    ),
    "visitors": (
        VISITOR_HEADER,
        visitor(visitor_id="VN", team_code="T1", service_area_code="R-C-V1"),
        [
            (visitor(visitor_id="VN2", home_area_code="R-C-V2"), "home_area_code"),
            (visitor(visitor_id="VB"), "visitor_id"),
            (visitor(visitor_id="V0"), "visitor_id"),
            (visitor(visitor_id="VN3", home_area_code=""), "home_area_code"),
            (visitor(visitor_id="VN4", service_area_code="R-C-V2"), "service_area_code"),
            (visitor(visitor_id="VN5", team_code="T2"), "team_code"),
        ],
    ),
    "teams": (
        TEAM,
        {"code": "TN", "name": "New", "area_code": "R-C-V1", "starts_on": "2026-01-01"},
        [
            (
                {"code": "TN2", "name": "N", "area_code": "R-C-V2", "starts_on": "2026-01-01"},
                "area_code",
            ),
            ({"code": "T2", "name": "N", "area_code": "R-C-V1", "starts_on": "2026-01-01"}, "code"),
        ],
    ),
    "indicators": (
        ["household_id", "year", "annual_income"],
        {"household_id": "HA", "year": 2025, "annual_income": 9000},
        [({"household_id": "HB", "year": 2025, "annual_income": 9000}, "household_id")],
    ),
    "blackouts": (
        ["household_id", "starts_on", "ends_on"],
        {"household_id": "HA", "starts_on": "2026-07-01", "ends_on": "2026-07-09"},
        [
            (
                {"household_id": "HB", "starts_on": "2026-07-01", "ends_on": "2026-07-09"},
                "household_id",
            )
        ],
    ),
    "leave": (
        ["visitor_id", "starts_on", "ends_on"],
        {"visitor_id": "VA", "starts_on": "2026-07-01", "ends_on": "2026-07-09"},
        [
            (
                {"visitor_id": "VB", "starts_on": "2026-07-01", "ends_on": "2026-07-09"},
                "visitor_id",
            ),
            (
                {"visitor_id": "V0", "starts_on": "2026-07-01", "ends_on": "2026-07-09"},
                "visitor_id",
            ),
        ],
    ),
    "exclusions": (
        ["household_id", "visitor_id", "reason"],
        {"household_id": "HA", "visitor_id": "VB", "reason": "kin"},
        [({"household_id": "HB", "visitor_id": "VA", "reason": "kin"}, "household_id")],
    ),
    "visits": (
        ["visit_id", "household_id", "visitor_id", "start"],
        None,  # a visit needs a pairing: accepted rows are tested where visits are
        [
            (
                {"visit_id": "x1", "household_id": "HB", "visitor_id": "VA", "start": "2026-05-02"},
                "household_id",
            )
        ],
    ),
    "activities": (
        ACTIVITY,
        activity("AN", "R-C-V1"),
        [(activity("AN2", "R-C-V2"), "area_code"), (activity("A2", "R-C-V1"), "code")],
    ),
    "attendance": (
        ["activity_code", "household_id", "visitor_id"],
        {"activity_code": "A1", "household_id": "HA"},
        [
            ({"activity_code": "A2", "visitor_id": "VA"}, "activity_code"),
            ({"activity_code": "A1", "household_id": "HB"}, "household_id"),
            ({"activity_code": "A1", "visitor_id": "VB"}, "visitor_id"),
        ],
    ),
    "projects": (
        PROJECT,
        project("PN", "R-C-V1"),
        [(project("PN2", "R-C-V2"), "area_code"), (project("P2", "R-C-V1"), "code")],
    ),
    "referrals": (
        ["household_id", "organisation_code", "service", "made_on"],
        {
            "household_id": "HA",
            "organisation_code": "ORG",
            "service": "health",
            "made_on": "2026-05-01",
        },
        [
            (
                {
                    "household_id": "HB",
                    "organisation_code": "ORG",
                    "service": "health",
                    "made_on": "2026-05-01",
                },
                "household_id",
            )
        ],
    ),
    "project_households": (
        ["project_code", "household_id"],
        {"project_code": "P1", "household_id": "HA"},
        [
            ({"project_code": "P2", "household_id": "HA"}, "project_code"),
            ({"project_code": "P1", "household_id": "HB"}, "household_id"),
        ],
    ),
}


def test_every_kind_of_file_is_confined_or_the_whole_programme_s() -> None:
    assert set(IMPORTS) == set(NAMED) | set(WHOLE_PROGRAMME) | {"areas"}
    assert set(CASES) == set(NAMED)


@pytest.mark.parametrize("entity", sorted(CASES))
def test_rows_reaching_outside_the_area_are_named_and_nothing_is_written(
    two_villages: Engine, tmp_path: Path, entity: str
) -> None:
    header, inside, outside = CASES[entity]
    rows = ([inside] if inside else []) + [r for r, _ in outside]
    first = 3 if inside else 2
    got = _refused(two_villages, entity, _csv(tmp_path, entity, header, rows))
    assert [(row, column) for row, column, _ in got] == [
        (first + i, column) for i, (_, column) in enumerate(outside)
    ]


@pytest.mark.parametrize("entity", sorted(e for e, c in CASES.items() if c[1] is not None))
def test_the_area_s_own_rows_are_imported(
    two_villages: Engine, tmp_path: Path, entity: str
) -> None:
    header, inside, _ = CASES[entity]
    assert inside is not None
    mark = last_event_id(two_villages)
    done = _import(two_villages, entity, _csv(tmp_path, entity, header, [inside]))
    assert done.rows == 1 and done.created == 1
    # The import's own event names the area, whose manager reads it in the trail.
    own = [d for a, _, i, d in trail(two_villages, mark) if a == "import"]
    assert own == [{"file": f"{entity}.csv", "rows": 1, "created": 1, "updated": 0} | own[0]]
    assert own[0]["area"] == "R-C-V1"


def test_a_county_s_account_imports_for_each_of_its_villages(
    two_villages: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id="HB"), household(household_id="HN", area_code="R-C-V2")]
    done = _import(two_villages, "households", _csv(tmp_path, "h", HOUSEHOLD_HEADER, rows), "R-C")
    assert (done.created, done.updated) == (1, 1)


def test_the_reason_says_whose_area_it_is(two_villages: Engine, tmp_path: Path) -> None:
    rows = [household(household_id="HN", area_code="R-C-V2")]
    with pytest.raises(ImportRejected) as caught:
        _import(two_villages, "households", _csv(tmp_path, "h", HOUSEHOLD_HEADER, rows))
    [error] = caught.value.errors
    assert error.reason == ("is an area outside area R-C-V1, the one account v1-coord imports for")


def test_a_visitor_file_without_home_areas_keeps_stored_ones_and_refuses_new_people(
    two_villages: Engine, tmp_path: Path
) -> None:
    header = ["visitor_id", "name", "lat", "lon", "languages", "capacity"]
    row = {"name": "X", "lat": 26.6, "lon": 107.9, "languages": "zh", "capacity": 3}
    path = _csv(tmp_path, "v", header, [{"visitor_id": "VA", **row}, {"visitor_id": "VN", **row}])
    assert _refused(two_villages, "visitors", path) == [(3, "home_area_code", "")]
    done = _import(
        two_villages, "visitors", _csv(tmp_path, "v2", header, [{"visitor_id": "VA", **row}])
    )
    assert done.updated == 1


def test_organisations_are_not_imported_for_an_area(two_villages: Engine, tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "o", ["code", "name", "kind"], [{"code": "O2", "name": "O", "kind": "ngo"}]
    )
    with pytest.raises(InvalidInput, match="whole programme"):
        _import(two_villages, "organisations", path)


def test_areas_are_added_and_moved_under_the_account_s_area_only(
    two_villages: Engine, tmp_path: Path
) -> None:
    rows = [
        {"code": "R-C-V1-A", "name": "Hamlet", "parent_code": "R-C-V1", "level": "hamlet"},
        {"code": "R-C-V1-A-1", "name": "Yard", "parent_code": "R-C-V1-A", "level": "yard"},
        # its own area renamed, with its parent kept
        {"code": "R-C-V1", "name": "Village one (east)", "parent_code": "R-C", "level": "village"},
    ]
    done = _import(two_villages, "areas", _csv(tmp_path, "a", AREA_HEADER, rows))
    assert (done.created, done.updated) == (2, 1)
    bad = [
        {"code": "R-C-V1-B", "name": "Hamlet", "parent_code": "R-C-V2", "level": "hamlet"},
        {"code": "R-C-V2", "name": "Village two", "parent_code": "R-C-V1", "level": "village"},
        {"code": "R-C-V1", "name": "Village one", "parent_code": "R", "level": "village"},
        {"code": "R-C-V1-A", "name": "Hamlet", "parent_code": "R-C", "level": "hamlet"},
        {"code": "R-X", "name": "New root", "parent_code": "", "level": "region"},
        # hangs from a row refused above: it is not in the area either
        {"code": "R-C-V1-C", "name": "Hamlet", "parent_code": "R-C-V1-B", "level": "hamlet"},
    ]
    got = _refused(two_villages, "areas", _csv(tmp_path, "b", AREA_HEADER, bad))
    assert sorted(got) == [
        (2, "parent_code", "R-C-V2"),
        (3, "code", "R-C-V2"),
        (4, "parent_code", "R"),
        (5, "parent_code", "R-C"),
        (6, "parent_code", ""),
        (7, "parent_code", "R-C-V1-B"),
    ]


def test_a_cycle_of_areas_is_named_as_a_cycle_not_as_outside_the_area(
    two_villages: Engine, tmp_path: Path
) -> None:
    """Two new hamlets each under the other: in no tree, so in no area, but what is wrong
    is the cycle, and the reason says so, as to an account of the whole programme; a row
    below the cycle is not named (nor is it there); one leaving the area still is."""
    rows = [
        {"code": "R-C-V1-A", "name": "A", "parent_code": "R-C-V1-B", "level": "hamlet"},
        {"code": "R-C-V1-B", "name": "B", "parent_code": "R-C-V1-A", "level": "hamlet"},
        {"code": "R-C-V1-C", "name": "C", "parent_code": "R-C-V1-A", "level": "yard"},
        {"code": "R-C-V1-D", "name": "D", "parent_code": "R-C-V2", "level": "hamlet"},
    ]
    with pytest.raises(ImportRejected) as caught:
        _import(two_villages, "areas", _csv(tmp_path, "a", AREA_HEADER, rows))
    said = sorted((e.row, e.column, e.reason) for e in caught.value.errors)
    assert said == [
        (
            2,
            "parent_code",
            "the parent links form a cycle: R-C-V1-A > R-C-V1-B > R-C-V1-A; change one of "
            "these rows' parent_code",
        ),
        (
            3,
            "parent_code",
            "the parent links form a cycle: R-C-V1-B > R-C-V1-A > R-C-V1-B; change one of "
            "these rows' parent_code",
        ),
        (
            5,
            "parent_code",
            "puts the area outside area R-C-V1, the one account v1-coord imports for",
        ),
    ]


def test_an_area_file_without_parents_keeps_the_tree(two_villages: Engine, tmp_path: Path) -> None:
    header = ["code", "name", "level"]
    rows = [{"code": "R-C-V1", "name": "V one", "level": "village"}]
    assert _import(two_villages, "areas", _csv(tmp_path, "a", header, rows)).updated == 1
    rows = [{"code": "R-C-V2", "name": "V two", "level": "village"}]
    assert _refused(two_villages, "areas", _csv(tmp_path, "b", header, rows)) == [
        (2, "code", "R-C-V2")
    ]
