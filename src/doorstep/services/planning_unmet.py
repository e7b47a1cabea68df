"""The pairings a plan of an area leaves short of their cadence: ``plan --area --compliance``.

The list names households and visitors by their ids, with how each pairing fares, so it is
a read of their data: recorded in the plan's own transaction (as the work lists record
theirs), and written to its file only once that is committed
(:mod:`doorstep.services.outfile`), so the file is never on disk without its events.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from doorstep.engine.planning import PlanResult
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.privacy.audit import record_event, record_household_events, record_visitor_events
from doorstep.reports.render import XLSX_MAX_ROWS
from doorstep.services.exporting import write_table
from doorstep.services.reporting import REPORT_SUFFIXES

#: The columns of the file, as file mode writes them (``write_compliance_csv``).
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


def unmet_pairings(result: PlanResult, pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per pairing of ``result`` whose cadence is not met (:data:`SCHEMA`, then
    :data:`KEYS`), by household and visitor id. ``pairs`` are the plan's pairings, row
    ``i`` the problem's pairing ``i``, with the database ids (``household_id``,
    ``visitor_id``) and the external ones (``household``, ``visitor``)."""
    rows = np.flatnonzero(~result.compliant)
    unmet = list(result.non_compliant())  # in pairing order, as ``rows``
    frame = pl.DataFrame(
        {
            "household_id": [c.household_id for c in unmet],
            "visitor_id": [c.visitor_id for c in unmet],
            "visits": [c.visits for c in unmet],
            "longest_gap_days": [c.longest_gap_days for c in unmet],
            "gap_from": [c.gap_from for c in unmet],
            "gap_to": [c.gap_to for c in unmet],
            "reason": [c.reason.value for c in unmet],
            "failed_rules": [";".join(c.failed_rules) for c in unmet],
            "household_key": pairs["household_id"].gather(rows),
            "visitor_key": pairs["visitor_id"].gather(rows),
        },
        schema={**SCHEMA, "household_key": pl.Int64(), "visitor_key": pl.Int64()},
    )
    # By household, as a coordinator looks one up; a household handed from one visitor to
    # another in the horizon has a row for each pairing, in the order of their gaps.
    return frame.sort("household_id", "visitor_id", "gap_from")


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
        if self.path.suffix.lower() == ".xlsx" and self.frame.height + 1 > XLSX_MAX_ROWS:
            raise DoorstepError(
                f"cannot write {self.path}: {self.frame.height:,} rows do not fit in one sheet "
                f"({XLSX_MAX_ROWS - 1:,} at most); give a .csv or .parquet file{note}"
            )
        write_table(self.frame, self.path, "unmet", note=note)
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
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visits",
        detail={
            "list": LIST,
            "file": path.name,
            "area": area,
            "start": start,
            "rows": unmet.height,
        },
    )
    named = {"list": LIST, "file": path.name}
    record_household_events(
        session, actor=actor, action="read", household_ids=unmet["household_key"], detail=named
    )
    record_visitor_events(
        session, actor=actor, action="read", visitor_ids=unmet["visitor_key"], detail=named
    )
    session.flush()
    return PendingUnmet(path, unmet.drop(KEYS))
