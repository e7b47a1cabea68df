"""Registry read use cases: the programme summary, and the areas a form offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from doorstep.privacy.audit import record_event
from doorstep.storage.repositories import lookups
from doorstep.storage.repositories import registry as repo
from doorstep.storage.repositories.pairing import area_by_code
from doorstep.storage.repositories.registry import LevelCount, counts_by_level, totals


@dataclass(frozen=True)
class ProgrammeSummary:
    totals: dict[str, int]
    levels: list[LevelCount]
    #: The area whose subtree is counted (``None``: the whole programme).
    area: str | None = None
    #: The database counted, as an error names it (a relative SQLite path run from another
    #: folder opens a new, empty file there).
    database: str = ""


def programme_summary(
    session: Session, *, actor: str, today: dt.date, area: str | None = None
) -> ProgrammeSummary:
    """Headline counts and counts by area level (aggregates only: no personal data), on
    ``today``: visitors and capacity are those active that day. With ``area`` (a code),
    of its subtree only; an unknown code raises :class:`~doorstep.errors.NotFound`."""
    conn = session.connection()
    prefix = area_by_code(conn, area)[1] if area is not None else None
    summary = ProgrammeSummary(
        totals(conn, today, prefix),
        counts_by_level(conn, today, prefix),
        area,
        lookups.database_opened(conn),
    )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="summary",
        detail={"area": area} if area is not None else None,
    )
    return summary


#: The most areas a form offers to choose from: a region's townships (its villages too,
#: while they fit), not its tens of thousands of villages on every page.
AREA_CHOICES = 1000

#: The most areas offered for what has been typed in an area's box (``/areas/choices``,
#: which the page asks as the box is typed in when the form's list was cut short).
AREA_MATCHES = 100


def area_choices(
    session: Session, area_path: str | None, typed: str = "", most: int | None = None
) -> list[tuple[str, str]]:
    """Code and name of the areas an account's forms offer to choose from: those of the
    subtree of ``area_path`` (``None``: the whole programme), the shallowest first, at most
    ``most`` (:data:`AREA_CHOICES`); with ``typed``, those whose code starts with it or
    whose name holds it. Areas name no one: the read is not the trail's."""
    limit = AREA_CHOICES if most is None else most
    return repo.area_choices(session.connection(), area_path, limit, typed.strip())


def organisation_choices(session: Session) -> list[tuple[str, str]]:
    """Code and name of the organisations a form offers to choose from (a referral's, an
    activity's organiser, a project's sponsor), by code, at most :data:`AREA_CHOICES`.
    Organisations name no one: the read is not the trail's."""
    return repo.organisation_choices(session.connection(), AREA_CHOICES)
