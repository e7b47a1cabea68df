"""Importing exclusions: pairs of a household and a visitor that pairing must never make.

A row's pair is its identity: imported again it changes nothing, or only its reason. Both
people must be on record: an id no one holds, or held by someone erased, is refused, since
an exclusion is data about the two of them. Pairing reads exclusions, so the import runs
under the pairing lock, and its writes are counted as writes to pairing's inputs (by the
triggers on ``exclusions``): an open proposal that could have made a pair excluded now is
stale. A reason changed alone is not counted: pairing does not read it. A pair paired now
keeps its pairing until the next commit for its area ends it, but its planned visits from
the import's day are cancelled at once (as ``doorstep pair exclude`` cancels them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection

from doorstep import remedies
from doorstep.say import Said, Say, Value, joined
from doorstep.services.exclusions import cancel_events, cancel_planned
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.load import Written, differing
from doorstep.services.importing.validate import ROW
from doorstep.storage.repositories import bulk, household_data, visit_sync, visitor_data
from doorstep.storage.repositories import exclusions as repo

#: The table the rows go to, as audit details name it.
TABLE = "exclusions"
#: How many pairs paired now a note names; it counts the others.
NAMED_IN_NOTE = 5
#: Why a row naming a household or a visitor not on record, or erased, is refused.
_NO_ONE = {
    "households": (
        Say("is the id of an erased household: there is no one to keep apart"),
        Say("unknown household; import the households first"),
    ),
    "visitors": (
        Say("is the id of an erased visitor: there is no one to keep apart"),
        Say("unknown visitor; import the visitors first"),
    ),
}


def reference_errors(conn: Connection, frame: pl.DataFrame, cell: str) -> list[RowError]:
    """Rows naming a household or a visitor that is not on record (or was erased); ``cell``
    prefixes the columns holding each cell as the file has it."""
    errors: list[RowError] = []
    for column, table in (("household_id", "households"), ("visitor_id", "visitors")):
        erased_id, unknown = _NO_ONE[table]
        ids = frame[column].drop_nulls().unique().to_list()
        known = visit_sync.ids_by_external_id(conn, table, ids)
        if table == "households":
            erased = household_data.erased_ids(conn, [i for i in ids if i not in known])
        else:
            erased = visitor_data.erased_ids(conn) & set(known)
        for r in frame.filter(pl.col(column).is_not_null()).iter_rows(named=True):
            value = r[column]
            if value in erased:
                reason = erased_id
            elif value not in known:
                reason = unknown
            else:
                continue
            errors.append(RowError.said(int(r[ROW]), column, r[cell + column], reason))
    return errors


def load_exclusions(conn: Connection, frame: pl.DataFrame, today: dt.date) -> Written:
    """Add the file's new pairs, update the reason of stored ones whose reason differs (an
    empty cell, or no ``reason`` column, keeps the stored one: it says "not stated", as an
    empty address does), and leave the others alone.

    The planned visits of the file's pairs not over before ``today`` are cancelled
    (:func:`~doorstep.services.exclusions.cancel_planned`). Its ``events`` name, for each
    pair written and each visit cancelled, the household (the event's id) and the visitor;
    its notes name the pairs that an open pairing holds now, and the visits cancelled."""
    f = frame.drop(ROW).with_columns(
        _ids(conn, frame, "household_id", "households").alias("hid"),
        _ids(conn, frame, "visitor_id", "visitors").alias("vid"),
    )
    stored = bulk.read_rows(conn, TABLE, ["id", "household_id", "visitor_id", "reason"])
    joined = f.join(
        stored.rename({"household_id": "hid", "visitor_id": "vid", "reason": "_stored"}),
        on=["hid", "vid"],
        how="left",
    ).with_columns(pl.coalesce("reason", "_stored", pl.lit("")).alias("reason"))
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, TABLE)
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    old = joined.filter(pl.col("id").is_not_null())
    people = [pl.col("hid").alias("household_id"), pl.col("vid").alias("visitor_id")]
    bulk.insert_rows(conn, TABLE, new.select("id", *people, "reason"))
    changed = differing(conn, TABLE, old.select("id", "reason"), stored)
    bulk.update_rows(conn, TABLE, changed)  # only reasons, which are not counted (0010)
    bulk.sync_sequence(conn, TABLE)
    updated = old.filter(pl.col("id").is_in(changed["id"].implode()))
    events: list[tuple[str, str, dict[str, Any]]] = [
        (action, r["household_id"], {"table": TABLE, "visitor": r["visitor_id"]})
        for action, rows in (("create", new), ("update", updated))
        for r in rows.select("household_id", "visitor_id").iter_rows(named=True)
    ]
    cancelled = cancel_planned(conn, f.select(people), today)
    events += cancel_events(cancelled)
    paired = repo.paired_now(conn, f.select(people))
    events += _read_in_note(paired, pl.concat([new.select(people), updated.select(people)]))
    return Written(
        new["id"],
        changed["id"],
        old.height - changed.height,
        notes=paired_note(paired) + cancelled_note(cancelled),
        events=tuple(events),
    )


def _ids(conn: Connection, frame: pl.DataFrame, column: str, table: str) -> pl.Series:
    """The database ids of the people ``column`` names (all on record: checked before)."""
    known = visit_sync.ids_by_external_id(conn, table, frame[column].unique().to_list())
    return frame[column].replace_strict(known, return_dtype=pl.Int64)


def _read_in_note(
    paired: pl.DataFrame, written: pl.DataFrame
) -> list[tuple[str, str, dict[str, Any]]]:
    """A ``read`` event of each pair :func:`paired_note` names that the import did not write
    (given again unchanged): the note shows that they are paired now, and in which area, so
    each person's export must list it (a pair written has its write's event already)."""
    keys = ["household_id", "visitor_id"]
    shown = paired.head(NAMED_IN_NOTE).join(written, on=keys, how="anti", maintain_order="left")
    return [
        ("read", r["household"], {"table": TABLE, "visitor": r["visitor"]})
        for r in shown.iter_rows(named=True)
    ]


def paired_note(paired: pl.DataFrame) -> tuple[str, ...]:
    """What to say of the excluded pairs that an open pairing holds (``household``,
    ``visitor``, ``area_code`` of :func:`~doorstep.storage.repositories.exclusions.
    paired_now`): nothing ends their pairing now, the next commit for the area does."""
    if not paired.height:
        return ()
    rows = paired.head(NAMED_IN_NOTE).iter_rows(named=True)
    pairs: list[Value] = [
        Say("%(household)s with %(visitor)s", household=r["household"], visitor=r["visitor"])
        for r in rows
    ]
    named = _and_more(joined(pairs, ", "), paired.height - NAMED_IN_NOTE)
    areas = ", ".join(paired["area_code"].unique().sort().head(NAMED_IN_NOTE).to_list())
    n = paired.height
    if n > 1:
        note = Say(
            "%(n)s excluded pairs are paired now (%(named)s): each pairing stays until the "
            "next %(proposal)s for its area (%(areas)s) is committed, which ends it; until "
            "then %(plan)s plans no visits for it.",
            n=f"{n:,}",
            named=named,
            areas=areas,
            proposal=remedies.next_proposal(),
            plan=remedies.plan(),
        )
    else:
        note = Say(
            "1 excluded pair is paired now (%(named)s): each pairing stays until the next "
            "%(proposal)s for its area (%(areas)s) is committed, which ends it; until then "
            "%(plan)s plans no visits for it.",
            named=named,
            areas=areas,
            proposal=remedies.next_proposal(),
            plan=remedies.plan(),
        )
    return (Said(note),)


def _and_more(named: Value, more: int) -> Value:
    """``named``, and how many more were not named, if any."""
    if more <= 0:
        return named
    return Say("%(named)s and %(more)s more", named=named, more=f"{more:,}")


def cancelled_note(cancelled: pl.DataFrame) -> tuple[str, ...]:
    """What to say of the planned visits of excluded pairs cancelled (rows of
    :func:`~doorstep.storage.repositories.exclusions.planned_visits_of`)."""
    if not cancelled.height:
        return ()
    rows = cancelled.head(NAMED_IN_NOTE).iter_rows(named=True)
    visits: list[Value] = [
        Say(
            "%(visitor)s to %(household)s on %(day)s",
            visitor=r["visitor"],
            household=r["household"],
            day=str(r["start"]),
        )
        for r in rows
    ]
    named = _and_more(joined(visits, ", "), cancelled.height - NAMED_IN_NOTE)
    n = cancelled.height
    if n > 1:
        note = Say(
            "%(n)s planned visits of excluded pairs cancelled (%(named)s): the visitors' next "
            "calendars send them as cancelled.",
            n=f"{n:,}",
            named=named,
        )
    else:
        note = Say(
            "1 planned visit of excluded pairs cancelled (%(named)s): the visitors' next "
            "calendars send them as cancelled.",
            named=named,
        )
    return (Said(note),)
