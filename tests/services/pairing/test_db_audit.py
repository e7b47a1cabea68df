"""Every read and write of a pairing proposal is in the audit trail: `pair diff` names
households and their visitors, and `pair show` reads a proposal, as `pair explain` does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import pairing, planning, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
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


def _household_events(engine: Engine, after: int) -> list[tuple[str, str | None, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity_id, detail FROM audit_events "
                "WHERE entity = 'household' AND id > :after ORDER BY id"
            ),
            {"after": after},
        ).all()
    return [(r[0], r[1], r[2] if isinstance(r[2], dict) else json.loads(r[2])) for r in rows]


def test_a_proposal_names_each_household_it_read_a_diff_those_listed_a_commit_those_changed(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V", capacity=3)])
    homes = [home(household_id=h) for h in ("H1", "H2", "H3")]
    add(engine, tmp_path, "households", homes)
    first = propose(engine, "A").id
    before = last_event_id(engine)
    with unit_of_work(engine) as s:
        assert pairing.diff(s, first, actor="bob", limit=2).total == 3
    commit(engine, first)
    # H2 withdraws its consent: the next proposal ends its pairing and keeps the others.
    homes[1] |= {"consent": "withdrawn", "consent_date": "2026-05-01"}
    add(engine, tmp_path, "households", homes)
    second = propose(engine, "A").id
    with unit_of_work(engine) as s:
        assert pairing.diff(s, second, actor="bob", limit=None).total == 1
    commit(engine, second)
    first_commit = {"table": "pairings", "proposal": first}
    events = _household_events(engine, before)
    # The proposal's reads, one statement's rows, come in no set order.
    read = [e for e in events if "pairing_proposal" in e[2]]
    assert sorted(e[1] for e in read) == ["H1", "H2", "H3"]
    assert {str(e[2]) for e in read} == {str({"pairing_proposal": second})}
    assert [e for e in events if e not in read] == [
        # Only the households listed: H3 is in the diff's count, not on the screen.
        ("read", "H1", {"pairing_diff": first}),
        ("read", "H2", {"pairing_diff": first}),
        ("update", "H1", first_commit),
        ("update", "H2", first_commit),
        ("update", "H3", first_commit),
        ("update", "H2", {"file": "households.csv"}),  # the import of its withdrawal
        ("read", "H2", {"pairing_diff": second}),
        # H1 and H3 keep their visitor: the second commit wrote nothing of theirs.
        ("update", "H2", {"table": "pairings", "proposal": second}),
    ]


def test_an_explanation_is_audited_under_each_visitor_it_shows(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    workers = [worker(visitor_id=v, lat=51.50 + i / 100) for i, v in enumerate(("V1", "V2", "V3"))]
    add(engine, tmp_path, "visitors", workers)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    proposal = propose(engine, "A")
    before = last_event_id(engine)
    with unit_of_work(engine) as s:
        out = pairing.explain_household(s, "H1", actor="carol", today=TODAY, limit=1)
    shown = {out.explanation.visitor_id, *(a.visitor_id for a in out.explanation.alternatives)}
    assert len(shown) == 2  # its visitor, and one alternative of the two
    # Their ids, distances and caseloads were read: each visitor's export lists it.
    detail = {"pairing_explanation": proposal.id}
    assert [(i, d) for a, e, i, d in trail(engine, before) if e == "visitor"] == [
        (v, detail) for v in sorted(shown)
    ]


def test_a_proposal_its_commit_and_a_plan_are_audited_under_each_visitor_they_concern(
    engine: Engine, tmp_path: Path
) -> None:
    # A proposal reads every visitor it considers (home, languages, caseload), a commit
    # gives or takes their households, a plan writes their visits: each visitor's export
    # must list them, as each household's does (they wrote events under households only).
    tree(engine, tmp_path)
    workers = [worker(visitor_id="V1"), worker(visitor_id="V2", lat=51.6), worker(visitor_id="VB")]
    workers[2] |= {"home_area_code": "B1"}
    add(engine, tmp_path, "visitors", workers)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    before = last_event_id(engine)
    proposal = propose(engine, "A")
    read = {(i, a) for a, e, i, d in trail(engine, before) if e == "visitor"}
    assert read == {("V1", "read"), ("V2", "read"), ("VB", "read")}  # VB lives beside A
    before = last_event_id(engine)
    commit(engine, proposal.id)
    given = {"table": "pairings", "proposal": proposal.id}
    assert [(a, i, d) for a, e, i, d in trail(engine, before) if e == "visitor"] == [
        ("update", "V1", given)  # H1's visitor; V2 and VB got none and lost none
    ]
    before = last_event_id(engine)
    settings = planning.PlanSettings(start=TODAY, months=3)
    with unit_of_work(engine) as s:
        planning.plan_area(s, "A", settings, actor="test", today=TODAY)
    planned = {"table": "visits", "area": "A", "start": TODAY.isoformat()}
    assert [(a, i, d) for a, e, i, d in trail(engine, before) if e == "visitor"] == [
        ("update", "V1", planned)
    ]
    with unit_of_work(engine) as s:
        exported = visitor_rights.export_visitor(s, "V1", actor="test")
    listed = [e["detail"] for e in exported["records"]["audit_events"]]
    assert {"pairing_proposal": proposal.id} in listed and given in listed
    assert planned in listed


def test_a_diff_is_audited_under_each_visitor_it_lists_now_or_proposed(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V1", capacity=3)])
    homes = [home(household_id="H1"), home(household_id="H2"), home(household_id="H3", lat=51.6)]
    add(engine, tmp_path, "households", homes)
    commit(engine, propose(engine, "A").id)
    # V1 leaves: H1 and H2 go to V2, H3 to V3, who lives beside it.
    leaver = worker(visitor_id="V1", capacity=3, active_to=str(TODAY - dt.timedelta(days=1)))
    near = worker(visitor_id="V3", capacity=1, lat=51.6)
    add(engine, tmp_path, "visitors", [leaver, worker(visitor_id="V2", capacity=2), near])
    second = propose(engine, "A").id
    before = last_event_id(engine)
    with unit_of_work(engine) as s:
        listed = pairing.diff(s, second, actor="bob", limit=2)
    assert [(c.household, c.current_visitor, c.proposed_visitor) for c in listed.changes] == [
        ("H1", "V1", "V2"),
        ("H2", "V1", "V2"),
    ]
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity_id, detail FROM audit_events "
                "WHERE entity = 'visitor' AND id > :after ORDER BY entity_id"
            ),
            {"after": before},
        ).all()
    # Both visitors shown, once each, after the households' reads; V3, proposed for H3, is
    # in the count only, not on the screen.
    detail = {"pairing_diff": second}
    assert [(i, d if isinstance(d, dict) else json.loads(d)) for i, d in rows] == [
        ("V1", detail),
        ("V2", detail),
    ]
    with unit_of_work(engine) as s:
        trail = visitor_rights.export_visitor(s, "V2", actor="officer")["records"]
    assert detail in [e["detail"] for e in trail["audit_events"]]
