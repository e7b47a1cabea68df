"""The pairings a plan leaves short of their cadence: ``plan --compliance``.

One writer for both modes, so that a file-mode list (``plan --pairings ... --compliance``)
is written as its suffix says, as database mode's is, not as CSV whatever its name.

In database mode the list names households and visitors by their ids, with how each
pairing fares, so it is a read of their data: recorded in the plan's own transaction (as
the work lists record theirs), and written to its file only once that is committed
(:mod:`doorstep.services.outfile`), so the file is never on disk without its events.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from doorstep.engine.planning import PlanResult
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.audit import record_event, record_household_events, record_visitor_events
from doorstep.reports.render import XLSX_MAX_ROWS
from doorstep.services.exporting import write_table
from doorstep.services.reporting import REPORT_SUFFIXES

#: The columns of the file, in both modes.
SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.String(),
    "visitor_id": pl.String(),
    "visits": pl.Int64(),
    "longest_gap_days": pl.Int64(),
    "gap_from": pl.Date(),
    "gap_to": pl.Date(),
    "reason": pl.String(),
    "failed_rules": pl.String(),
}
#: The database ids the audit names each row's people by; not written to the file.
KEYS = ("household_key", "visitor_key")
#: The ``list`` of the read events: what a household's or visitor's export shows.
LIST = "compliance"


def check_unmet_file(path: Path) -> None:
    """Refuse a ``--compliance`` file of a type it is not written as, before any work (the
    types ``export`` and ``report --out`` write, by the suffix)."""
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InvalidInput(f"--compliance {path}: use a .csv, .xlsx or .parquet file")


def unmet_frame(result: PlanResult) -> pl.DataFrame:
    """One row per pairing of ``result`` whose cadence is not met (:data:`SCHEMA`), in
    the problem's pairing order: the gap and the binding constraint, by household and
    visitor id."""
    unmet = list(result.non_compliant())
    return pl.DataFrame(
        {
            "household_id": [c.household_id for c in unmet],
            "visitor_id": [c.visitor_id for c in unmet],
            "visits": [c.visits for c in unmet],
            "longest_gap_days": [c.longest_gap_days for c in unmet],
            "gap_from": [c.gap_from for c in unmet],
            "gap_to": [c.gap_to for c in unmet],
            "reason": [c.reason.value for c in unmet],
            "failed_rules": [";".join(c.failed_rules) for c in unmet],
        },
        schema=SCHEMA,
    )


def unmet_pairings(result: PlanResult, pairs: pl.DataFrame) -> pl.DataFrame:
    """:func:`unmet_frame` with :data:`KEYS` (for the audit), by household and visitor id.
    ``pairs`` are the plan's pairings, row ``i`` the problem's pairing ``i``, with the
    database ids (``household_id``, ``visitor_id``)."""
    rows = np.flatnonzero(~result.compliant)  # in pairing order, as ``non_compliant``
    frame = unmet_frame(result).with_columns(
        household_key=pairs["household_id"].gather(rows).cast(pl.Int64),
        visitor_key=pairs["visitor_id"].gather(rows).cast(pl.Int64),
    )
    # By household, as a coordinator looks one up; a household handed from one visitor to
    # another in the horizon has a row for each pairing, in the order of their gaps.
    return frame.sort("household_id", "visitor_id", "gap_from")


def write_unmet(frame: pl.DataFrame, path: Path, *, note: str = "") -> None:
    """Write the list ``frame`` (:data:`SCHEMA`) to ``path`` whole (or nothing), as its
    suffix says (:data:`~doorstep.services.reporting.REPORT_SUFFIXES`, checked before any
    work by :func:`check_unmet_file`), with an apostrophe before a cell a spreadsheet
    would run or mangle; header only when no pairing misses its cadence. ``note`` ends any
    error (what is stored meanwhile)."""
    if path.suffix.lower() == ".xlsx" and frame.height + 1 > XLSX_MAX_ROWS:
        raise DoorstepError(
            f"cannot write {path}: {frame.height:,} rows do not fit in one sheet "
            f"({XLSX_MAX_ROWS - 1:,} at most); give a .csv or .parquet file{note}"
        )
    write_table(frame, path, "unmet", note=note)


@dataclass(frozen=True)
class PendingUnmet:
    """The list, its reads recorded, to be written once they are committed."""

    path: Path
    frame: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.frame.height

    def write(self) -> int:
        """Write the file whole (or nothing, see :func:`~.outfile.write_whole`), header only
        when no pairing misses its cadence; the row count. The plan is committed by now, so
        every failure says it is stored."""
        note = " (the plan is stored; the audit trail records the list as failed)"
        write_unmet(self.frame, self.path, note=note)
        return self.frame.height


def read_unmet(
    session: Session,
    unmet: pl.DataFrame,
    path: Path,
    *,
    actor: str,
    area: str,
    start: str,
) -> PendingUnmet:
    """Record the read of the list ``unmet`` (from :func:`unmet_pairings`) into ``path``:
    the command's event (``read`` of ``visits``, the list, file, area, start and row
    count), then a ``read`` under each household and each visitor it names, once each;
    call :meth:`PendingUnmet.write` after the commit. An empty list names no one, but its
    event is recorded all the same: someone looked."""
    detail = {"list": LIST, "file": path.name, "area": area, "start": start}
    _record_reads(session, unmet, actor, {**detail, "rows": unmet.height}, path.name)
    return PendingUnmet(path, unmet.drop(KEYS))


def read_unmet_page(
    session: Session,
    unmet: pl.DataFrame,
    *,
    actor: str,
    area: str,
    start: str,
    limit: int,
) -> pl.DataFrame:
    """The first ``limit`` rows of the list ``unmet`` (from :func:`unmet_pairings`), their
    reads recorded as :func:`read_unmet` records a file's: the request's event (``read``
    of ``visits``, the list, area, start, the rows shown and the list's ``total``), then a
    ``read`` under each household and visitor shown, once each. Only the rows shown are
    read, as a page of a work list; ``limit`` 0 shows and records none."""
    if limit <= 0:
        return unmet.head(0).drop(KEYS)
    shown = unmet.head(limit)
    detail = {"list": LIST, "area": area, "start": start}
    _record_reads(session, shown, actor, {**detail, "rows": shown.height, "total": unmet.height})
    return shown.drop(KEYS)


def _record_reads(
    session: Session,
    shown: pl.DataFrame,
    actor: str,
    detail: dict[str, Any],
    file: str | None = None,
) -> None:
    record_event(session, actor=actor, action="read", entity="visits", detail=detail)
    named = {"list": LIST} if file is None else {"list": LIST, "file": file}
    record_household_events(
        session, actor=actor, action="read", household_ids=shown["household_key"], detail=named
    )
    record_visitor_events(
        session, actor=actor, action="read", visitor_ids=shown["visitor_key"], detail=named
    )
    session.flush()
