"""Registry read use cases: the programme summary."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from doorstep.privacy.audit import record_event
from doorstep.storage.repositories.registry import LevelCount, counts_by_level, totals


@dataclass(frozen=True)
class ProgrammeSummary:
    totals: dict[str, int]
    levels: list[LevelCount]


def programme_summary(session: Session, *, actor: str) -> ProgrammeSummary:
    """Headline counts and counts by area level (aggregates only: no personal data)."""
    conn = session.connection()
    summary = ProgrammeSummary(totals(conn), counts_by_level(conn))
    record_event(session, actor=actor, action="read", entity="summary")
    return summary
