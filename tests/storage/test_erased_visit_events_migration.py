"""Migration 0011 moves the events an erasure kept for calendars out of the trail into
``erased_visit_events``, leaving the trail's events their count only, and back down."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, insert, inspect, text

from doorstep.services import calendars
from doorstep.storage.migrate import alembic_config, upgrade
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import AuditEvent
from tests.factories.db import run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv

TO_COME = "0123456789abcdef0123456789abcdef@doorstep.invalid"
OVER = "fedcba9876543210fedcba9876543210@doorstep.invalid"
#: As an erasure before 0011 wrote it: UID, first day, last day, last day sent.
OLD = {
    "table": "calendar",
    "base": 5,
    "cancelled": [
        [TO_COME, "2099-01-04", "2099-01-08", "2099-01-09"],
        [OVER, "2020-01-06", "2020-01-06", "2020-01-06"],
    ],
}
OTHER = {"table": "exclusions", "household": "H7"}


def _trail(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    """(actor, detail) of V1's ``update`` events, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, detail FROM audit_events WHERE entity = 'visitor' "
                "AND entity_id = 'V1' AND action = 'update' ORDER BY id"
            )
        ).all()
    return [(a, json.loads(d) if isinstance(d, str) else d) for a, d in rows]


def _kept(engine: Engine) -> list[tuple[str, str, str, str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, e.uid, e.starts_on, e.ends_on, e.kept_until, "
                "e.sequence_base FROM erased_visit_events e "
                "JOIN visitors v ON v.id = e.visitor_id ORDER BY e.id"
            )
        ).all()
    return [(v, u, str(a)[:10], str(z)[:10], str(k)[:10], int(b)) for v, u, a, z, k, b in rows]


def test_the_kept_events_not_over_move_to_the_table_and_the_trail_keeps_their_count(
    with_areas: Engine, tmp_path: Path
) -> None:
    engine = with_areas
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    try:
        command.downgrade(alembic_config(engine), "0010")
        assert "erased_visit_events" not in inspect(engine).get_table_names()
        event = {"actor": "test", "action": "update", "entity": "visitor", "entity_id": "V1"}
        with engine.begin() as conn:
            conn.execute(insert(AuditEvent), [event | {"detail": OLD}, event | {"detail": OTHER}])
        upgrade(engine)
        assert _kept(engine) == [("V1", TO_COME, "2099-01-04", "2099-01-08", "2099-01-09", 5)]
        assert _trail(engine) == [
            ("test", {"table": "calendar", "kept": 2}),
            ("test", OTHER),
        ]
        with engine.connect() as conn:
            trail = str(conn.execute(text("SELECT detail FROM audit_events")).scalars().all())
        assert "0123456789abcdef" not in trail and "2099-01-04" not in trail
        # The calendar cancels it as before, above the phone's number: the base plus V1's
        # writes (the import's and the two updates).
        with unit_of_work(engine) as s:
            shown = calendars.calendar_events(s, "V1", actor="test", since=dt.date(2099, 1, 1))
        assert [(c.uid, c.start, c.last) for c in shown.cancelled] == [
            (TO_COME, dt.date(2099, 1, 4), dt.date(2099, 1, 8))
        ]
        assert shown.sequence[TO_COME] == 5 + 3
        # Down: back into the trail, as the code before it reads them; up again: moved.
        command.downgrade(alembic_config(engine), "0010")
        assert "erased_visit_events" not in inspect(engine).get_table_names()
        back = {"table": "calendar", "base": 5, "cancelled": [OLD["cancelled"][0]]}
        assert _trail(engine)[2] == ("migration 0011 (downgrade)", back)
        upgrade(engine)
        assert _kept(engine) == [("V1", TO_COME, "2099-01-04", "2099-01-08", "2099-01-09", 5)]
        assert [d for _, d in _trail(engine)] == [
            {"table": "calendar", "kept": 2},
            OTHER,
            {"table": "calendar", "kept": 1},
        ]
    finally:
        upgrade(engine)  # the next tests on this database need it at head
