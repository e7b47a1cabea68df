"""Migration 0012 takes the ids of households erased before the erasure renamed them out of
their visitors' exclusion events: only events written before a completed erasure of the
id, so a household imported again under it keeps its own; the downgrade leaves them."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from sqlalchemy import Engine, insert, text

from doorstep.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from doorstep.storage.tables import AuditEvent

GONE = "erased household"
#: H1 erased before the fix, kept apart from V1 and V2; imported again later; H10 (an id
#: H1 begins) and H2 (whose erasure was refused) are not erased.
BEFORE = [
    ("create", "visitor", "V1", {"table": "exclusions", "household": "H1"}),
    ("create", "visitor", "V2", {"table": "exclusions", "household": "H1", "file": "x.csv"}),
    ("create", "visitor", "V1", {"table": "exclusions", "household": "H10"}),
    ("create", "visitor", "V1", {"table": "exclusions", "household": "H2"}),
    (
        "update",
        "visitor",
        "V2",
        {
            "table": "exclusions",
            "household": "H1",
            "removed": True,
            "outcome": "refused",
            "error": "H1 and V2 are not excluded; nothing to remove",
        },
    ),
    ("create", "household", "H1", {"redacted": "household erased"}),
    ("delete", "household", "H2", {"outcome": "refused", "error": "household H2 ..."}),
    ("delete", "household", "H1", {"erased": {"households": 1, "exclusions": 1}}),
    # H1 imported again: a new household, its events its own.
    ("create", "visitor", "V1", {"table": "exclusions", "household": "H1"}),
    ("read", "visitor", "V2", {"table": "exclusions", "household": "H1"}),
]


def _events(engine: Engine) -> list[tuple[str, str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity, entity_id, detail FROM audit_events ORDER BY id")
        ).all()
    return [(a, e, i, json.loads(d) if isinstance(d, str) else d) for a, e, i, d in rows]


def test_the_upgrade_renames_the_erased_household_in_its_visitors_earlier_events_only(
    engine: Engine,
) -> None:
    try:
        command.downgrade(alembic_config(engine), "0011")
        keys = ("action", "entity", "entity_id", "detail")
        with engine.begin() as conn:
            rows = [dict(zip(keys, e, strict=True)) | {"actor": "test"} for e in BEFORE]
            for row in rows:  # one at a time: the trail's order is its ids'
                conn.execute(insert(AuditEvent), [row])
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        expected = list(BEFORE)
        expected[0] = ("create", "visitor", "V1", {"table": "exclusions", "household": GONE})
        expected[1] = (
            "create",
            "visitor",
            "V2",
            {"table": "exclusions", "household": GONE, "file": "x.csv"},
        )
        expected[4] = (
            "update",
            "visitor",
            "V2",
            {
                "table": "exclusions",
                "household": GONE,
                "removed": True,
                "outcome": "refused",
                "error": f"{GONE} and V2 are not excluded; nothing to remove",
            },
        )
        assert _events(engine) == expected
        # Down changes nothing (the ids are erased); up again finds nothing more to do.
        command.downgrade(alembic_config(engine), "0011")
        assert _events(engine) == expected
        upgrade(engine)
        assert _events(engine) == expected
    finally:
        upgrade(engine)  # the next tests on this database need it at head
