"""The audit trail: who read or wrote which personal data, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        # One account's events newest first (the trail read by actor) from the index alone.
        Index("ix_audit_events_actor_id", "actor", "id"),
        # An area's events (a range of paths: its subtree), newest first by id.
        Index("ix_audit_events_area_path_id", "area_path", "id"),
    )

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
    # The path of the area the event belongs to (as ``areas.path``), decided when it is
    # written (doorstep.storage.repositories.event_area); none: the whole programme's. Compared
    # as bytes on PostgreSQL too (collation "C"), so that a subtree's paths are one range of
    # the index whatever the database's collation.
    area_path: Mapped[str | None] = mapped_column(
        String(400).with_variant(String(400, collation="C"), "postgresql")
    )
