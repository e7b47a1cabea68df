"""What a rights service gives, seen without keeping it: the reference a front door's
export or erasure is compared with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from doorstep.storage.session import session_factory

T = TypeVar("T")


def rolled_back(engine: Engine, work: Callable[[Session], T]) -> T:
    """``work``'s answer in a transaction rolled back after it: nothing it wrote (an
    export's events, an erasure) stays."""
    with session_factory(engine)() as session:
        try:
            return work(session)
        finally:
            session.rollback()


def undated(export: dict[str, Any]) -> dict[str, Any]:
    """An export without its time of making, which two exports of the same rows differ by."""
    return {k: v for k, v in export.items() if k != "exported_at"}


def rows_of(engine: Engine, household: str) -> tuple[int, int, int]:
    """The household's rows, its pairings and its visits: (1 or 0, pairings, visits)."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT (SELECT COUNT(*) FROM households WHERE external_id = :h), "
                "(SELECT COUNT(*) FROM pairings p JOIN households h ON h.id = p.household_id "
                "WHERE h.external_id = :h), "
                "(SELECT COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id "
                "WHERE h.external_id = :h)"
            ),
            {"h": household},
        ).one()
    return int(found[0]), int(found[1]), int(found[2])
