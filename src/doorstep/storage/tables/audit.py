"""The audit trail: who read or wrote which personal data, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # One account's events newest first (the trail read by actor) from the index alone.
    __table_args__ = (Index("ix_audit_events_actor_id", "actor", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    # read|create|update|delete|import, export (a registry file), subject_export (a person's
    # own export); no constraint, so a new action needs no migration.
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    # Indexed: a person's export and erasure look up the events about one id.
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
