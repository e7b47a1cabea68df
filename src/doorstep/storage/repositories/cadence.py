"""The programme's cadence row (``programme_cadence``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text

from doorstep.storage.repositories.visit_records import _day as as_day


def stored(conn: Connection) -> dict[str, Any] | None:
    """The row (``max_gap_days``, ``stay_days``, ``set_on``, ``set_by``), or none if the
    cadence was never set."""
    row = conn.execute(
        text("SELECT max_gap_days, stay_days, set_on, set_by FROM programme_cadence")
    ).first()
    if row is None:
        return None
    return {**row._mapping, "set_on": as_day(row.set_on)}


def store(conn: Connection, max_gap_days: int, stay_days: int, on: dt.date, by: str) -> None:
    """Write the row, replacing the one there."""
    conn.execute(
        text(
            "INSERT INTO programme_cadence (id, max_gap_days, stay_days, set_on, set_by) "
            "VALUES (1, :gap, :stay, :on, :by) ON CONFLICT (id) DO UPDATE SET "
            "max_gap_days = excluded.max_gap_days, stay_days = excluded.stay_days, "
            "set_on = excluded.set_on, set_by = excluded.set_by"
        ),
        {"gap": max_gap_days, "stay": stay_days, "on": on, "by": by},
    )
