"""Reading the audit trail in tests: the events after a point, and that point."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, text

from doorstep.storage.repositories import audit as audit_repo

#: An event as tests compare it: (action, entity, entity_id, detail).
Event = tuple[str, str, str | None, dict[str, Any]]


def last_event_id(engine: Engine) -> int:
    """The id of the newest event (0 for an empty trail): pass it to :func:`trail` later."""
    with engine.connect() as conn:
        return audit_repo.last_event_id(conn)


def trail(engine: Engine, after: int = 0) -> list[Event]:
    """Every event after ``after``, oldest first, its detail parsed (SQLite keeps text)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events "
                "WHERE id > :after ORDER BY id"
            ),
            {"after": after},
        ).all()
    return [(a, e, i, d if isinstance(d, dict) else json.loads(d)) for a, e, i, d in rows]


def events_about(engine: Engine, entity: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """Every event about one kind of entity, oldest first: (action, entity_id, detail)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity_id, detail FROM audit_events WHERE entity = :e ORDER BY id"
            ),
            {"e": entity},
        ).all()
    return [(a, i, d if isinstance(d, dict) else json.loads(d)) for a, i, d in rows]


def unlabelled(detail: object, *, inner: bool = False) -> set[str]:
    """The keys of an event's ``detail`` that the trail's page has no label for
    (:data:`doorstep.web.labels.DETAILS`); within a value (``{"rows": {"visits": 3}}``),
    those that are no detail's key and no table's or record's name either."""
    from doorstep.web.labels import DETAILS, RECORDS, TABLES

    found: set[str] = set()
    if isinstance(detail, dict):
        for key, value in detail.items():
            named = key in DETAILS or (inner and (key in RECORDS or key in TABLES))
            if not named:
                found.add(key)
            found |= unlabelled(value, inner=True)
    elif isinstance(detail, list):
        for value in detail:
            found |= unlabelled(value, inner=True)
    return found
