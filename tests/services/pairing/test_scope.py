"""Which visitors a database-mode proposal considers, and the places each one has.

The rule: every local visitor whose home is within the distance limit of one of the area's
households, whatever their home or service area (none at all included); the visitors of the
remote pools its households name; and the visitors who look after its households now. A
visitor's places are their capacity less their open pairings outside the area.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    home,
    open_pairings,
    propose,
    proposed,
    reasons,
    tree,
    worker,
)


@pytest.fixture
def areas(engine: Engine, tmp_path: Path) -> Engine:
    return tree(engine, tmp_path)


def _considered(engine: Engine, area: str, *, max_km: float = 30.0) -> list[str]:
    with unit_of_work(engine) as s:
        scope = pairing.load_scope(s, area, today=TODAY, max_m=max_km * 1000)
    return sorted(scope.visitors["external_id"].to_list())


def _alternatives(engine: Engine, household: str) -> list[tuple[str, str]]:
    with unit_of_work(engine) as s:
        e = pairing.explain_household(s, household, actor="test").explanation
    return [(a.visitor_id, a.why.value) for a in e.alternatives]


def test_a_visitor_without_home_or_service_area_pairs_the_households_near_their_home(
    areas: Engine, tmp_path: Path
) -> None:
    # /tmp/adv_work/db4: VN, imported without home_area_code, was never used, even for R.
    vv = [
        worker(visitor_id="VS", lat=51.60, lon=-0.11, capacity=1, service_area_code="B"),
        worker(visitor_id="VN", home_area_code="", lat=51.60, lon=-0.11, capacity=3),
    ]
    add(areas, tmp_path, "visitors", vv)
    hh = [
        home(household_id=f"HB{i}", area_code="B1", lat=51.601 + i / 1000, lon=-0.102)
        for i in range(4)
    ]
    add(areas, tmp_path, "households", hh)
    for area in ("R", "B", "B1"):
        view = propose(areas, area)
        assert (view.figures["paired"], view.figures["unpaired"]) == (4, 0), area
        assert sorted(proposed(areas, view.id).values()) == ["VN", "VN", "VN", "VS"]
    # `pair explain` names VN: as the visitor, or as the full alternative of VS's household.
    by_visitor = {v: h for h, v in proposed(areas, view.id).items()}
    assert ("VN", "full") in _alternatives(areas, by_visitor["VS"])


def test_a_visitor_serving_a_county_pairs_in_its_villages_as_in_the_county(
    areas: Engine, tmp_path: Path
) -> None:
    # VS lives in county A but serves county B; proposing B1 alone left HB1 and HB2
    # 'no_visitor_within_distance' although proposing B paired them.
    add(
        areas,
        tmp_path,
        "visitors",
        [worker(visitor_id="VS", lat=51.60, lon=-0.11, capacity=3, service_area_code="B")],
    )
    hh = [home(household_id=f"HB{i}", area_code="B1", lat=51.60 + i / 1000) for i in (1, 2)]
    add(areas, tmp_path, "households", hh)
    for area in ("B", "B1"):
        view = propose(areas, area)
        assert proposed(areas, view.id) == {"HB1": "VS", "HB2": "VS"}, area
    # Proposing village A1, where VS lives, brings VS in, but not as a visitor of A1's own.
    add(areas, tmp_path, "households", [home(household_id="HA1", lat=51.60, lon=-0.105)])
    a1 = propose(areas, "A1")
    assert reasons(areas, a1.id) == {"HA1": "no_eligible_visitor"}
    assert _alternatives(areas, "HA1") == [("VS", "outside_service_area")]


def test_visitors_with_room_in_the_next_village_pair_the_households_of_this_one(
    areas: Engine, tmp_path: Path
) -> None:
    # V1 lives in A1 with one place; V2 lives in A2, 1.7 km away, with room. Proposing A1
    # used to leave HA2 'all_eligible_visitors_full', which was false.
    vv = [
        worker(visitor_id="V1", capacity=1),
        worker(visitor_id="V2", home_area_code="A2", lat=51.515, capacity=3),
    ]
    add(areas, tmp_path, "visitors", vv)
    hh = [home(household_id="HA1", lat=51.501), home(household_id="HA2", lat=51.502)]
    add(areas, tmp_path, "households", hh)
    view = propose(areas, "A1")
    assert proposed(areas, view.id) == {"HA1": "V1", "HA2": "V2"}
    assert view.figures["unpaired_reasons"] == {}
    # The audit trail says whose data the proposal read: V2 too, who lives outside A1.
    with areas.connect() as conn:
        detail = conn.execute(
            text(
                "SELECT detail FROM audit_events "
                "WHERE entity = 'pairing_proposal' AND entity_id = :p AND action = 'create'"
            ),
            {"p": str(view.id)},
        ).scalar_one()
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert (detail["households"], detail["visitors"]) == (2, 2)


def test_visitors_beyond_the_distance_limit_of_every_household_are_not_considered(
    areas: Engine, tmp_path: Path
) -> None:
    vv = [
        worker(visitor_id="NEAR", home_area_code="", lat=51.70),  # 22 km north
        worker(visitor_id="FAR", lat=51.90),  # 44 km north, though living in A1
        worker(visitor_id="FAR_B", lat=51.90, service_area_code="B"),  # serves B, 44 km
    ]
    add(areas, tmp_path, "visitors", vv)
    add(areas, tmp_path, "households", [home(household_id="HA1")])
    assert _considered(areas, "A1") == ["NEAR"]
    assert _considered(areas, "A1", max_km=50) == ["FAR", "FAR_B", "NEAR"]
    assert _considered(areas, "A1", max_km=20) == []


def test_a_visitors_places_are_their_capacity_less_their_pairings_outside_the_area(
    areas: Engine, tmp_path: Path
) -> None:
    # V (capacity 2) lives in A2 and looks after HA2 there; A1's households may have one place.
    add(areas, tmp_path, "visitors", [worker(visitor_id="V", home_area_code="A2", capacity=2)])
    add(areas, tmp_path, "households", [home(household_id="HA2", area_code="A2", lat=51.499)])
    commit(areas, propose(areas, "A2").id)
    hh = [home(household_id="HA1", lat=51.501), home(household_id="HA3", lat=51.503)]
    add(areas, tmp_path, "households", hh)
    view = propose(areas, "A1")
    assert proposed(areas, view.id) == {"HA1": "V", "HA3": None}
    assert reasons(areas, view.id)["HA3"] == "all_eligible_visitors_full"
    assert _alternatives(areas, "HA3") == [("V", "full")]
    with unit_of_work(areas) as s:
        capacity = pairing.explain_household(s, "HA3", actor="test").explanation
    assert capacity.alternatives[0].capacity == 1  # the one place left in A1
    commit(areas, view.id)
    assert open_pairings(areas) == [("V", "HA1"), ("V", "HA2")]
    # Proposing the county, V's two households are both inside: nothing else changes.
    county = propose(areas, "A")
    assert proposed(areas, county.id) == {"HA1": "V", "HA2": "V", "HA3": None}


def test_a_change_to_any_visitor_considered_makes_the_proposal_stale(
    areas: Engine, tmp_path: Path
) -> None:
    # VN (no home area) and V2 (next village) are considered for A1 without living in it: a
    # change to either, or a new visitor in range, must stop the proposal from committing.
    vv = [
        worker(visitor_id="VN", home_area_code="", lat=51.51, capacity=1),
        worker(visitor_id="V2", home_area_code="A2", lat=51.52, capacity=1),
    ]
    add(areas, tmp_path, "visitors", vv)
    add(areas, tmp_path, "households", [home(household_id="HA1")])
    changes = [
        worker(visitor_id="VN", home_area_code="", lat=51.51, capacity=4),
        worker(visitor_id="V2", home_area_code="A2", lat=51.52, capacity=1, active_to="2026-05-01"),
        worker(visitor_id="V3", home_area_code="B1", lat=51.60, capacity=1),
    ]
    for change in changes:
        view = propose(areas, "A1")
        add(areas, tmp_path, "visitors", [change])
        with pytest.raises(Conflict, match=f"proposal {view.id} is stale"):
            commit(areas, view.id)
    # A visitor out of range changes nothing the proposal depends on.
    view = propose(areas, "A1")
    add(areas, tmp_path, "visitors", [worker(visitor_id="V4", home_area_code="", lat=52.5)])
    commit(areas, view.id)
    assert open_pairings(areas) == [("VN", "HA1")]


def test_the_antimeridian_and_the_pole_do_not_hide_visitors_in_range(
    areas: Engine, tmp_path: Path
) -> None:
    # 11 km apart across 180 degrees, and 2.2 km apart across the north pole.
    vv = [
        worker(visitor_id="EAST", home_area_code="", lat=0.0, lon=-179.95),
        worker(visitor_id="NORTH", home_area_code="", lat=89.99, lon=180.0),
        worker(visitor_id="WEST", home_area_code="", lat=0.0, lon=179.0),  # 105 km: no
    ]
    add(areas, tmp_path, "visitors", vv)
    hh = [
        home(household_id="HE", lat=0.0, lon=179.95),
        home(household_id="HN", area_code="B1", lat=89.99, lon=0.0),
    ]
    add(areas, tmp_path, "households", hh)
    assert _considered(areas, "A1") == ["EAST"]
    assert _considered(areas, "B1") == ["NORTH"]
    view = propose(areas, "R")
    assert proposed(areas, view.id) == {"HE": "EAST", "HN": "NORTH"}
