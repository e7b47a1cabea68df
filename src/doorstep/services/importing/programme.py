"""Importing group activities and projects, and who takes part in them.

An activity or a project is the programme's (known by its ``code``, as a team is) and
holds no one's data. Its attendance and its households are the people's: each row names
one household or one visitor, by id. A row's identity is all it holds, so imported again
it changes nothing (a file exported and imported back is a no-op). A new row needs its
household's consent given (for an activity, on its first day: as a visit, checked on its
own day); a household that withdrew keeps the rows it has until it is erased (they are its
history), and importing them again is no change. An erased household's or visitor's id is
no one to add.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection, bindparam, text

from doorstep.domain.enums import ConsentState
from doorstep.say import Code, Say, joined
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.load import (
    Written,
    _resolve,
    _split_new,
    fill_unstated,
    write_changed,
)
from doorstep.services.importing.validate import ROW
from doorstep.services.projects import moves_back, too_early
from doorstep.storage.repositories import bulk, household_data, visitor_data
from doorstep.storage.repositories.visits import consent_on

#: The table each entity writes.
TABLES = {
    "activities": "activities",
    "attendance": "activity_attendance",
    "projects": "projects",
    "project_households": "project_households",
}
#: Entities of rows about people: (the code column, the table it names, its label).
_LINKS = {
    "attendance": ("activity_code", "activities", "activity"),
    "project_households": ("project_code", "projects", "project"),
}
#: Why a row naming an activity or a project not on record is refused.
_UNKNOWN = {
    "attendance": Say("unknown activity; import the activities first"),
    "project_households": Say("unknown project; import the projects first"),
}
#: Why a row naming a household or a visitor not on record, or erased, is refused.
_NO_ONE = {
    "households": (
        Say("is the id of an erased household: no one to add"),
        Say("unknown household; import the households first"),
    ),
    "visitors": (
        Say("is the id of an erased visitor: no one to add"),
        Say("unknown visitor; import the visitors first"),
    ),
}
#: The column of each link table that names the activity or project.
_PARENT = {"attendance": "activity_id", "project_households": "project_id"}


def _ids(conn: Connection, table: str, external_ids: list[str]) -> dict[str, int]:
    """The database ids of the households or visitors with these external ids (those
    known), a thousand at a time: well under any database's limit of parameters. Plain
    reads, as they run before the import writes (a temporary table made then would outlive
    a rejection's rollback on SQLite, whose driver opens no transaction for DDL)."""
    if table not in ("households", "visitors"):
        raise ValueError(table)
    wanted = sorted(set(external_ids))
    out: dict[str, int] = {}
    for at in range(0, len(wanted), 1000):
        rows = conn.execute(
            text(f"SELECT external_id, id FROM {table} WHERE external_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": wanted[at : at + 1000]},
        ).all()
        out.update({str(e): int(i) for e, i in rows})
    return out


def reference_errors(
    conn: Connection, entity: str, frame: pl.DataFrame, cell: str, today: dt.date
) -> list[RowError]:
    """Rows of an attendance or project-households file that name an activity or project,
    a household or a visitor not on record (or erased), a household without consent
    given (unless the row is stored already), a row naming both or neither person, or
    the same row twice. ``cell`` prefixes the columns holding each cell as the file has it."""
    if entity == "projects":
        return _status_errors(conn, frame, cell, today)
    if entity not in _LINKS:
        return []
    code, table, _label = _LINKS[entity]
    known = set(bulk.key_map(conn, table, "code")["code"].to_list())
    errors = [
        RowError.said(int(r[ROW]), code, r[cell + code], _UNKNOWN[entity])
        for r in frame.filter(pl.col(code).is_not_null() & ~pl.col(code).is_in(known))
        .select(ROW, code, cell + code)
        .iter_rows(named=True)
    ]
    has_visitor = "visitor_id" in frame.columns
    if has_visitor:
        both = pl.col("household_id").is_not_null() & pl.col("visitor_id").is_not_null()
        neither = pl.col("household_id").is_null() & pl.col("visitor_id").is_null()
        for rule, why in (
            (both, Say("a row names one person: give a household_id or a visitor_id, not both")),
            (neither, Say("give the household_id or the visitor_id of who took part")),
        ):
            errors += [
                RowError.said(int(r[ROW]), "household_id", r[cell + "household_id"], why)
                for r in frame.filter(rule).iter_rows(named=True)
            ]
    errors += _people_errors(conn, entity, frame, cell, "household_id", "households")
    if has_visitor:
        errors += _people_errors(conn, entity, frame, cell, "visitor_id", "visitors")
    return errors + _duplicates(frame, code, cell, has_visitor)


def _status_errors(
    conn: Connection, frame: pl.DataFrame, cell: str, today: dt.date
) -> list[RowError]:
    """Rows that would move a stored project's status back (``project status`` refuses
    that too: a project done is not planned again), or make a project running or done
    before its first day."""
    if "status" not in frame.columns:
        return []
    rows = conn.execute(text("SELECT code, status FROM projects")).all()  # few: no index
    stored = {str(c): str(st) for c, st in rows}
    given = frame.filter(pl.col("status").is_not_null())
    back = [
        RowError.said(
            int(r[ROW]),
            "status",
            r[cell + "status"],
            Say(
                "project %(project)s is %(status)s: its status moves on, not back",
                project=r["code"],
                status=Code(stored[r["code"]]),
            ),
        )
        for r in given.iter_rows(named=True)
        if r["code"] in stored and moves_back(stored[r["code"]], r["status"])
    ]
    early = [
        RowError.said(
            int(r[ROW]),
            "status",
            r[cell + "status"],
            Say(
                "the project starts on %(day)s, after today (%(today)s): it cannot be "
                "%(status)s before then; give the day it began as starts_on, or planned",
                day=r["starts_on"],
                today=today,
                status=Code(r["status"]),
            ),
        )
        for r in given.filter(pl.col("starts_on").is_not_null()).iter_rows(named=True)
        if too_early(r["status"], r["starts_on"], today)
    ]
    return back + early


def _people_errors(
    conn: Connection, entity: str, frame: pl.DataFrame, cell: str, column: str, table: str
) -> list[RowError]:
    erased_id, unknown = _NO_ONE[table]
    ids = frame[column].drop_nulls().unique().to_list()
    known = _ids(conn, table, ids)
    if table == "households":
        erased = household_data.erased_ids(conn, [i for i in ids if i not in known])
    else:
        erased = visitor_data.erased_ids(conn) & set(known)
    refused = _without_consent(conn, entity, frame, known) if table == "households" else {}
    errors = []
    for r in frame.filter(pl.col(column).is_not_null()).iter_rows(named=True):
        value = r[column]
        if value in erased:
            reason = erased_id
        elif value not in known:
            reason = unknown
        elif int(r[ROW]) in refused:
            reason = refused[int(r[ROW])]
        else:
            continue
        errors.append(RowError.said(int(r[ROW]), column, r[cell + column], reason))
    return errors


def _without_consent(
    conn: Connection, entity: str, frame: pl.DataFrame, known: dict[str, int]
) -> dict[int, Say]:
    """The rows (file row number: why) that would add a household without its consent to
    an activity or project it is not stored in already. For an activity, the consent in
    force on its first day, as a visit synced late is checked on its own day: a camp in
    July attended with consent is recorded after an August withdrawal (an activity still to
    come: the consent in force now). For a project, which runs on, the consent now."""
    if not known:
        return {}
    code, table, _label = _LINKS[entity]
    parents = dict(bulk.key_map(conn, table, "code").iter_rows())
    stored = set(
        bulk.read_rows(conn, TABLES[entity], [_PARENT[entity], "household_id"])
        .drop_nulls()
        .iter_rows()
    )
    wanted: dict[int | None, list[tuple[int, int]]] = {}  # parent: (row, household)
    for r in frame.filter(pl.col("household_id").is_not_null()).iter_rows(named=True):
        household, parent = known.get(r["household_id"]), parents.get(r[code])
        if household is not None and parent is not None and (parent, household) not in stored:
            wanted.setdefault(parent, []).append((int(r[ROW]), household))
    out: dict[int, Say] = {}
    for parent, rows in wanted.items():
        day = None
        if entity == "attendance":
            day = conn.execute(
                text("SELECT starts_on FROM activities WHERE id = :a"), {"a": parent}
            ).scalar_one()
        given = _consenting(conn, sorted({h for _, h in rows}), day)
        when = (
            Say("now")
            if day is None
            else Say("on the activity's first day (%(day)s)", day=str(day)[:10])
        )
        for row, household in rows:
            if household not in given:
                out[row] = Say(
                    "the household's consent was not given %(when)s: it cannot be added (rows "
                    "stored before a withdrawal stay until it is erased)",
                    when=when,
                )
    return out


def _consenting(conn: Connection, households: list[int], day: object) -> set[int]:
    """Of ``households``, those whose consent is given on ``day`` (``None``: now)."""
    state = "h.consent_state" if day is None else consent_on(":day", conn)
    found: set[int] = set()
    for at in range(0, len(households), 1000):
        query = text(
            f"SELECT h.id FROM households h WHERE h.id IN :ids AND {state} = :given"
        ).bindparams(bindparam("ids", expanding=True))
        params = {"ids": households[at : at + 1000], "given": ConsentState.GIVEN.value}
        found.update(int(i) for i in conn.execute(query, {**params, "day": day}).scalars())
    return found


def _duplicates(frame: pl.DataFrame, code: str, cell: str, has_visitor: bool) -> list[RowError]:
    """The same person twice in the same activity or project (the file's key has an empty
    column in every row, which the generic check of duplicate keys skips)."""
    errors = []
    for column in ("household_id", "visitor_id") if has_visitor else ():
        keys = [code, column]
        dup = (
            frame.filter(pl.col(code).is_not_null() & pl.col(column).is_not_null())
            .with_columns(pl.col(ROW).min().over(keys).alias("_first"))
            .filter(pl.col(ROW) != pl.col("_first"))
        )
        errors += [
            RowError.said(
                int(r[ROW]),
                column,
                r[cell + column],
                Say(
                    "duplicate %(key)s in the file; first in row %(row)s",
                    key=joined([code, column], " and "),
                    row=r["_first"],
                ),
            )
            for r in dup.iter_rows(named=True)
        ]
    return errors


def load_programme(
    conn: Connection, entity: str, frame: pl.DataFrame, *, absent: frozenset[str]
) -> Written:
    """Write the validated ``frame`` of ``entity``: activities and projects by code, new
    or changed; attendance and project households added where not stored."""
    if entity == "activities":
        f = _resolve(frame.drop(ROW), conn, "area_code", "areas", "area_id")
        f = _resolve(f, conn, "organisation_code", "organisations", "organisation_id")
        new, old = _split_new(f, conn, "activities", "code", "code")
        return write_changed(conn, "activities", new, old, absent=absent)
    if entity == "projects":
        f = _resolve(frame.drop(ROW), conn, "area_code", "areas", "area_id")
        f = _resolve(f, conn, "sponsor_code", "organisations", "sponsor_id")
        new, old = _split_new(f, conn, "projects", "code", "code")
        new, old = fill_unstated(conn, "projects", "code", new, old, {"status": "planned"}, absent)
        return write_changed(conn, "projects", new, old, absent=absent)
    return _load_links(conn, entity, frame)


def _load_links(conn: Connection, entity: str, frame: pl.DataFrame) -> Written:
    """Add the rows not stored; each added row's person gets a ``create`` event naming the
    table and the activity or project (households in ``events``, visitors apart)."""
    code, parent_table, label = _LINKS[entity]
    table, parent = TABLES[entity], _PARENT[entity]
    f = frame.drop(ROW)
    if "visitor_id" not in f.columns and entity == "attendance":
        f = f.with_columns(pl.lit(None, pl.String).alias("visitor_id"))
    if "household_id" not in f.columns:
        f = f.with_columns(pl.lit(None, pl.String).alias("household_id"))
    parents = bulk.key_map(conn, parent_table, "code").rename({"code": code, "id": parent})
    f = f.join(parents, on=code, how="left")
    people = ["household_id", "visitor_id"] if entity == "attendance" else ["household_id"]
    for column in people:
        ids = _ids(conn, f"{column[:-3]}s", f[column].drop_nulls().unique().to_list())
        f = f.with_columns(
            pl.col(column)
            .replace_strict(ids, default=None, return_dtype=pl.Int64)
            .alias("_" + column)
        )
    stored = bulk.read_rows(conn, table, ["id", parent, *people])
    keyed = stored.rename({c: "_" + c for c in people})
    joined = f.join(keyed, on=[parent, *("_" + c for c in people)], how="left", nulls_equal=True)
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, table)
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    bulk.insert_rows(
        conn, table, new.select("id", parent, *(pl.col("_" + c).alias(c) for c in people))
    )
    bulk.sync_sequence(conn, table)
    events: list[tuple[str, str, dict[str, Any]]] = []
    theirs: list[tuple[str, str, dict[str, Any]]] = []
    for r in new.iter_rows(named=True):
        detail = {"table": table, label: r[code]}
        if r["household_id"] is not None:
            events.append(("create", r["household_id"], detail))
        else:
            theirs.append(("create", r["visitor_id"], detail))
    return Written(
        new["id"],
        pl.Series("id", [], dtype=pl.Int64),
        joined.height - new.height,
        events=tuple(events),
        visitor_events=tuple(theirs),
    )
