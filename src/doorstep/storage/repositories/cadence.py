"""The programme's cadence row (``programme_cadence``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, text


def stored(conn: Connection) -> dict[str, Any] | None:
    """The row (``max_gap_days``, ``stay_days``, ``set_on``, ``set_by``), or none if the
    cadence was never set."""
    row = conn.execute(
        text("SELECT max_gap_days, stay_days, set_on, set_by FROM programme_cadence")
    ).first()
    if row is None:
        return None
    out = dict(row._mapping)
    if isinstance(out["set_on"], str):  # SQLite hands dates back as ISO text
        out["set_on"] = dt.date.fromisoformat(out["set_on"][:10])
    return out


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
