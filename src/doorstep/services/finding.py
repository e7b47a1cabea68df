"""Finding a household, or a visitor, by what one remembers of them: the id or the start of
it, part of a name (or of a household's address). A coordinator searches its area; a
visitor the households it looks after. Each one found is a read in the audit trail, as a
list's rows are; the text searched for is not kept (it may be a name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep.domain.ids import normal_id
from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event, record_events, record_household_events
from doorstep.say import Say
from doorstep.storage.repositories import finding as repo
from doorstep.storage.repositories import household_data, visitor_data
from doorstep.storage.repositories import pairing as pairing_repo

#: Households shown for one search unless asked for fewer.
DEFAULT_FOUND = 50
MOST_FOUND = 500


@dataclass(frozen=True)
class Found:
    """The households found, in order, and whether there were more than were shown."""

    rows: list[dict[str, Any]]
    more: bool


def find_households(
    session: Session,
    text: str,
    *,
    actor: str,
    today: dt.date,
    area: str | None = None,
    visitor: str | None = None,
    limit: int = DEFAULT_FOUND,
) -> Found:
    """Up to ``limit`` households whose id is ``text`` or begins with it, or whose head's
    name or address holds it (in any case), within ``area`` (its code; none: the whole
    programme) or, given ``visitor``, among those the visitor looks after on ``today``.

    Raises:
        InvalidInput: nothing to search for, or a limit out of 1..500.
        NotFound: no such area.
    """
    typed = _typed(text, limit)
    conn = session.connection()
    path = pairing_repo.area_by_code(conn, area)[1] if area else None
    rows = repo.households(
        conn, typed, limit=limit + 1, area_path=path, visitor=visitor, today=today
    )
    shown = rows[:limit]
    ids = pl.Series([r.pop("household_id") for r in shown], dtype=pl.Int64)
    record_event(
        session,
        actor=actor,
        action="read",
        entity="households",
        detail={"search": True, "rows": len(shown), "area": area, "visitor": visitor},
    )
    record_household_events(
        session, actor=actor, action="read", household_ids=ids, detail={"found": "search"}
    )
    return Found(shown, more=len(rows) > limit)


def find_visitors(
    session: Session,
    text: str,
    *,
    actor: str,
    area: str | None = None,
    limit: int = DEFAULT_FOUND,
) -> Found:
    """Up to ``limit`` visitors whose id is ``text`` or begins with it, or whose name holds
    it (in any case), living within ``area`` (its code; none: the whole programme).

    Raises:
        InvalidInput: nothing to search for, or a limit out of 1..500.
        NotFound: no such area.
    """
    typed = _typed(text, limit)
    conn = session.connection()
    path = pairing_repo.area_by_code(conn, area)[1] if area else None
    rows = repo.visitors(conn, typed, limit=limit + 1, area_path=path)
    shown = rows[:limit]
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visitors",
        detail={"search": True, "rows": len(shown), "area": area},
    )
    session.flush()  # the search's event first: the visitors' are written at once
    record_events(
        session,
        actor=actor,
        entity="visitor",
        events=[("read", r["visitor"], {"found": "search"}) for r in shown],
    )
    return Found(shown, more=len(rows) > limit)


def _typed(text: str, limit: int) -> str:
    typed = normal_id(text.strip())
    if not typed:
        raise InvalidInput(Say("give an id, or part of a name or an address, to search for"))
    if not 1 <= limit <= MOST_FOUND:
        raise InvalidInput(
            Say("limit must be from 1 to %(most)s, not %(limit)s", most=MOST_FOUND, limit=limit)
        )
    return typed


def is_household_id(session: Session, text: str) -> bool:
    """Whether ``text`` is a household's id, or an erased one's (a page opens its file, or
    says it was erased; else it searches)."""
    conn = session.connection()
    typed = normal_id(text.strip())
    return pairing_repo.household_id(conn, typed) is not None or bool(
        household_data.erased_ids(conn, [typed])
    )


def is_visitor_id(session: Session, text: str) -> bool:
    """Whether ``text`` is a visitor's id (a page opens their file, else searches)."""
    return visitor_data.find(session.connection(), normal_id(text.strip())) is not None
