"""A `pair --area`, `pair commit` or `plan --area` refused over a household's pairings (two
open ones, written around Doorstep) shows the household's id (and `plan`, its visitor's): a
read under each id records that, and the refused attempt's own event keeps the line without
them, so that once the household is erased no event outside its own names it. A `pair
show`, `diff` or `explain` refused so records no attempt, but the read all the same."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.services.pairing.tree import add, home, tree, worker

#: The household paired twice: an id no other value of the test holds.
H = "HQZ7"


@pytest.fixture
def paired_twice(cli: Invoke, engine: Engine, tmp_path: Path) -> Engine:
    """H paired with VA by a commit, an open proposal 2 for area A, and a second open
    pairing of H with VA from the same day, as two unlocked writers could leave."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=3)])
    add(engine, tmp_path, "households", [home(household_id=H, lat=51.501)])
    for args in (("pair", "--area", "A"), ("pair", "commit", "1"), ("pair", "--area", "A")):
        result = cli(*args, "--quiet")
        assert result.exit_code == 0, result.output
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT visitor_id, household_id, started_on FROM pairings"
            )
        )
    return engine


TWO_OPEN = (
    "of A has more than one open pairing (1 household(s) do); end all but one of them before "
    "pairing again"
)


#: How `plan --area` refuses: the ids shown, and the line its attempt keeps.
TWICE = "twice over the same days (pairings 1 and 2): end one of them to plan the area"


@pytest.mark.parametrize(
    ("args", "attempt", "line"),
    [
        (("pair", "--area", "A"), ("create", "pairing_proposal", None), TWO_OPEN),
        (("pair", "commit", "2"), ("update", "pairing_proposal", "2"), TWO_OPEN),
    ],
)
def test_a_refusal_shows_the_household_reads_it_and_keeps_its_id_out_of_the_attempt(
    cli: Invoke,
    paired_twice: Engine,
    args: tuple[str, ...],
    attempt: tuple[str, str, str | None],
    line: str,
) -> None:
    engine = paired_twice
    before = last_event_id(engine)
    refused = cli(*args, "--quiet")
    assert refused.exit_code == 1
    assert f"household {H} {line}" in " ".join(refused.output.split())
    events = trail(engine, before)
    assert [(a, e, i) for a, e, i, _ in events] == [attempt, ("read", "household", H)]
    assert events[0][3]["outcome"] == "refused"
    assert events[0][3]["error"] == f"a household {line}"
    assert events[1][3] == {"area": "A"}
    _no_event_names_it_once_erased(cli, engine)


def _no_event_names_it_once_erased(cli: Invoke, engine: Engine) -> None:
    """Once H is erased, no event but its own (cleared) names it."""
    erased = cli("household", "erase", H, "--yes")
    assert erased.exit_code == 0, erased.output
    naming = [
        (a, e, i, d)
        for a, e, i, d in trail(engine)
        if H in json.dumps(d) or (i == H and e != "household")
    ]
    assert naming == []


def test_a_plan_refused_so_reads_the_household_and_its_visitor_and_keeps_both_ids_out(
    cli: Invoke, paired_twice: Engine
) -> None:
    engine = paired_twice
    before = last_event_id(engine)
    refused = cli("plan", "--area", "A", "--start", dt.date.today().isoformat(), "--quiet")
    assert refused.exit_code == 1
    assert f"household {H} is paired with visitor VA {TWICE}" in " ".join(refused.output.split())
    events = trail(engine, before)
    assert [(a, e, i) for a, e, i, _ in events] == [
        ("create", "visit_plan", None),
        ("read", "household", H),
        ("read", "visitor", "VA"),
    ]
    assert events[0][3]["outcome"] == "refused"
    assert events[0][3]["error"] == f"a household is paired with a visitor {TWICE}"
    assert events[1][3] == events[2][3] == {"area": "A"}
    _no_event_names_it_once_erased(cli, engine)


@pytest.mark.parametrize(
    "args", [("pair", "show", "2"), ("pair", "diff", "2"), ("pair", "explain", H)]
)
def test_a_review_refused_so_records_no_attempt_but_the_read_of_the_household(
    cli: Invoke, paired_twice: Engine, args: tuple[str, ...]
) -> None:
    engine = paired_twice
    before = last_event_id(engine)
    refused = cli(*args, "--quiet")
    assert refused.exit_code == 1
    assert f"household {H} {TWO_OPEN}" in " ".join(refused.output.split())
    assert trail(engine, before) == [("read", "household", H, {"area": "A"})]
    _no_event_names_it_once_erased(cli, engine)
