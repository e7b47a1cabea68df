"""Every read and write of a pairing proposal is in the audit trail: `pair diff` names
households and their visitors, and `pair show` reads a proposal, as `pair explain` does."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker


def _events(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity, entity_id FROM audit_events "
                "WHERE entity LIKE 'pairing%' ORDER BY id"
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_show_diff_explain_commit_and_discard_are_audited(engine: Engine, tmp_path: Path) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=2)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    first = propose(engine, "A")
    with unit_of_work(engine) as s:
        pairing.show(s, first.id, actor="alice")
    with unit_of_work(engine) as s:
        assert pairing.diff(s, first.id, actor="bob", limit=1).total == 2
    commit(engine, first.id)
    with unit_of_work(engine) as s:
        pairing.explain_household(s, "H1", actor="carol", today=TODAY)
    second = propose(engine, "A1")
    with unit_of_work(engine) as s:
        pairing.discard(s, second.id, actor="dan")
    p1, p2 = str(first.id), str(second.id)
    assert _events(engine) == [
        ("test", "create", "pairing_proposal", p1),
        ("alice", "read", "pairing_proposal", p1),
        ("bob", "read", "pairing_diff", p1),
        ("test", "update", "pairing_proposal", p1),
        ("carol", "read", "pairing_explanation", "H1"),
        ("test", "create", "pairing_proposal", p2),
        ("dan", "update", "pairing_proposal", p2),
    ]
    with engine.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity = 'pairing_diff'")
        ).scalar_one()
    assert (detail if isinstance(detail, dict) else json.loads(detail)) == {
        "households": 2,
        "listed": 1,
    }
