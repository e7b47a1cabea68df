"""The note of why a proposal is stale names up to five visitors whose being active changed:
`pair show`, `pair diff` and `pair explain`, which show it, record a read under each, as
they do under every other visitor they show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.services import pairing, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id
from tests.services.pairing.scoped import LATER, visitor_reads
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker


@pytest.fixture
def gone(engine: Engine, tmp_path: Path) -> Engine:
    """H1 with VNEAR next door, and VGONE 5.5 km north, active until TODAY: a proposal for
    TODAY gives H1 to VNEAR, and is stale on LATER for VGONE alone, whom it does not pair."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNEAR", lat=51.501),
        worker(visitor_id="VGONE", lat=51.55, active_to=str(TODAY)),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    return engine


def test_show_records_a_read_under_the_visitor_its_stale_note_names(gone: Engine) -> None:
    view = propose(gone, "A")
    before = last_event_id(gone)
    with unit_of_work(gone) as s:
        shown = pairing.show(s, view.id, actor="alice", today=LATER)
    assert shown.stale_reason is not None
    assert f"on {LATER} visitor VGONE is not active" in shown.stale_reason
    assert visitor_reads(gone, before) == [("VGONE", {"pairing_proposal": view.id})]
    with unit_of_work(gone) as s:
        trail = visitor_rights.export_visitor(s, "VGONE", actor="officer")["records"]
    assert {"pairing_proposal": view.id} in [e["detail"] for e in trail["audit_events"]]


def test_a_fresh_proposal_shown_names_no_visitor_and_records_no_read(gone: Engine) -> None:
    view = propose(gone, "A")
    before = last_event_id(gone)
    with unit_of_work(gone) as s:
        assert pairing.show(s, view.id, actor="alice", today=TODAY).stale is False
    assert visitor_reads(gone, before) == []


def test_diff_records_a_read_under_a_visitor_its_stale_note_names_beside_those_listed(
    gone: Engine,
) -> None:
    view = propose(gone, "A")
    before = last_event_id(gone)
    with unit_of_work(gone) as s:
        changes = pairing.diff(s, view.id, actor="bob", today=LATER)
    assert [(c.household, c.proposed_visitor) for c in changes.changes] == [("H1", "VNEAR")]
    assert changes.stale_reason is not None and "VGONE" in changes.stale_reason
    detail = {"pairing_diff": view.id}
    # VNEAR for the row it is on, then VGONE for the note; each once.
    assert visitor_reads(gone, before) == [("VNEAR", detail), ("VGONE", detail)]


def test_explain_records_one_read_under_a_visitor_both_shown_and_named(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    leaves = worker(visitor_id="VLEFT", active_to=str(TODAY), lat=51.501)
    add(engine, tmp_path, "visitors", [leaves, worker(visitor_id="VSTAY", lat=51.55)])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    # VLEFT, about to leave, takes no new household: H1 is theirs since long before.
    earlier = TODAY - dt.timedelta(days=100)
    commit(engine, propose(engine, "A", today=earlier).id, today=earlier)
    view = propose(engine, "A")
    before = last_event_id(engine)
    with unit_of_work(engine) as s:
        out = pairing.explain_household(s, "H1", actor="carol", today=LATER, limit=1)
    assert out.explanation.visitor_id == "VLEFT"  # the proposal's pair, named in the note too
    assert out.stale_reason is not None and "visitor VLEFT is not active" in out.stale_reason
    detail = {"pairing_explanation": view.id}
    assert sorted(visitor_reads(engine, before)) == [("VLEFT", detail), ("VSTAY", detail)]


def test_explain_records_a_read_under_a_visitor_only_its_stale_note_names(
    gone: Engine,
) -> None:
    view = propose(gone, "A")
    before = last_event_id(gone)
    with unit_of_work(gone) as s:
        out = pairing.explain_household(s, "H1", actor="carol", today=LATER, limit=0)
    assert out.stale_reason is not None and "VGONE" in out.stale_reason
    assert out.explanation.alternatives == ()  # none asked for: VGONE is in the note alone
    detail = {"pairing_explanation": view.id}
    assert sorted(visitor_reads(gone, before)) == [("VGONE", detail), ("VNEAR", detail)]


def test_a_committed_proposals_note_names_a_visitor_who_left_since_and_reads_them(
    gone: Engine,
) -> None:
    view = propose(gone, "A")
    commit(gone, view.id)
    before = last_event_id(gone)
    with unit_of_work(gone) as s:
        shown = pairing.show(s, view.id, actor="alice", today=LATER)
    assert shown.stale_reason is not None
    assert shown.stale_reason.startswith(f"area A changed after proposal {view.id} was committed")
    assert "visitor VGONE is not active" in shown.stale_reason
    assert visitor_reads(gone, before) == [("VGONE", {"pairing_proposal": view.id})]


def test_only_the_five_visitors_a_note_names_are_read(engine: Engine, tmp_path: Path) -> None:
    tree(engine, tmp_path)
    leaving = [
        worker(visitor_id=f"V{i}", lat=51.55 + i / 1000, active_to=str(TODAY)) for i in range(7)
    ]
    add(engine, tmp_path, "visitors", [worker(visitor_id="VNEAR", lat=51.501), *leaving])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    view = propose(engine, "A")
    before = last_event_id(engine)
    with unit_of_work(engine) as s:
        shown = pairing.show(s, view.id, actor="alice", today=LATER)
    assert shown.stale_reason is not None and "(and 2 more)" in shown.stale_reason
    read = [v for v, _ in visitor_reads(engine, before)]
    assert len(read) == 5
    # Exactly those the note names; the two it only counts are not read.
    assert all(f"{v} is not active" in shown.stale_reason for v in read)
    assert sum(f"V{i} is not active" in shown.stale_reason for i in range(7)) == 5
