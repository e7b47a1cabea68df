"""A commit checks the proposal against the area as it is on the commit's date."""

from __future__ import annotations

import datetime as dt
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
    tree,
    worker,
)


@pytest.fixture
def leaving(engine: Engine, tmp_path: Path) -> Engine:
    """VLEFT, next door to H1 and H2, is active until TODAY + 5 days; VSTAY, 5.5 km away,
    stays. A proposal for TODAY gives both households to VLEFT."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", capacity=3, active_to=str(TODAY + dt.timedelta(days=5))),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    hh = [home(household_id="H1", lat=51.501), home(household_id="H2", lat=51.502)]
    add(engine, tmp_path, "households", hh)
    return engine


def test_a_proposal_made_before_a_visitor_left_is_stale_once_they_have_left(
    leaving: Engine,
) -> None:
    view = propose(leaving, "A")
    assert proposed(leaving, view.id) == {"H1": "VLEFT", "H2": "VLEFT"}
    later = TODAY + dt.timedelta(days=10)
    with pytest.raises(Conflict) as refused:
        commit(leaving, view.id, today=later)
    message = str(refused.value)
    assert f"proposal {view.id} is stale" in message
    assert f"on {later} visitor VLEFT is not active" in message
    assert "changed after it was computed" not in message  # nothing else changed
    assert open_pairings(leaving) == []
    # Proposed again on that day, VSTAY takes them.
    again = propose(leaving, "A", today=later)
    commit(leaving, again.id, today=later)
    assert open_pairings(leaving) == [("VSTAY", "H1"), ("VSTAY", "H2")]


def test_a_proposal_committed_on_a_later_day_that_changed_nobody_commits(
    leaving: Engine,
) -> None:
    view = propose(leaving, "A")
    assert commit(leaving, view.id, today=TODAY + dt.timedelta(days=5))["started"] == 2


def test_a_commit_without_a_date_checks_against_the_real_date(
    engine: Engine, tmp_path: Path
) -> None:
    # /tmp/adv_work/db2: computed ten days ago, the visitor left five days ago.
    real = dt.date.today()
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VLEFT", capacity=3, active_to=str(real - dt.timedelta(days=5))),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    view = propose(engine, "A", today=real - dt.timedelta(days=10))
    with unit_of_work(engine) as s, pytest.raises(Conflict, match="visitor VLEFT is not active"):
        pairing.commit(s, view.id, actor="test")
    assert open_pairings(engine) == []


def test_a_stale_message_names_both_a_visitor_who_left_and_other_changes(
    leaving: Engine, tmp_path: Path
) -> None:
    view = propose(leaving, "A")
    add(leaving, tmp_path, "households", [home(household_id="H3", lat=51.503)])
    with pytest.raises(Conflict) as refused:
        commit(leaving, view.id, today=TODAY + dt.timedelta(days=10))
    assert "visitor VLEFT is not active" in str(refused.value)
    assert "changed after it was computed" in str(refused.value)


def test_a_household_with_two_open_pairings_is_a_clear_error_not_a_traceback(
    leaving: Engine,
) -> None:
    commit(leaving, propose(leaving, "A").id)
    # What two unlocked commits could leave behind: a second open pairing of H1.
    with leaving.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, :on FROM visitors v, households h "
                "WHERE v.external_id = 'VSTAY' AND h.external_id = 'H1'"
            ),
            {"on": TODAY},
        )
    with pytest.raises(Conflict, match="household H1 of A has more than one open pairing"):
        propose(leaving, "A")
