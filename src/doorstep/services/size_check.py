"""Households whose stored outcomes hold more members in paid work than the household has
members: figures stored before the imports refused them
(:mod:`doorstep.services.importing.household_sizes`). Nothing finds them otherwise, and a
households file naming one is refused until its years are corrected (import indicators)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import polars as pl
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


#: The columns of the list's CSV file (the web app's download; the command's, a test
#: holds): the fields of :class:`OverWork`, in its order.
COLUMNS = tuple(f.name for f in fields(OverWork))


@dataclass(frozen=True)
class OverWorkPage:
    """A page of the list: its rows from the whole list's ``offset``-th, and how many rows
    the whole list has."""

    rows: list[OverWork]
    total: int
    offset: int


def over_work(session: Session, *, actor: str, area: str | None = None) -> list[OverWork]:
    """The years, of the households in ``area`` (and the areas within it; all: ``None``),
    whose ``members_in_work`` is above the household's ``members``, by household then
    year. Read in the trail: one event of the list (with the area), and one ``read``
    under each household shown, so that their exports list it."""
    conn = session.connection()
    path = None if area is None else area_by_code(conn, area)[1]
    found = repo.work_over_members(conn, path=path)
    _record(session, found, actor=actor, detail={"rows": found.height, "area": area})
    return _rows(found)


def over_work_page(
    session: Session, *, actor: str, area: str | None, limit: int, offset: int = 0
) -> OverWorkPage:
    """``limit`` rows of :func:`over_work`'s list from its ``offset``-th, and how many it
    has: read by the database a page at a time, as a region's list can be long. Read in the
    trail as the whole list is (the first page's events are the command's, when it shows
    every row), under the households of the page alone; the list's event says how many
    rows it shows, and from which (past the first)."""
    conn = session.connection()
    path = None if area is None else area_by_code(conn, area)[1]
    total = repo.count_work_over_members(conn, path=path)
    found = repo.work_over_members(conn, path=path, limit=limit, offset=offset)
    detail: dict[str, object] = {"rows": found.height, "area": area}
    _record(session, found, actor=actor, detail=detail | ({"offset": offset} if offset else {}))
    return OverWorkPage(_rows(found), total, offset)


def _rows(found: pl.DataFrame) -> list[OverWork]:
    return [
        OverWork(
            str(r["household"]),
            str(r["area"]),
            int(r["year"]),
            int(r["members"]),
            int(r["members_in_work"]),
        )
        for r in found.iter_rows(named=True)
    ]


def _record(
    session: Session, found: pl.DataFrame, *, actor: str, detail: dict[str, object]
) -> None:
    """The list's event, then one under each household of the rows ``found``."""
    record_event(session, actor=actor, action="read", entity="household_sizes", detail=detail)
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=found["household_id"].unique().sort(),
        detail={"table": "household_indicators", "check": "sizes"},
    )
