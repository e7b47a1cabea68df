"""Importing visits made, as field devices sync them: idempotent by the device's visit id.

A visitor records visits offline and syncs when there is a network, perhaps the same file
twice, perhaps files that overlap. Each row carries the id the device gave the visit
(``visit_id``, stored as ``visits.client_uuid``): a row whose visit is stored as the file
has it is left alone, a changed one updates its visit, and a new one is recorded as
``doorstep visits record`` records one (over the pair's planned visit on those days).
Every row is checked before any is written: all rows or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep.services.importing.errors import RowError
from doorstep.services.importing.validate import ROW
from doorstep.services.visit_records import MadeVisit, Refusal, audit_detail, check, write
from doorstep.storage.repositories import visit_records as repo
from doorstep.storage.repositories.pairing import lock_pairings


@dataclass(frozen=True)
class _Row:
    row: int
    made: MadeVisit
    household_id: int
    visitor_id: int
    stored: dict[str, Any] | None


@dataclass
class VisitsWritten:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Audit events to record after the import's own: (action, household, detail).
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def _same(stored: dict[str, Any], made: MadeVisit) -> bool:
    """Whether the stored visit is the row's as it stands (nothing to write)."""
    return (
        stored["status"] == "done"
        and (stored["household"], stored["visitor"]) == (made.household, made.visitor)
        and (stored["actual_start"], stored["actual_end"]) == (made.start, made.last)
        and (stored["notes"] or None) == (made.note or None)
    )


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
                RowError(
                    r.row,
                    "start",
                    str(r.made.start),
                    f"shares a day with the visit on row {reach[2]} of the same visitor: a "
                    "visitor makes one visit at a time",
                )
            )
        if reach is None or reach[0] != r.visitor_id or r.made.last > reach[1]:
            reach = (r.visitor_id, r.made.last, r.row)
    return errors


def load_visits(
    session: Session, frame: pl.DataFrame, *, file: str, today: dt.date
) -> VisitsWritten | list[RowError]:
    """Check every row, then write them all (or none: the errors)."""
    conn = session.connection()
    lock_pairings(conn)  # as a plan, which replaces planned visits, takes it
    rows = list(frame.iter_rows(named=True))
    households = repo.ids_by_external_id(conn, "households", [r["household_id"] for r in rows])
    visitors = repo.ids_by_external_id(conn, "visitors", [r["visitor_id"] for r in rows])
    stored = repo.by_client_ids(conn, [r["visit_id"] for r in rows])
    errors: list[RowError] = []
    known: list[_Row] = []
    for r in rows:  # visit ids are unique in the file (the validator sees to it)
        at = int(r[ROW])
        h, v = households.get(r["household_id"]), visitors.get(r["visitor_id"])
        if h is None:
            errors.append(RowError(at, "household_id", r["household_id"], "unknown household"))
        if v is None:
            errors.append(RowError(at, "visitor_id", r["visitor_id"], "unknown visitor"))
        if h is None or v is None:
            continue
        made = MadeVisit(
            r["household_id"], r["visitor_id"], r["start"], r["end"], r["note"], r["visit_id"]
        )
        known.append(_Row(at, made, h, v, stored.get(r["visit_id"])))
    errors += _overlaps_in_file(known)
    # The file's own visits stored before have the file's days now (checked above).
    ignore = frozenset(int(s["id"]) for s in stored.values())
    written = VisitsWritten()
    todo: list[tuple[_Row, int]] = []
    for k in known:
        if k.stored is not None and _same(k.stored, k.made):
            written.unchanged += 1
            continue
        outcome = check(conn, k.made, k.household_id, k.visitor_id, today=today, ignore=ignore)
        if isinstance(outcome, Refusal):
            value = {"end": str(k.made.last), "start": str(k.made.start)}.get(outcome.column, "")
            errors.append(RowError(k.row, outcome.column, value, outcome.reason, outcome.redacted))
        else:
            todo.append((k, outcome))
    if errors:
        return errors
    claimed: set[int] = set()
    for k, pairing_id in todo:
        before = k.stored
        recorded = write(
            conn,
            k.made,
            k.household_id,
            k.visitor_id,
            pairing_id,
            stored=None if before is None else int(before["id"]),
            claimed=claimed,
        )
        detail = audit_detail(k.made, recorded, file=file, visit_id=k.made.visit_id)
        if before is None:
            written.created += 1
            action = "create" if recorded.was_planned is None else "update"
        else:
            written.updated += 1
            action = "update"
            if before["household"] != k.made.household:  # it was filed under another
                written.events.append(("update", before["household"], detail | {"moved": True}))
        written.events.append((action, k.made.household, detail))
    return written
