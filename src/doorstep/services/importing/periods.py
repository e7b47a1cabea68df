"""Periods of people's calendars: visitors' leave and households' blackouts.

A period is known by its person and its first day (``starts_on``): imported again it is
updated in place (a new ``ends_on`` or ``reason``), and a file imported twice adds nothing.
One person's periods never overlap: in the file two that do are refused (merge them into
one row), and so is a row that overlaps a stored period with another first day (change
that period by giving its first day). ``--replace`` makes the file the whole set of the
named people's periods from today on: their stored periods not in the file that end today
or later are removed; past ones stay, as the record of what was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection

from doorstep import remedies
from doorstep.say import Say
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.load import Written, fill_unstated, write_changed
from doorstep.services.importing.validate import ROW
from doorstep.storage.repositories import bulk


@dataclass(frozen=True, slots=True)
class Calendar:
    """Where one kind of period comes from and goes to, and the words for it."""

    key: str  # the file's column of the person's id (and the table's of the person)
    people: str  # the table of the people the periods are of
    table: str  # the table of the periods
    columns: tuple[str, ...]  # the period's stored columns besides the person and days
    what: str  # the period, as an error names it
    who: str  # the person, as an error names them


CALENDARS = {
    "leave": Calendar("visitor_id", "visitors", "visitor_leave", (), "leave", "visitor"),
    "blackouts": Calendar(
        "household_id",
        "households",
        "household_blackouts",
        ("reason",),
        "a blackout period",
        "household",
    ),
}


@dataclass(frozen=True)
class PeriodsWritten:
    """What an import of periods wrote: the rows, how many it removed (``--replace``), and
    the database ids of the people whose periods it changed (for the audit)."""

    written: Written
    removed: int
    people: pl.Series


def file_overlaps(entity: str, frame: pl.DataFrame, cell: Callable[[str], str]) -> list[RowError]:
    """Rows of ``frame`` (typed, with ``ROW``) that overlap an earlier period of the same
    person in the file, named on the later one: which of the two is right is not for the
    import to guess. ``cell`` names the column that holds a column's cell as the file has
    it. A duplicate first day, or an end before the start, is reported apart."""
    cal = CALENDARS[entity]
    rows = (
        frame.filter(
            pl.col(cal.key).is_not_null()
            & pl.col("starts_on").is_not_null()
            & pl.col("ends_on").is_not_null()
            & (pl.col("ends_on") >= pl.col("starts_on"))
        )
        .select(ROW, cal.key, "starts_on", "ends_on", pl.col(cell("starts_on")).alias("_cell"))
        .sort(cal.key, "starts_on", ROW)
    )
    errors: list[RowError] = []
    reach: tuple[str, int, dt.date, dt.date] | None = None  # the period reaching furthest
    for row, who, first, last, shown in rows.iter_rows():
        if reach is not None and reach[0] == who and first != reach[2] and first <= reach[3]:
            errors.append(
                RowError.said(
                    row,
                    "starts_on",
                    shown,
                    _in_file(entity, reach[1], reach[2], reach[3]),
                    f"overlaps row {reach[1]} ({cal.what} of the same {cal.who}); merge the "
                    "two into one row",
                )
            )
        if reach is None or reach[0] != who or last > reach[3]:
            reach = (who, row, first, last)
    return errors


def _in_file(entity: str, row: int, first: dt.date, last: dt.date) -> Say:
    """Why a period overlapping the file's period on ``row`` (``first`` to ``last``) of the
    same person is refused."""
    if entity == "leave":
        return Say(
            "overlaps row %(row)s (leave of the same visitor, %(first)s to %(last)s); merge "
            "the two into one row",
            row=row,
            first=first,
            last=last,
        )
    return Say(
        "overlaps row %(row)s (a blackout period of the same household, %(first)s to "
        "%(last)s); merge the two into one row",
        row=row,
        first=first,
        last=last,
    )


def _stored(cal: Calendar, first: dt.date, last: dt.date, *, replace: bool) -> Say:
    """Why a period overlapping a stored one of the same person (``first`` to ``last``)
    that stays as it is is refused."""
    if cal.people == "visitors":
        if replace:
            return Say(
                "overlaps the leave stored for this visitor from %(first)s to %(last)s (it "
                "ended before today: %(replace)s keeps it); to change that period, give its "
                "starts_on",
                first=first,
                last=last,
                replace=remedies.replace(),
            )
        return Say(
            "overlaps the leave stored for this visitor from %(first)s to %(last)s; to change "
            "that period, give its starts_on, or import with %(replace)s to make the file the "
            "whole of this visitor's periods from today on",
            first=first,
            last=last,
            replace=remedies.replace(),
        )
    if replace:
        return Say(
            "overlaps the blackout period stored for this household from %(first)s to "
            "%(last)s (it ended before today: %(replace)s keeps it); to change that period, "
            "give its starts_on",
            first=first,
            last=last,
            replace=remedies.replace(),
        )
    return Say(
        "overlaps the blackout period stored for this household from %(first)s to %(last)s; "
        "to change that period, give its starts_on, or import with %(replace)s to make the "
        "file the whole of this household's periods from today on",
        first=first,
        last=last,
        replace=remedies.replace(),
    )


def load_periods(
    conn: Connection,
    entity: str,
    frame: pl.DataFrame,
    *,
    replace: bool,
    today: dt.date,
    on_rows: Callable[[int], None] | None = None,
    absent: frozenset[str] = frozenset(),
) -> PeriodsWritten | list[RowError]:
    """Write the periods of ``frame`` (every person known, no overlap within it), or return
    the rows that overlap a stored period and write nothing."""
    cal = CALENDARS[entity]
    people = bulk.key_map(conn, cal.people, "external_id").rename(
        {"external_id": "_person", "id": cal.key}
    )
    f = frame.rename({cal.key: "_person"}).join(people, on="_person", how="inner")
    stored = bulk.read_rows(conn, cal.table, ["id", cal.key, "starts_on", "ends_on", *cal.columns])
    # One stored period per person and first day (a unique constraint since migration 0009).
    joined = f.join(
        stored.select("id", cal.key, "starts_on"), on=[cal.key, "starts_on"], how="left"
    )
    matched = joined["id"].drop_nulls()
    others = stored.filter(~pl.col("id").is_in(matched.implode()))
    doomed = others.clear()
    if replace:
        named = joined[cal.key].unique().implode()
        doomed = others.filter(pl.col(cal.key).is_in(named) & (pl.col("ends_on") >= today))
        others = others.filter(~pl.col("id").is_in(doomed["id"].implode()))
    errors = _stored_overlaps(cal, joined, others, replace=replace)
    if errors:
        return errors
    bulk.delete_rows(conn, cal.table, "id", doomed["id"])
    columns = ["id", cal.key, "starts_on", "ends_on", *cal.columns]
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, cal.table)
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    new, old = fill_unstated(
        conn,
        cal.table,
        "id",
        new.select(columns),
        joined.filter(pl.col("id").is_not_null()).select(columns),
        {"reason": ""} if "reason" in cal.columns else {},
        absent,
        stored,
    )
    written = write_changed(conn, cal.table, new, old, on_rows, absent, stored)
    touched = pl.concat(
        [
            new[cal.key],
            old.filter(pl.col("id").is_in(written.updated.implode()))[cal.key],
            doomed[cal.key],
        ]
    ).unique()
    return PeriodsWritten(written, doomed.height, touched)


def _stored_overlaps(
    cal: Calendar, rows: pl.DataFrame, others: pl.DataFrame, *, replace: bool
) -> list[RowError]:
    """Rows (``ROW``, the person, days) overlapping a stored period of their person that
    stays as it is (``others``)."""
    hits = (
        rows.select(ROW, cal.key, "starts_on", "ends_on")
        .join(
            others.select(cal.key, pl.col("starts_on").alias("_a"), pl.col("ends_on").alias("_z")),
            on=cal.key,
        )
        .filter((pl.col("_a") <= pl.col("ends_on")) & (pl.col("starts_on") <= pl.col("_z")))
        .sort(ROW, "_a")
        .unique(ROW, keep="first", maintain_order=True)
    )
    advice = (
        "to change that period, give its starts_on"
        if replace
        else f"to change that period, give its starts_on, or import with --replace to make the "
        f"file the whole of this {cal.who}'s periods from today on"
    )
    what = "leave" if cal.what == "leave" else "blackout period"
    past = " (it ended before today: --replace keeps it)" if replace else ""
    return [
        RowError.said(
            int(row),
            "starts_on",
            str(a),
            _stored(cal, stored_a, stored_z, replace=replace),
            f"overlaps a {what} stored for this {cal.who}{past}; {advice}",
        )
        for row, _, a, _, stored_a, stored_z in hits.iter_rows()
    ]
