"""Once a visitor is erased, no new event is recorded under their id, nor names it: the
commands that show a proposal which still holds them (its note of why it is stale, its
diff, an explanation of its pair, a refused commit) read nothing of theirs, as a
household's export, which lists the id as part of the household's record, records no
export under it (the rule in :mod:`doorstep.privacy.audit`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.services.pairing.test_explain_stale import YESTERDAY
from tests.services.pairing.tree import add, home, propose, proposed, tree, worker

#: The erased visitor: an id no other value of the test holds.
GONE = "VQZ9GONE"


@pytest.fixture
def erased_in_proposal(cli: Invoke, engine: Engine, tmp_path: Path) -> Engine:
    """Open proposal 1 gives household HQ1 to GONE, next door (VSTAY is 5.5 km away); then
    GONE, who has no pairing yet, is erased."""
    tree(engine, tmp_path)
    vv = [worker(visitor_id=GONE, capacity=3), worker(visitor_id="VSTAY", lat=51.55)]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="HQ1", lat=51.501)])
    proposed = cli("pair", "--area", "A", "--quiet")
    assert proposed.exit_code == 0, proposed.output
    diff = cli("pair", "diff", "1", "--quiet")
    assert GONE in diff.output  # the proposal gives HQ1 to GONE
    erased = cli("visitor", "erase", GONE, "--yes")
    assert erased.exit_code == 0, erased.output
    return engine


@pytest.fixture
def erased_in_reach(cli: Invoke, engine: Engine, tmp_path: Path) -> Engine:
    """As :func:`erased_in_proposal`, but HQ1 lies next to 0 N 0 E, where an erased
    visitor's place is put, and proposal 1 was computed yesterday, while GONE was active:
    the area still holds GONE, so the proposal's note of why it is stale, and its
    explanation, name them."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id=GONE, lat=0.0, lon=0.0, capacity=3),
        worker(visitor_id="VSTAY", lat=0.05, lon=0.0),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="HQ1", lat=0.001, lon=0.0)])
    assert propose(engine, "A", today=YESTERDAY).id == 1
    assert proposed(engine, 1) == {"HQ1": GONE}
    erased = cli("visitor", "erase", GONE, "--yes")
    assert erased.exit_code == 0, erased.output
    shown = cli("pair", "show", "1", "--quiet")
    assert f"visitor {GONE} is not active" in " ".join(shown.output.split())
    return engine


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("pair", "show", "1"), 0),
        (("pair", "diff", "1"), 0),
        (("pair", "explain", "HQ1"), 0),
        (("pair", "commit", "1"), 1),  # refused: stale, for GONE's being active
    ],
)
def test_no_event_of_a_proposal_that_still_reaches_an_erased_visitor_names_them(
    cli: Invoke, erased_in_reach: Engine, args: tuple[str, ...], code: int
) -> None:
    engine = erased_in_reach
    before = last_event_id(engine)
    result = cli(*args, "--quiet")
    assert result.exit_code == code, result.output
    assert GONE in result.output  # the user is shown the id, part of HQ1's record
    events = trail(engine, before)
    assert events  # the command was recorded
    naming = [e for e in events if e[2] == GONE or GONE in json.dumps(e[3])]
    assert naming == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("pair", "show", "1"), 0),
        (("pair", "diff", "1"), 0),
        (("pair", "explain", "HQ1"), 0),
        (("pair", "commit", "1"), 1),  # refused: stale
        (("household", "export", "HQ1"), 0),
        (("visits", "overdue", "--area", "A"), 0),
    ],
)
def test_no_event_after_a_visitors_erasure_is_under_their_id_or_names_it(
    cli: Invoke, erased_in_proposal: Engine, args: tuple[str, ...], code: int
) -> None:
    engine = erased_in_proposal
    before = last_event_id(engine)
    result = cli(*args, "--quiet") if args[0] == "pair" else cli(*args)
    assert result.exit_code == code, result.output
    events = trail(engine, before)
    assert events  # the command was recorded
    naming = [e for e in events if e[2] == GONE or GONE in json.dumps(e[3])]
    assert naming == []


def test_erasing_a_household_keeps_no_calendar_event_for_its_erased_visitor(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    """GONE made a visit to HQ1 today, then left (their pairing ended today) and was
    erased: GONE has no calendar any more, so HQ1's erasure keeps no event of that visit
    for them, and writes no event under their id."""
    tree(engine, tmp_path)
    vv = [worker(visitor_id=GONE, capacity=3), worker(visitor_id="VSTAY", lat=51.55)]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="HQ1", lat=51.501)])
    today = dt.date.today()
    steps: list[tuple[str, ...]] = [
        ("pair", "--area", "A", "--quiet"),
        ("pair", "commit", "1", "--quiet"),
        ("visits", "record", "HQ1", "--visitor", GONE, "--start", today.isoformat()),
    ]
    for args in steps:
        done = cli(*args)
        assert done.exit_code == 0, done.output
    left = today - dt.timedelta(days=1)
    add(engine, tmp_path, "visitors", [worker(visitor_id=GONE, capacity=3, active_to=str(left))])
    for args in (
        ("pair", "--area", "A", "--quiet"),
        ("pair", "commit", "2", "--quiet"),  # ends GONE's pairing today: visitor_left
        ("visitor", "erase", GONE, "--yes"),
    ):
        done = cli(*args)
        assert done.exit_code == 0, done.output
    before = last_event_id(engine)
    erased = cli("household", "erase", "HQ1", "--yes")
    assert erased.exit_code == 0, erased.output
    naming = [e for e in trail(engine, before) if e[2] == GONE or GONE in json.dumps(e[3])]
    assert naming == []
    with engine.connect() as conn:
        kept = conn.execute(
            text(
                "SELECT COUNT(*) FROM erased_visit_events e JOIN visitors v "
                "ON v.id = e.visitor_id WHERE v.external_id = :v"
            ),
            {"v": GONE},
        ).scalar_one()
    assert kept == 0
