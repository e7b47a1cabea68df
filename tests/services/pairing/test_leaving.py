"""A visitor whose last day falls within the programme's cadence (60 days between visits by
default) takes no new households in a proposal: they keep the ones they look after now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import pairing, visitor_days
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    home,
    propose,
    proposed,
    reasons,
    tree,
    worker,
)


def _day(days: int) -> str:
    return str(TODAY + dt.timedelta(days=days))


@pytest.fixture
def leaving(engine: Engine, tmp_path: Path) -> Engine:
    """H1 next door to VLEFT, whose last day is in 10 days; VSTAY, 5.5 km north, stays."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", lat=51.501, capacity=3, active_to=_day(10)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    return engine


def test_a_new_household_goes_to_the_visitor_who_stays_not_the_nearer_one_leaving(
    leaving: Engine,
) -> None:
    view = propose(leaving, "A")
    assert proposed(leaving, view.id) == {"H1": "VSTAY"}
    assert view.figures["leaving_soon"] == {"within_days": 60, "households": 0, "visitors": 0}


def test_a_household_only_a_leaving_visitor_could_take_stays_unpaired_as_all_full(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    vv = [worker(visitor_id="VLEFT", lat=51.501, capacity=3, active_to=_day(10))]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": None}
    # The capacity a leaving visitor has for new households is none: "full".
    assert reasons(engine, view.id) == {"H1": "all_eligible_visitors_full"}
    with unit_of_work(engine) as s:
        told = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    [alternative] = told.explanation.alternatives
    assert (alternative.visitor_id, alternative.why.value) == ("VLEFT", "full")
    assert (alternative.load, alternative.capacity) == (0, 0)
    assert told.alternatives[0].leaving_on == TODAY + dt.timedelta(days=10)


def test_a_leaving_visitor_keeps_the_households_they_look_after_but_gains_none(
    engine: Engine, tmp_path: Path
) -> None:
    # VLEFT's last day is 70 days off: not leaving yet, so H1 goes to them and is committed.
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", lat=51.501, capacity=3, active_to=_day(70)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    commit(engine, propose(engine, "A").id)
    # 20 days on, their last day is within the 60 days: H1 stays, H2 next door goes north.
    later = TODAY + dt.timedelta(days=20)
    add(engine, tmp_path, "households", [home(household_id="H2", lat=51.5005)])
    view = propose(engine, "A", today=later)
    assert proposed(engine, view.id) == {"H1": "VLEFT", "H2": "VSTAY"}
    assert view.figures["churn"] == {"kept": 1, "moved": 0, "ended": 0, "new": 1}
    # Still counted: H1 will need another visitor soon.
    assert view.figures["leaving_soon"] == {"within_days": 60, "households": 1, "visitors": 1}


def test_a_visitor_whose_last_day_is_the_window_s_end_or_later_still_takes_new_households(
    engine: Engine, tmp_path: Path
) -> None:
    # V59's last day is 59 days off (within the 60), V60's 60 (the day after the window).
    # H1 is next to V59, H2 next to V60 (1.4 km west), who has room for one.
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="V59", lat=51.501, capacity=3, active_to=_day(59)),
        worker(visitor_id="V60", lat=51.501, lon=-0.12, capacity=1, active_to=_day(60)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    hh = [home(household_id="H1"), home(household_id="H2", lon=-0.12)]
    add(engine, tmp_path, "households", hh)
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": "VSTAY", "H2": "V60"}


def test_the_window_is_the_programme_s_cadence(engine: Engine, tmp_path: Path) -> None:
    from doorstep.services import cadence

    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", lat=51.501, capacity=3, active_to=_day(40)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    assert proposed(engine, propose(engine, "A").id) == {"H1": "VSTAY"}
    # 30 days between visits: leaving in 40 days is no longer "before a first visit".
    with unit_of_work(engine) as s:
        cadence.set_cadence(s, max_gap_days=30, stay_days=1, actor="test", today=TODAY)
    assert proposed(engine, propose(engine, "A").id) == {"H1": "VLEFT"}


def test_a_proposal_is_stale_once_a_visitor_s_last_day_moves_into_the_window(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNEAR", lat=51.501, capacity=3),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": "VNEAR"}
    with unit_of_work(engine) as s:
        visitor_days.end_visitor(
            s, "VNEAR", TODAY + dt.timedelta(days=10), actor="test", today=TODAY
        )
    with pytest.raises(Conflict, match=f"proposal {view.id} is stale"):
        commit(engine, view.id)
    assert proposed(engine, propose(engine, "A").id) == {"H1": "VSTAY"}
