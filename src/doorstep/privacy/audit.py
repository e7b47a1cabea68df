"""Audit events: typed records written in the same transaction as the change they record."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from doorstep.storage.tables import AuditEvent


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
