"""Households whose stored outcomes hold more members in paid work than the household has
members: figures stored before the imports refused them
(:mod:`doorstep.services.importing.household_sizes`). Nothing finds them otherwise, and a
households file naming one is refused until its years are corrected (import indicators)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from doorstep.privacy.audit import record_event, record_household_events
from doorstep.storage.repositories import household_sizes as repo
from doorstep.storage.repositories.pairing import area_by_code


@dataclass(frozen=True)
class OverWork:
    """One household's year with more members in work than members."""

    household: str
    area: str
    year: int
    members: int
    members_in_work: int


def over_work(session: Session, *, actor: str, area: str | None = None) -> list[OverWork]:
    """The years, of the households in ``area`` (and the areas within it; all: ``None``),
    whose ``members_in_work`` is above the household's ``members``, by household then
    year. Read in the trail: one event of the list (with the area), and one ``read``
    under each household shown, so that their exports list it."""
    conn = session.connection()
    path = None if area is None else area_by_code(conn, area)[1]
    found = repo.work_over_members(conn, path=path)
    rows = [
        OverWork(
            str(r["household"]),
            str(r["area"]),
            int(r["year"]),
            int(r["members"]),
            int(r["members_in_work"]),
        )
        for r in found.iter_rows(named=True)
    ]
    record_event(
        session,
        actor=actor,
        action="read",
        entity="household_sizes",
        detail={"rows": len(rows), "area": area},
    )
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=found["household_id"].unique().sort(),
        detail={"table": "household_indicators", "check": "sizes"},
    )
    return rows
