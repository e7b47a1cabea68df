"""A commit ends each replaced pairing with why it ended, and keeps it as history: consent
withdrawn, the visitor no longer active, or paired anew."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import cadence
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, open_pairings, propose, tree
from tests.services.pairing.tree import worker as visitor

LATER = TODAY + dt.timedelta(days=10)


def _history(engine: Engine) -> list[tuple[str, str, str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, p.started_on, p.ended_on, p.end_reason "
                "FROM pairings p JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id ORDER BY p.id"
            )
        ).all()
    return [(r[0], r[1], str(r[2]), None if r[3] is None else str(r[3]), r[4]) for r in rows]


def test_each_ended_pairing_says_why(engine: Engine, tmp_path: Path) -> None:
    tree(engine, tmp_path)
    # Visits every 3 days: VLEFT, leaving in 5, is not about to leave and takes H1.
    with unit_of_work(engine) as s:
        cadence.set_cadence(s, max_gap_days=3, stay_days=1, actor="test", today=TODAY)
    add(
        engine,
        tmp_path,
        "visitors",
        [
            # VLEFT is nearest to H1 and leaves after TODAY + 5; VNEAR is nearest to H2 and H3.
            visitor(visitor_id="VLEFT", capacity=1, active_to=str(TODAY + dt.timedelta(days=5))),
            visitor(visitor_id="VNEAR", lat=51.60, capacity=2),
            visitor(visitor_id="VSTAY", lat=51.55, capacity=3),
        ],
    )
    hh = [
        home(household_id="H1", lat=51.50),
        home(household_id="H2", lat=51.60),
        home(household_id="H3", lat=51.60),
    ]
    add(engine, tmp_path, "households", hh)
    commit(engine, propose(engine, "A").id)
    assert open_pairings(engine) == [("VLEFT", "H1"), ("VNEAR", "H2"), ("VNEAR", "H3")]
    # H2 withdraws; VNEAR's places fall to one, so H3 moves to VSTAY; VLEFT leaves.
    add(engine, tmp_path, "households", [home(household_id="H2", lat=51.60, consent="withdrawn")])
    add(engine, tmp_path, "visitors", [visitor(visitor_id="VNEAR", lat=51.60, capacity=0)])
    commit(engine, propose(engine, "A", today=LATER).id, today=LATER)
    day, later = str(TODAY), str(LATER)
    assert _history(engine) == [
        ("H1", "VLEFT", day, later, "visitor_left"),
        ("H2", "VNEAR", day, later, "consent_withdrawn"),
        ("H3", "VNEAR", day, later, "repaired"),
        ("H1", "VSTAY", later, None, None),
        ("H3", "VSTAY", later, None, None),
    ]
