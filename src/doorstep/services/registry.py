"""Registry read use cases: the programme summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from doorstep.privacy.audit import record_event
from doorstep.storage.repositories.registry import LevelCount, counts_by_level, totals


@dataclass(frozen=True)
class ProgrammeSummary:
    totals: dict[str, int]
    levels: list[LevelCount]


def programme_summary(
    session: Session, *, actor: str, today: dt.date | None = None
) -> ProgrammeSummary:
    """Headline counts and counts by area level (aggregates only: no personal data), on
    ``today`` (default: the real date): visitors and capacity are those active that day."""
    conn = session.connection()
    today = today or dt.date.today()
    summary = ProgrammeSummary(totals(conn, today), counts_by_level(conn, today))
    record_event(session, actor=actor, action="read", entity="summary")
    return summary
