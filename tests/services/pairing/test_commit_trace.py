"""Every pairing names the commit that started it and the one that ended it, a pairing
ended without a new one (consent withdrawn, visitor left, nobody eligible) included; `pair
show` and `pair diff` and the household's own export give them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import cadence, household_rights, pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker

LATER = TODAY + dt.timedelta(days=10)


def _rows(engine: Engine) -> list[tuple[str, str | None, int | None, int | None]]:
    """``(household, end_reason, started by, ended by)`` of every pairing, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, p.end_reason, p.proposal_id, p.ended_by_proposal_id "
                "FROM pairings p JOIN households h ON h.id = p.household_id ORDER BY p.id"
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


@pytest.fixture
def ended(engine: Engine, tmp_path: Path) -> tuple[Engine, int, int]:
    """H1, H2, H3 paired by a first commit; a second ends H1's (its visitor left), H2's
    (consent withdrawn) and H3's (nobody speaks its language now) without a new pairing,
    and keeps H4's."""
    tree(engine, tmp_path)
    # Visits every 3 days: VLEFT, leaving in 5, is not about to leave and takes H1.
    with unit_of_work(engine) as s:
        cadence.set_cadence(s, max_gap_days=3, stay_days=1, actor="test", today=TODAY)
    leaves = str(TODAY + dt.timedelta(days=5))
    add(
        engine,
        tmp_path,
        "visitors",
        [
            worker(visitor_id="VLEFT", capacity=1, active_to=leaves),
            worker(visitor_id="VSTAY", lat=51.51, capacity=3, languages="en;fr"),
        ],
    )
    hh = [
        home(household_id="H1", lat=51.49),
        home(household_id="H2", lat=51.51),
        home(household_id="H3", lat=51.51, languages="fr"),
        home(household_id="H4", lat=51.51),
    ]
    add(engine, tmp_path, "households", hh)
    first = propose(engine, "A").id
    commit(engine, first)
    add(engine, tmp_path, "households", [home(household_id="H2", lat=51.51, consent="withdrawn")])
    add(engine, tmp_path, "visitors", [worker(visitor_id="VSTAY", lat=51.51, capacity=3)])
    # VSTAY would take H1 now: leave it no room beyond H4.
    add(engine, tmp_path, "visitors", [worker(visitor_id="VSTAY", lat=51.51, capacity=1)])
    second = propose(engine, "A", today=LATER).id
    commit(engine, second, today=LATER)
    return engine, first, second


def test_a_pairing_ended_without_a_new_one_names_the_commit_that_ended_it(
    ended: tuple[Engine, int, int],
) -> None:
    engine, first, second = ended
    assert _rows(engine) == [
        ("H1", "visitor_left", first, second),
        ("H2", "consent_withdrawn", first, second),
        ("H3", "no_visitor", first, second),
        ("H4", None, first, None),
    ]


def test_show_tells_when_a_proposal_was_committed_and_what_its_commit_did(
    ended: tuple[Engine, int, int],
) -> None:
    engine, first, second = ended
    fresh = propose(engine, "A", today=LATER).id
    with unit_of_work(engine) as s:
        one, two, opened = (pairing.show(s, n, actor="test") for n in (first, second, fresh))
    assert one.commit == {"started": 4, "still_open": 1, "ended": {}}
    assert two.commit == {
        "started": 0,
        "still_open": 0,
        "ended": {"consent_withdrawn": 1, "no_visitor": 1, "visitor_left": 1},
    }
    assert one.committed_at is not None and two.committed_at is not None
    assert one.committed_at <= two.committed_at
    assert opened.commit is None and opened.committed_at is None


def test_diff_names_the_commit_behind_each_households_pairing_or_its_end(
    ended: tuple[Engine, int, int], tmp_path: Path
) -> None:
    engine, _, second = ended
    # VLEFT back, with room: a new proposal would pair H1 again; H4 stays with VSTAY.
    add(engine, tmp_path, "visitors", [worker(visitor_id="VLEFT", capacity=1)])
    again = propose(engine, "A", today=LATER).id
    with unit_of_work(engine) as s:
        changes = pairing.diff(s, again, actor="test")
    assert [
        (c.household, c.current_visitor, c.proposed_visitor, c.now_by) for c in changes.changes
    ] == [("H1", None, "VLEFT", second)]


def test_the_households_export_names_the_commits_of_its_pairings(
    ended: tuple[Engine, int, int],
) -> None:
    engine, first, second = ended
    with unit_of_work(engine) as s:
        out = household_rights.export_household(s, "H2", actor="test")
    records = out["records"]
    [row] = records["pairings"]
    assert (row["proposal_id"], row["ended_by_proposal_id"]) == (first, second)
    assert row["end_reason"] == "consent_withdrawn"
    # The proposals the rows point to come with them, the one that ended it included.
    proposals = {p["id"]: p for p in records["pairing_proposals"]}
    assert {first, second} <= set(proposals)
    assert proposals[second]["committed_at"] is not None
