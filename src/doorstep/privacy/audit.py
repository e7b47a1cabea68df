"""Audit events: typed records written in the same transaction as the change they record."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep.storage.base import utcnow
from doorstep.storage.repositories import audit as repo
from doorstep.storage.tables import AuditEvent

#: The action of an export a person asked for of everything held about them (a household's
#: or a visitor's own export), apart from ``export``, a registry file of many people: an
#: auditor counting access requests, or bulk copies, need not read every event's detail.
#: Events written before it read ``export`` for both (the action column has no constraint,
#: and stored trails are not rewritten): there a ``rows`` detail without a ``file`` marks a
#: household's own export, unless its erasure redacted the detail.
SUBJECT_EXPORT = "subject_export"


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=entity_id, detail=detail or {}
    )
    session.add(event)
    return event


def record_events(
    session: Session, *, actor: str, entity: str, events: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """Events ``(action, entity_id, detail)`` in the order given, in one statement: an
    import of a backlog of visits names each visit's household with its own detail, and
    one ORM object per event cost more than the rest of the import."""
    at = utcnow()
    repo.insert_events(
        session.connection(),
        [
            {"at": at, "actor": actor, "action": a, "entity": entity, "entity_id": i, "detail": d}
            for a, i, d in events
        ],
    )


def record_row_events(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    source: str,
    key: str,
    ids: pl.Series,
    detail: dict[str, Any] | None = None,
) -> None:
    """One event per row of table ``source`` with an id in ``ids``, ``entity_id`` being the
    row's ``key``: a bulk write names everyone it wrote, at the cost of one statement."""
    repo.events_for_rows(
        session.connection(),
        source=source,
        key=key,
        ids=ids,
        at=utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        detail=detail or {},
    )


def record_household_events(
    session: Session,
    *,
    actor: str,
    action: str,
    household_ids: pl.Series,
    detail: dict[str, Any],
) -> None:
    """One event per household of ``household_ids`` (database ids), after the event of the
    command that read or wrote them (it says what was done; these say to whom, under the
    entity and id that a household's export lists and its erasure redacts). Written by the
    database in one statement, as a region's command names a million and more."""
    session.flush()  # the command's own event first
    record_row_events(
        session,
        actor=actor,
        action=action,
        entity="household",
        source="households",
        key="external_id",
        ids=household_ids,
        detail=detail,
    )
