"""`doorstep export ... --area CODE`: the rows of the households of an area and the areas
below it, as `pair` and `plan` take an area, each person in the file named in the trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import InvalidInput, NotFound
from doorstep.services.exclusions import exclude
from doorstep.services.exporting import export_entity
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import START, pair_and_plan
from tests.services.test_exporting import written


@pytest.fixture
def two_villages(with_areas: Engine, tmp_path: Path) -> Engine:
    """H0 and H1 in village R-C-V1, H2 in R-C-V2, all paired with V1 and planned; each
    household kept apart from V2."""
    hh = [
        household(household_id="H0", lat=26.580),
        household(household_id="H1", lat=26.581),
        household(household_id="H2", lat=26.582, area_code="R-C-V2"),
    ]
    vv = [visitor(visitor_id="V1", capacity=3), visitor(visitor_id="V2", capacity=0)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pair_and_plan(with_areas, START)
    with unit_of_work(with_areas) as s:
        for h in ("H0", "H1", "H2"):
            exclude(s, h, "V2", reason="", actor="test", today=START)
    figures = [["H0", 2026, 1], ["H2", 2026, 2]]
    path = write_csv(tmp_path / "i.csv", ["household_id", "year", "members_in_work"], figures)
    run_import(with_areas, "indicators", path)
    harvest = [[h, "2027-09-01", "2027-09-30", "harvest"] for h in ("H1", "H2")]
    header = ["household_id", "starts_on", "ends_on", "reason"]
    run_import(with_areas, "blackouts", write_csv(tmp_path / "b.csv", header, harvest))
    return with_areas


def _export(engine: Engine, entity: str, path: Path, area: str | None) -> list[str]:
    """The households of the rows written, in order."""
    with unit_of_work(engine) as s:
        pending = export_entity(s, entity, path, actor="test", area=area)
    pending.write()
    return [str(h) for h in written(path)["household_id"].to_list()]


@pytest.mark.parametrize(
    "entity", ["visits", "exclusions", "pairings", "households", "indicators", "blackouts"]
)
def test_an_area_export_holds_the_rows_of_that_areas_households_and_below(
    two_villages: Engine, tmp_path: Path, entity: str
) -> None:
    every = _export(two_villages, entity, tmp_path / "all.csv", None)
    for area, households in (("R-C-V1", {"H0", "H1"}), ("R-C-V2", {"H2"}), ("R", None)):
        got = _export(two_villages, entity, tmp_path / f"{area}.csv", area)
        assert got == [h for h in every if households is None or h in households]
    # The filter had rows to leave out, of each village.
    assert "H2" in every and {"H0", "H1"} & set(every)


def test_an_area_export_names_only_the_people_in_its_file_and_its_area_in_its_event(
    two_villages: Engine, tmp_path: Path
) -> None:
    last = last_event_id(two_villages)
    _export(two_villages, "exclusions", tmp_path / "x.csv", "R-C-V2")
    detail = {"file": "x.csv", "export": "exclusions"}
    assert trail(two_villages, last) == [
        ("export", "exclusions", None, {"file": "x.csv", "rows": 1, "area": "R-C-V2"}),
        ("export", "household", "H2", detail),
        ("export", "visitor", "V2", detail),
    ]


def test_an_unknown_area_or_one_for_an_entity_not_of_households_is_refused_recording_nothing(
    two_villages: Engine, tmp_path: Path
) -> None:
    last = last_event_id(two_villages)
    with (
        pytest.raises(NotFound, match=r"^no area with code 'NOWHERE'$"),
        unit_of_work(two_villages) as s,
    ):
        export_entity(s, "visits", tmp_path / "out.csv", actor="test", area="NOWHERE")
    with (
        pytest.raises(InvalidInput, match="--area is for the files of households' rows"),
        unit_of_work(two_villages) as s,
    ):
        export_entity(s, "visitors", tmp_path / "out.csv", actor="test", area="R")
    assert trail(two_villages, last) == []
    assert not (tmp_path / "out.csv").exists()


def test_an_area_export_from_a_database_without_areas_names_the_database(
    engine: Engine, tmp_path: Path
) -> None:
    # The same refusal as pair --area and plan --area give.
    with pytest.raises(NotFound, match="holds no areas"), unit_of_work(engine) as s:
        export_entity(s, "pairings", tmp_path / "p.csv", actor="test", area="GZ")
