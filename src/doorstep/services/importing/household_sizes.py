"""No more members in paid work than members: an indicators row whose ``members_in_work``
is above its household's ``members``, and a households row whose ``members`` is below a
stored year's ``members_in_work``, are refused, as any bad row is (the import writes
nothing).

``members`` is the household's size as recorded now (required, at least 1, never null),
and each year's figures are read against it (the outcomes' income per head divides by
it): a household that shrank is given its new size once the members in work of its earlier
years fit in it (correct them with an indicators import first).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from doorstep.say import Say
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.validate import ROW
from doorstep.storage.repositories import household_sizes as repo

#: The imports that check a household's size against its outcomes.
SIZED = frozenset({"households", "indicators"})
#: The column each refuses.
COLUMN = {"households": "members", "indicators": "members_in_work"}

_OVER_MEMBERS = (
    "is more than the household's members: no more members can be in paid work than the "
    "household has; correct the row, or first the household's members (import households)"
)
_UNDER_WORK = (
    "is fewer than the members in paid work its outcomes of a year hold: correct "
    "members_in_work of that year first (import indicators), or keep its members"
)


def size_errors(
    conn: Connection, entity: str, frame: pl.DataFrame, raw: pl.DataFrame
) -> list[RowError]:
    """The rows of ``frame`` (typed; ``raw``: the file's text, row for row) of an
    ``entity`` import (:data:`SIZED`) that would leave a household with more members in
    paid work than members, against what is stored. Rows whose cell is empty, or not in the
    file, are not checked (an indicators file without ``members_in_work`` keeps what is
    stored)."""
    column = COLUMN[entity]
    if column not in raw.columns or "household_id" not in frame.columns:
        return []
    rows = (
        frame.with_columns(raw[column].alias("cell"))
        .select(ROW, "household_id", column, "cell")
        .filter(pl.col(column).is_not_null() & pl.col("household_id").is_not_null())
    )
    if rows.is_empty():
        return []
    if entity == "indicators":
        most = rows[column].max()
        assert isinstance(most, int)
        stored = repo.members_below(conn, most, rows["household_id"])
        bad = rows.join(stored, on="household_id").filter(pl.col(column) > pl.col("members"))
        return [
            RowError.said(
                int(r[ROW]),
                column,
                r["cell"],
                Say(
                    "is more than the household's %(members)s members: no more members can be "
                    "in paid work than the household has; correct the row, or first the "
                    "household's members (import households)",
                    members=int(r["members"]),
                ),
                _OVER_MEMBERS,
            )
            for r in bad.sort(ROW).iter_rows(named=True)
        ]
    stored = repo.work_above_one(conn, rows["household_id"])
    bad = (
        rows.join(stored, on="household_id")
        .filter(pl.col("members_in_work") > pl.col(column))
        # The most in work, of the latest year among ties: one error a row.
        .sort([ROW, "members_in_work", "year"], descending=[False, True, True])
        .unique(ROW, keep="first", maintain_order=True)
    )
    return [
        RowError.said(
            int(r[ROW]),
            column,
            r["cell"],
            Say(
                "is fewer than the %(work)s members in paid work its outcomes of %(year)s "
                "hold: correct members_in_work of that year first (import indicators), or "
                "keep its members",
                work=int(r["members_in_work"]),
                year=int(r["year"]),
            ),
            _UNDER_WORK,
        )
        for r in bad.iter_rows(named=True)
    ]
