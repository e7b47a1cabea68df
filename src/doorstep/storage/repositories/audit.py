"""Audit events written by the database from the rows they name.

An import of 1.69M households records one event per household. Sent row by row that cost
7.7 s on SQLite, while one ``INSERT ... SELECT`` over the rows just written takes 1.5 s
(3 s for ids that are not one run, which go through a temporary table first); 6-11 s on
PostgreSQL, measured on a busy 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import ExitStack
from typing import Any

import polars as pl
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    FromClause,
    String,
    Table,
    Text,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, array
from sqlalchemy.sql.elements import ColumnElement

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.storage.base import Base
from doorstep.storage.repositories import bulk, event_area

_IDS = "_audited_ids"

#: The detail key of an event that records an attempt that did not complete, and its two
#: values (see :data:`doorstep.privacy.audit.OUTCOME`, which is this).
OUTCOME = "outcome"
OUTCOMES = ("refused", "failed")


def completed() -> ColumnElement[bool]:
    """Events that record what was done: not an attempt refused or failed, which has the
    same action (a refused ``delete`` erased nothing) and an :data:`OUTCOME`."""
    none: ColumnElement[bool] = (
        Base.metadata.tables["audit_events"].c.detail[OUTCOME].as_string().is_(None)
    )
    return none


def redact(conn: Connection, where: ColumnElement[bool], redacted: dict[str, Any]) -> int:
    """Set the details of the events ``where`` selects to ``redacted``, an attempt's keeping
    its :data:`OUTCOME` (which names no one): a reader, and :func:`completed`, still tell a
    refused erasure from a done one. The events' stored area goes too: with the person's
    id, where they lived is theirs (an erasure clears a visitor's home area, and a
    household's explanation that names its area), so the events become the whole
    programme's, as those of a person erased before areas were stored. Returns how many
    events were cleared."""
    a = Base.metadata.tables["audit_events"]
    outcome = a.c.detail[OUTCOME].as_string()
    done = conn.execute(
        update(a)
        .where(where, or_(outcome.is_(None), outcome.not_in(OUTCOMES)))
        .values(detail=redacted, area_path=None)
    ).rowcount
    for value in OUTCOMES:
        done += conn.execute(
            update(a)
            .where(where, outcome == value)
            .values(detail={**redacted, OUTCOME: value}, area_path=None)
        ).rowcount
    return int(done)


def rename(conn: Connection, where: ColumnElement[bool], *, key: str, old: str, new: str) -> int:
    """In the details of the events ``where`` selects (each naming ``old`` under ``key``),
    set ``key`` to ``new``, and replace ``old`` by ``new`` in an attempt's error line,
    which may quote it; the rest of each detail stays as it was. One statement, with the
    database's own JSON functions: no event is read into Python. Returns how many events
    were changed."""
    a = Base.metadata.tables["audit_events"]
    error = func.replace(a.c.detail["error"].as_string(), old, new)
    if conn.dialect.name == "postgresql":
        # The column is ``json``; ``jsonb_set`` without ``create_missing`` leaves a detail
        # without the key as it is (and a NULL new value would make the whole detail NULL).
        doc = func.jsonb_set(
            cast(a.c.detail, JSONB),
            cast(array([key]), ARRAY(Text)),
            func.to_jsonb(cast(literal(new), Text)),
            False,
        )
        doc = func.jsonb_set(
            doc,
            cast(array(["error"]), ARRAY(Text)),
            func.coalesce(func.to_jsonb(error), cast(literal("null"), JSONB)),
            False,
        )
        value: ColumnElement[Any] = cast(doc, JSON)
    else:  # SQLite: ``json_replace`` changes only the paths present
        value = func.json_replace(a.c.detail, f"$.{key}", new, "$.error", error)
    return int(conn.execute(update(a).where(where).values(detail=value)).rowcount)


def events_for_rows(
    conn: Connection,
    *,
    source: str,
    key: str,
    ids: pl.Series,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    detail: dict[str, Any],
) -> None:
    """Record one ``action`` event per row of ``source`` whose id is in ``ids``, naming the
    row by its ``key`` column (an external id)."""
    ids = ids.unique()  # a repeated id would pass a run with a gap for one without
    if ids.len() == 0:
        return
    src = Base.metadata.tables[source]
    lo, hi = int(ids.min()), int(ids.max())  # type: ignore[arg-type]
    with ExitStack() as temporary:
        if hi - lo + 1 == ids.len():  # new rows: their ids were chosen as one run
            where: ColumnElement[bool] = src.c.id.between(lo, hi)
        else:
            name = temporary.enter_context(bulk.id_table(conn, _IDS, ids))
            where = src.c.id.in_(select(table(name, column("id")).c.id))
        # SQLite stores JSON as text, and would read CAST(... AS JSON) as a number.
        text_detail = literal(json.dumps(detail))
        detail_value = cast(text_detail, JSON) if conn.dialect.name == "postgresql" else text_detail
        events = Base.metadata.tables["audit_events"]
        rows, path = _with_area(src, key=key, entity=entity, detail=detail)
        query = insert(events).from_select(
            ["at", "actor", "action", "entity", "entity_id", "detail", "area_path"],
            select(
                literal(at, DateTime(timezone=True)),
                literal(actor),
                literal(action),
                literal(entity),
                src.c[key],
                detail_value,
                path,
            )
            .select_from(rows)
            .where(where)
            .order_by(src.c.id),  # the trail in the rows' order, the same on every database
        )
        conn.execute(query)


def _with_area(
    src: Table, *, key: str, entity: str, detail: dict[str, Any]
) -> tuple[FromClause, ColumnElement[Any]]:
    """The rows of ``src`` to select events from, and each event's area: where the rows are
    the entity's own, named by their external id (a household's rows for household events,
    the usual case), the area they are in, joined (what the rule's lookup by external id
    finds, in one pass over the rows); otherwise the rule's lookup, row by row. The join
    costs little; keeping the index on the areas costs the write more (bench/README.md,
    "An area's audit trail")."""
    own = event_area.LIVES_IN.get(entity)
    if own is not None and own[0] == src.name and key == "external_id":
        areas = Base.metadata.tables["areas"]
        joined = src.outerjoin(areas, areas.c.id == src.c[own[1]])
        return joined, areas.c.path
    named = {k: literal(v, String) for k, v in event_area.detail_values(detail).items()}
    return src, event_area.area_path(literal(entity, String), src.c[key], named)


def insert_events(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Insert audit events (their columns, each its own detail) in one statement, each with
    its area (:func:`~doorstep.storage.repositories.event_area.area_path`, of its own
    values bound)."""
    if not events:
        return
    named = {key: bindparam(f"_named_{key}", type_=String) for key in event_area.NAMED}
    path = event_area.area_path(
        bindparam("_entity", type_=String), bindparam("_entity_id", type_=String), named
    )
    rows = [
        {
            **e,
            "_entity": e["entity"],
            "_entity_id": e["entity_id"],
            **{f"_named_{k}": v for k, v in event_area.detail_values(e["detail"]).items()},
        }
        for e in events
    ]
    conn.execute(insert(Base.metadata.tables["audit_events"]).values(area_path=path), rows)


#: The actions of events that record a write (a read or an export changes nothing).
WRITES = ("create", "update", "delete")


def write_counts(conn: Connection, entity: str, entity_ids: list[str]) -> dict[str, int]:
    """How many events record a write to each of these ``entity`` rows (by external id;
    those with one), through the index on ``entity_id``."""
    if not entity_ids:
        return {}
    a = Base.metadata.tables["audit_events"]
    rows = conn.execute(
        select(a.c.entity_id, func.count())
        .where(a.c.entity == entity, a.c.entity_id.in_(sorted(set(entity_ids))))
        .where(a.c.action.in_(WRITES))
        .group_by(a.c.entity_id)
    ).all()
    return {str(e): int(n) for e, n in rows}


#: The actions of events that change nothing stored: a read, and a file written of what
#: was read (a registry export, a person's own export).
READS = ("read", "export", "subject_export")


def last_event_id(conn: Connection) -> int:
    """The id of the newest event committed (0 for an empty trail)."""
    a = Base.metadata.tables["audit_events"]
    return int(conn.execute(select(func.coalesce(func.max(a.c.id), 0))).scalar_one())


def written_since(conn: Connection, mark: int) -> bool:
    """Whether an event after ``mark`` (:func:`last_event_id`) records anything but a read:
    every write of the records a plan reads is recorded in the same transaction, so none
    such means that nothing it read was changed. Only on SQLite, whose one writer numbers
    events in the order their transactions commit (PostgreSQL's sequence does not)."""
    a = Base.metadata.tables["audit_events"]
    found = conn.execute(
        select(a.c.id).where(a.c.id > mark, a.c.action.not_in(READS)).limit(1)
    ).first()
    return found is not None
