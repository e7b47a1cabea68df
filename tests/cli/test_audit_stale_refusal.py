"""A `pair commit` refused as stale names the visitors whose being active changed: the
refusal's record, written after the rollback, adds a read under each of them, and its own
event keeps the reason without their ids."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.services.pairing.test_explain_stale import REAL_TODAY, YESTERDAY, leave_yesterday
from tests.services.pairing.tree import add, home, propose, tree, worker


def test_a_commit_refused_as_stale_records_a_read_under_the_visitor_it_names(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    view = propose(leave_yesterday(engine, tmp_path), "A", today=YESTERDAY)
    before = last_event_id(engine)
    refused = cli("pair", "commit", str(view.id), "--quiet")
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert f"on {REAL_TODAY} visitor VLEFT is not active" in said
    events = trail(engine, before)
    assert [(a, e, i) for a, e, i, _ in events] == [
        ("update", "pairing_proposal", str(view.id)),  # the attempt, refused
        ("read", "visitor", "VLEFT"),  # and who its message named
    ]
    assert events[0][3]["outcome"] == "refused"
    # The refused commit's own event keeps the reason without the visitor's id, counted.
    assert "VLEFT" not in json.dumps(events[0][3])
    assert f"whether 1 visitor is active changed by {REAL_TODAY}" in events[0][3]["error"]
    assert events[1][3] == {"pairing_proposal": view.id}
    exported = cli("visitor", "export", "VLEFT")
    assert exported.exit_code == 0, exported.output
    events = json.loads(exported.output)["records"]["audit_events"]
    assert {"pairing_proposal": view.id} in [e["detail"] for e in events]


def test_a_commit_refused_as_superseded_names_no_one_and_records_no_read(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA")])
    add(engine, tmp_path, "households", [home(household_id="H1", lat=51.501)])
    first, second = propose(engine, "A", today=REAL_TODAY), propose(engine, "A", today=REAL_TODAY)
    assert cli("pair", "commit", str(second.id), "--quiet").exit_code == 0
    before = last_event_id(engine)
    assert cli("pair", "commit", str(first.id), "--quiet").exit_code == 1
    assert [(a, e, i) for a, e, i, _ in trail(engine, before)] == [
        ("update", "pairing_proposal", str(first.id))
    ]
