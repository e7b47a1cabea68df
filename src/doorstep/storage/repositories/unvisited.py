"""The pairings a plan left without a visit (``unvisited_pairings``): read by the next plan
of their area, replaced by each."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, text

from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.reads import frame

#: The area's pairings, of households in the subtree at ``:prefix``.
_OF_AREA = """
    SELECT p.id FROM pairings p
    JOIN households h ON h.id = p.household_id JOIN areas a ON a.id = h.area_id
    WHERE a.path LIKE :prefix"""


def of_area(conn: Connection, path: str) -> pl.DataFrame:
    """The rows of the pairings of households in the subtree at ``path``."""
    return frame(
        conn,
        "SELECT pairing_id, household_id, visitor_id, planned_from, active_from, active_end, "
        f"horizon_end FROM unvisited_pairings WHERE pairing_id IN ({_OF_AREA})",
        {"prefix": path + "%"},
        {
            "pairing_id": pl.Int64,
            "household_id": pl.Int64,
            "visitor_id": pl.Int64,
            "planned_from": pl.Date,
            "active_from": pl.Date,
            "active_end": pl.Date,
            "horizon_end": pl.Date,
        },
    )


def replace(conn: Connection, path: str, rows: pl.DataFrame) -> None:
    """Replace the rows of the pairings of households in the subtree at ``path`` by
    ``rows`` (each of a pairing there): a plan of the area considered every one of them,
    and those of its pairings ended or left out are no longer what it left unvisited."""
    conn.execute(
        text(f"DELETE FROM unvisited_pairings WHERE pairing_id IN ({_OF_AREA})"),
        {"prefix": path + "%"},
    )
    bulk.insert_rows(conn, "unvisited_pairings", rows)
