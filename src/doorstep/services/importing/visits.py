"""Importing visits made, as field devices sync them: idempotent by the device's visit id.

A visitor records visits offline and syncs when there is a network, perhaps the same file
twice, perhaps files that overlap. Each row carries the id the device gave the visit
(``visit_id``, stored as ``visits.client_uuid``): a row whose visit is stored as the file
has it is left alone, a changed one updates its visit, and a new one is recorded as
``doorstep visits record`` records one (over the pair's planned visit on those days), or,
when the household and visitor recorded a visit without a device id on those days, takes
that visit as its own (it is the same visit, recorded by hand before the device synced).
Every row is checked before any is written: all rows or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep.domain import visit_codes
from doorstep.domain.visit_ids import recorded_visit_id
from doorstep.say import Say
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.validate import ROW
from doorstep.services.importing.visit_store import Preloaded
from doorstep.services.visit_records import (
    CODES,
    MadeVisit,
    Refusal,
    audit_detail,
    cancel_in_the_way,
    check,
    write,
)
from doorstep.storage.repositories import household_data, visit_sync
from doorstep.storage.repositories.bulk import lock_for_import
from doorstep.storage.repositories.pairing import lock_pairings

ERASED_HOUSEHOLD = Say("is the id of an erased household: drop its rows (its visits went with it)")


@dataclass(frozen=True)
class _Row:
    row: int
    made: MadeVisit
    household_id: int
    visitor_id: int
    stored: dict[str, Any] | None
    #: ``stored`` is a visit recorded without a device id that the row takes as its own.
    adopted: bool = False


@dataclass
class VisitsWritten:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Planned visits cancelled, their visitor's visit being recorded on their days.
    cancelled: int = 0
    #: Audit events to record after the import's own: (action, household, detail).
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def _same(stored: dict[str, Any], made: MadeVisit) -> bool:
    """Whether the stored visit is the row's as it stands (nothing to write): the code
    columns the file leaves out are not compared (the visit keeps its own). A visit
    recorded by hand before visits had ids is the row's under the id ``export visits``
    gives it (:func:`_own_id`)."""
    return (
        stored["status"] == "done"
        and (stored["client_uuid"] or _own_id(stored)) == made.visit_id
        and (stored["household"], stored["visitor"]) == (made.household, made.visitor)
        and (stored["actual_start"], stored["actual_end"]) == (made.start, made.last)
        and (stored["notes"] or None) == (made.note or None)
        and all((stored[k] or None) == v for k, v in made.codes().items())
    )


def _own_id(stored: dict[str, Any]) -> str:
    """The id of a visit recorded by hand without one (before visits had ids), as ``export
    visits`` writes it: the one recording it now would give it."""
    return recorded_visit_id(stored["household"], stored["visitor"], stored["actual_start"])


def _overlaps_in_file(rows: list[_Row]) -> list[RowError]:
    """Rows of one visitor whose days meet an earlier-starting row's of the same file."""
    errors = []
    by_visitor = sorted(
        (r for r in rows if r.made.last >= r.made.start),
        key=lambda r: (r.visitor_id, r.made.start, r.row),
    )
    reach: tuple[int, dt.date, int] | None = None  # visitor, last day so far, its row
    for r in by_visitor:
        if reach is not None and reach[0] == r.visitor_id and r.made.start <= reach[1]:
            errors.append(
                RowError.said(
                    r.row,
                    "start",
                    str(r.made.start),
                    Say(
                        "shares a day with the visit on row %(row)s of the same visitor: a "
                        "visitor makes one visit at a time",
                        row=reach[2],
                    ),
                )
            )
        if reach is None or reach[0] != r.visitor_id or r.made.last > reach[1]:
            reach = (r.visitor_id, r.made.last, r.row)
    return errors


def load_visits(
    session: Session,
    frame: pl.DataFrame,
    *,
    file: str,
    today: dt.date,
    absent: frozenset[str] = frozenset(),
    check_only: bool = False,
) -> VisitsWritten | list[RowError]:
    """Check every row, then write them all (or none: the errors). ``check_only``
    writes nothing: the rows of a file refused for other errors are checked so.
    ``absent`` are the columns the file leaves out: a code column left out leaves each
    stored visit's codes as they are (a device that records none does not clear them)."""
    conn = session.connection()
    lock_pairings(conn)  # as a plan, which replaces planned visits, takes it
    lock_for_import(conn, ["visits"])  # new visits' ids are chosen here
    rows = list(frame.iter_rows(named=True))
    households = visit_sync.ids_by_external_id(
        conn, "households", [r["household_id"] for r in rows]
    )
    visitors = visit_sync.ids_by_external_id(conn, "visitors", [r["visitor_id"] for r in rows])
    # A device syncing again after a household's erasure still holds its visits: say so,
    # for the rows to be dropped (they went with the household), not "unknown".
    erased = household_data.erased_ids(
        conn, [r["household_id"] for r in rows if r["household_id"] not in households]
    )
    errors: list[RowError] = []
    found: list[tuple[int, MadeVisit, int, int]] = []
    for r in rows:  # visit ids are unique in the file (the validator sees to it)
        at = int(r[ROW])
        h, v = households.get(r["household_id"]), visitors.get(r["visitor_id"])
        if h is None:
            why = ERASED_HOUSEHOLD if r["household_id"] in erased else Say("unknown household")
            errors.append(RowError.said(at, "household_id", r["household_id"], why))
        if v is None:
            unknown = Say("unknown visitor")
            errors.append(RowError.said(at, "visitor_id", r["visitor_id"], unknown))
        if h is not None and v is not None:
            codes = {k: None if k in absent else visit_codes.read(r[k]) for k in CODES}
            made = MadeVisit(
                r["household_id"],
                r["visitor_id"],
                r["start"],
                r["end"],
                r["note"],
                r["visit_id"],
                **codes,
            )
            found.append((at, made, h, v))
    store = Preloaded(conn, [m.visit_id for _, m, _, _ in found if m.visit_id is not None])
    # Only rows whose visit is not stored as the file has it ask anything more.
    store.read(
        [
            (h, v, m.start, m.last)
            for _, m, h, v in found
            if (s := store.stored.get(m.visit_id or "")) is None or not _same(s, m)
        ]
    )
    known: list[_Row] = []
    adopted: set[int] = set()
    for at, made, h, v in found:
        before = store.stored.get(made.visit_id or "")
        adopt = before is None and (before := _adoptable(store, made, h, v, adopted)) is not None
        if before is not None and adopt:
            adopted.add(int(before["id"]))
        known.append(_Row(at, made, h, v, before, adopt))
    errors += _overlaps_in_file(known)
    # The file's own visits stored before have the file's days now (checked above).
    ignore = frozenset(int(k.stored["id"]) for k in known if k.stored is not None)
    written = VisitsWritten()
    todo: list[tuple[_Row, int]] = []
    for k in known:
        if k.stored is not None and _same(k.stored, k.made):
            written.unchanged += 1
            continue
        outcome = check(store, k.made, k.household_id, k.visitor_id, today=today, ignore=ignore)
        if isinstance(outcome, Refusal):
            value = {"end": str(k.made.last), "start": str(k.made.start)}.get(outcome.column, "")
            errors.append(
                RowError.said(k.row, outcome.column, value, outcome.says, outcome.redacted)
            )
        else:
            todo.append((k, outcome))
    if errors or check_only:
        return errors
    claimed: set[int] = set()
    restored: list[int] = []
    for k, pairing_id in todo:
        before = k.stored
        recorded = write(
            store, k.made, k.household_id, k.visitor_id, pairing_id, stored=before, claimed=claimed
        )
        detail = audit_detail(k.made, recorded, stored=before, file=file, visit_id=k.made.visit_id)
        if before is None:
            written.created += 1
            written.events.append(
                ("create" if recorded.was_planned is None else "update", k.made.household, detail)
            )
            continue
        written.updated += 1
        if k.adopted:  # a visit recorded without a device id is this one
            detail["adopted"] = True
        # The planned visit put back is its household's, named in its own event only.
        back: dict[str, Any] = {}
        if recorded.restored is not None:
            restored.append(recorded.restored[0])
            back = {"restored_visit": recorded.restored[0]}
            back["restored_planned"] = recorded.restored[1].isoformat()
        action = "update"
        if before["household"] != k.made.household:  # it was filed under another
            # Its event names the visit that left it, not the other household's days.
            gone: dict[str, Any] = {"visit": recorded.visit, "moved": True, "file": file}
            if recorded.carried:  # what it recorded went with it, named as the move is
                gone["carried"] = list(recorded.carried)
            written.events.append(("update", before["household"], gone | back))
            # New to this household unless it took a planned visit of its own.
            action = "create" if recorded.was_planned is None else "update"
        else:
            detail |= back
        written.events.append((action, k.made.household, detail))
    store.flush()
    _cancel_in_the_way(session, written, [(k.visitor_id, k.made) for k, _ in todo], restored)
    return written


def _cancel_in_the_way(
    session: Session,
    written: VisitsWritten,
    made: list[tuple[int, MadeVisit]],
    restored: list[int],
) -> None:
    """Once every row is written (a row may take a planned visit another row's days
    meet, or one given back by another row), cancel the planned visits the rows leave
    their visitors unable to make, given back ones among them: such a one was not
    restored after all, so the event that said it was no longer does."""
    days = pl.DataFrame(
        [(v, m.start, m.last) for v, m in made],
        schema={"visitor_id": pl.Int64, "first": pl.Date, "last": pl.Date},
        orient="row",
    )
    cancelled = cancel_in_the_way(session.connection(), days, restored)
    gone = {d["visit"] for _, _, d in cancelled}
    for _, _, detail in written.events:
        if detail.get("restored_visit") in gone:
            del detail["restored_visit"], detail["restored_planned"]
    written.events += cancelled
    written.cancelled = len(cancelled)


def _adoptable(
    store: Preloaded, made: MadeVisit, household_id: int, visitor_id: int, taken: set[int]
) -> dict[str, Any] | None:
    """The visit a row without a stored visit takes as its own: the visit recorded by hand
    (``doorstep visits record``'s, under :func:`~doorstep.domain.visit_ids.
    recorded_visit_id`'s id or, recorded before visits had ids, none) of the same
    household and visitor that the row's id names (:func:`_own_id`), else the earliest
    whose days meet the row's; one no earlier row took.

    The same visit recorded by hand and then synced from the device is one visit: the
    sync gives it its id and its days. Another household's visit, or one under another
    device id, on those days is still an overlap (:func:`check` refuses it).
    """
    mine = store.unsynced.get((household_id, visitor_id), ())
    for r in mine:  # exported under the id it would be recorded under now: that visit
        if r["client_uuid"] is None and _own_id(r) == made.visit_id and int(r["id"]) not in taken:
            return dict(r)
    if made.last < made.start:
        return None
    for r in mine:
        first, last = r["actual_start"], r["actual_end"] or r["actual_start"]
        if first <= made.last and last >= made.start and int(r["id"]) not in taken:
            return dict(r)
    return None
