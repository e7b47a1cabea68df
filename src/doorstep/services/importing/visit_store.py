"""An import's visits in memory: read in bulk before the rows are checked, written in bulk
after, so that a backlog of hundreds of thousands of rows costs a few queries, not a few
per row.

It answers what :func:`doorstep.services.visit_records.check` and ``write`` ask, as the
database would (:class:`~doorstep.services.visit_records.DbStore`): the checks see the
database as it was before the import, as they did when each asked a query; the writes are
kept, and seen by the writes after them (a planned visit taken is taken, one given back
can be taken), until :meth:`Preloaded.flush` sends them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import Connection

from doorstep.domain.visit_ids import is_recorded_visit_id
from doorstep.storage.repositories import bulk, exclusions, visit_sync
from doorstep.storage.repositories import visit_records as repo
from doorstep.storage.repositories.visit_records import Clash

#: The columns of a visit a recording writes, with their types, for the bulk writes.
_COLUMNS = {
    "id": pl.Int64,
    "pairing_id": pl.Int64,
    "household_id": pl.Int64,
    "visitor_id": pl.Int64,
    "status": pl.String,
    "actual_start": pl.Date,
    "actual_end": pl.Date,
    "days_stayed": pl.Int64,
    "notes": pl.String,
    "client_uuid": pl.String,
    **dict.fromkeys(repo.MADE_ONLY, pl.String),
}


class Preloaded:
    """The visits, pairings and consent of the households and visitors of an import's
    rows, over the days ``first..last`` the rows span."""

    def __init__(self, conn: Connection, client_ids: list[str]) -> None:
        self.conn = conn
        #: The visits stored under the rows' device ids, by device id.
        self.stored = visit_sync.by_client_ids(conn, client_ids)
        #: Visits recorded by hand (``doorstep visits record``: without a device's id), by
        #: household and visitor, earliest first.
        self.unsynced: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
        self._pairings: dict[tuple[int, int], list[tuple[dt.date, int, dt.date | None]]] = (
            defaultdict(list)
        )
        self._consent: dict[tuple[int, dt.date], str | None] = {}
        self._excluded: dict[tuple[int, int], dt.date] = {}
        self._recorded: dict[int, list[Clash]] = defaultdict(list)
        self._planned: dict[int, list[tuple[dt.date, int, dt.date]]] = defaultdict(list)
        self._pairing_of: dict[int, int] = {}  # of each planned visit
        # Planned days of the recorded visits a write may give back (see ``UNRECORDED``).
        self._was_planned: dict[int, tuple[int, dt.date, dt.date]] = {}
        self._remember_planned(self.stored.values())
        self._next_id = bulk.next_id(conn, "visits")
        self._made: dict[int, dict[str, Any]] = {}
        self._inserted: list[dict[str, Any]] = []
        self._unrecorded: set[int] = set()
        self._deleted: set[int] = set()

    def read(self, rows: list[tuple[int, int, dt.date, dt.date]]) -> None:
        """Read what checking and writing ``rows`` (household, visitor, first and last
        day) asks: not the rows whose stored visit is as the file has it."""
        if not rows:
            return
        conn = self.conn
        first, last = min(r[2] for r in rows), max(r[3] for r in rows)
        for i, h, v, a, z in visit_sync.pairings_of(conn, sorted({r[0] for r in rows})):
            self._pairings[(h, v)].append((a, i, z))
        for pairings in self._pairings.values():
            pairings.sort(key=lambda p: (p[0], p[1]))
        self._consent = visit_sync.consent_on_days(
            conn, [(h, d) for h, _, a, z in rows for d in (a, z)]
        )
        self._excluded = exclusions.excluded_since(
            conn, pl.Series(sorted({r[0] for r in rows}), dtype=pl.Int64)
        )
        recorded = visit_sync.recorded_of(conn, sorted({r[1] for r in rows}), first, last)
        for r in recorded:
            start = r["actual_start"]
            self._recorded[int(r["visitor_id"])].append(
                Clash(
                    int(r["id"]),
                    r["client_uuid"],
                    start,
                    r["actual_end"] or start,
                    int(r["household_id"]),
                )
            )
            if r["client_uuid"] is None or is_recorded_visit_id(r["client_uuid"]):
                self.unsynced[(int(r["household_id"]), int(r["visitor_id"]))].append(r)
        for by_visitor in self._recorded.values():
            by_visitor.sort(key=lambda c: (c.first, c.id))
        for mine in self.unsynced.values():
            mine.sort(key=lambda r: (r["actual_start"], r["id"]))
        self._remember_planned(recorded)
        pairing_ids = [p[1] for found in self._pairings.values() for p in found]
        for i, p, a, z in visit_sync.planned_of(conn, pairing_ids, first, last):
            self._planned[p].append((a, i, z))
            self._pairing_of[i] = p
        for planned in self._planned.values():
            planned.sort()

    def _remember_planned(self, recorded: Iterable[dict[str, Any]]) -> None:
        for r in recorded:
            if r["planned_start"] is not None and r["pairing_id"] is not None:
                self._was_planned[int(r["id"])] = (
                    int(r["pairing_id"]),
                    r["planned_start"],
                    r["planned_end"],
                )

    # What check() asks: the database as it was.

    def pairing_over(
        self, household_id: int, visitor_id: int, first: dt.date, last: dt.date
    ) -> int | None:
        for started, pairing, ended in self._pairings.get((household_id, visitor_id), ()):
            if started <= first and (ended is None or ended > last):
                return pairing
        return None

    def consent_on_day(self, household_id: int, day: dt.date) -> str | None:
        return self._consent.get((household_id, day))

    def excluded_since(self, household_id: int, visitor_id: int) -> dt.date | None:
        return self._excluded.get((household_id, visitor_id))

    def recorded_clashes(self, visitor_id: int, first: dt.date, last: dt.date) -> list[Clash]:
        mine = self._recorded.get(visitor_id, ())
        return [c for c in mine if c.first <= last and c.last >= first]

    # What write() asks and does: the writes so far seen.

    def planned_overlapping(
        self, pairing_id: int, first: dt.date, last: dt.date, *, skip: set[int]
    ) -> tuple[int, dt.date] | None:
        for start, i, end in self._planned.get(pairing_id, ()):
            if start > last:
                break
            if end >= first and i not in skip:
                return i, start
        return None

    def update_visit(self, visit_id: int, values: dict[str, Any]) -> None:
        if values is repo.UNRECORDED:  # planned again: later rows may take it
            self._unrecorded.add(visit_id)
            self._made.pop(visit_id, None)
            pairing, start, end = self._was_planned[visit_id]
            bisect.insort(self._planned[pairing], (start, visit_id, end))
            self._pairing_of[visit_id] = pairing
            return
        self._made[visit_id] = values
        taken = self._pairing_of.pop(visit_id, None)
        if taken is not None:  # a planned visit taken
            self._planned[taken] = [p for p in self._planned[taken] if p[1] != visit_id]

    def insert_visit(self, values: dict[str, Any]) -> int:
        visit_id = self._next_id
        self._next_id += 1
        self._inserted.append(values | {"id": visit_id})
        return visit_id

    def delete_visit(self, visit_id: int) -> None:
        self._deleted.add(visit_id)
        self._made.pop(visit_id, None)

    def flush(self) -> None:
        """Send the writes: deletions, the visits no longer recorded (freeing their device
        ids), the visits recorded over stored rows, then the new rows."""
        conn = self.conn
        bulk.delete_rows(conn, "visits", "id", pl.Series(sorted(self._deleted), dtype=pl.Int64))
        unrecorded = [repo.UNRECORDED | {"id": i} for i in sorted(self._unrecorded)]
        for rows, write in (
            (unrecorded, bulk.update_rows),
            ([v | {"id": i} for i, v in sorted(self._made.items())], bulk.update_rows),
            (self._inserted, None),
        ):
            # A visit moved takes what it recorded along (``MADE_ONLY``): its row writes
            # those columns too, the others leave them as they are.
            for keys in sorted({tuple(sorted(r)) for r in rows}):
                columns = {c: t for c, t in _COLUMNS.items() if c in keys}
                frame = pl.DataFrame([r for r in rows if tuple(sorted(r)) == keys], schema=columns)
                if write is None:
                    bulk.insert_rows(conn, "visits", frame)
                else:
                    write(conn, "visits", frame)
            if write is None and rows:
                bulk.sync_sequence(conn, "visits")
