"""Everything stored about one household: what it may see, and what erasing it removes.

Found from the schema itself (every table with a foreign key to ``households``), so a table
added later is covered without a change here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    FromClause,
    Select,
    Table,
    and_,
    func,
    select,
)

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.domain.ids import ERASED_HOUSEHOLD
from doorstep.errors import NotFound
from doorstep.say import Say
from doorstep.storage.base import Base
from doorstep.storage.repositories import audit
from doorstep.storage.repositories.statistics import resample


def _households() -> Table:
    return Base.metadata.tables["households"]


def referencing() -> list[tuple[Table, Column[Any]]]:
    """Each table and column that refers to a household (all ``ON DELETE CASCADE``)."""
    out = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table is _households() for fk in column.foreign_keys):
                out.append((table, column))
    return out


def records(conn: Connection, household: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the household, by table: its own row, then each table referring to
    it, with the codes and names of the areas and visitors those rows point to."""
    h = _households()
    out: dict[str, list[dict[str, Any]]] = {
        "households": [
            dict(r) for r in conn.execute(select(h).where(h.c.id == household)).mappings()
        ]
    }
    for table, column in referencing():
        # In the order they were written, as a visitor's export lists them: without an
        # ORDER BY, PostgreSQL returned a visit recorded since after the visits still planned.
        query = select(table).where(column == household).order_by(*table.primary_key.columns)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if rows:
            out.setdefault(table.name, []).extend(rows)
    _add_referenced(conn, out)
    visitors = sorted(
        {r["visitor_id"] for rows in out.values() for r in rows if r.get("visitor_id")}
    )
    if visitors:
        v = Base.metadata.tables["visitors"]
        out["visitors"] = [
            dict(r)
            for r in conn.execute(
                select(v.c.id, v.c.external_id, v.c.name).where(v.c.id.in_(visitors))
            ).mappings()
        ]
    area = out["households"][0]["area_id"] if out["households"] else None
    if area is not None:
        a = Base.metadata.tables["areas"]
        out["areas"] = [
            dict(r)
            for r in conn.execute(
                select(a.c.id, a.c.code, a.c.name, a.c.level).where(a.c.id == area)
            ).mappings()
        ]
    return out


#: Tables whose rows the export names rather than copies (their own sections cover them).
_NAMED_APART = {"households", "visitors", "areas"}
#: Audit events about one household, by the entity they record (its id in ``entity_id``).
HOUSEHOLD_EVENTS = ("household", "consent", "pairing_explanation")


def _add_referenced(conn: Connection, out: dict[str, list[dict[str, Any]]]) -> None:
    """Add the rows that the household's rows point to (the activity it attended, the
    project it benefits from, the proposal that proposed its pair), one step out."""
    wanted: dict[str, set[int]] = {}
    for name, rows in list(out.items()):
        table = Base.metadata.tables[name]
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table
                if target.name in _NAMED_APART or fk.column.name != "id":
                    continue
                ids = {r[column.name] for r in rows if r.get(column.name) is not None}
                wanted.setdefault(target.name, set()).update(ids)
    for name, ids in wanted.items():
        have = {r["id"] for r in out.get(name, [])}
        missing = sorted(ids - have)
        if missing:
            t = Base.metadata.tables[name]
            query = select(t).where(t.c.id.in_(missing)).order_by(t.c.id)
            rows = [dict(r) for r in conn.execute(query).mappings()]
            out.setdefault(name, []).extend(rows)


def audit_events(conn: Connection, external_id: str) -> list[dict[str, Any]]:
    """The audit trail's events about the household (imports and exports of it, consent
    reads, diffs, work lists and calendars that showed it, commits and plans that wrote its
    pairing or visits, explanations, its own exports).

    Only those since its id was last erased: a household imported again under an erased
    one's id is a new record, and must not be handed the erased one's trail (which names
    what that one held)."""
    return [dict(r) for r in conn.execute(events_query(external_id)).mappings()]


def events_query(external_id: str) -> Select[Any]:
    """The query of :func:`audit_events` (its plan is tested to use the trail's index)."""
    a = Base.metadata.tables["audit_events"]
    return select(a).where(*_events_about(external_id)).order_by(a.c.id)


#: What the details of a household's events become when it is erased.
REDACTED = {"redacted": "household erased"}


def redact_audit_events(conn: Connection, external_id: str) -> int:
    """Clear the details of the trail's events about the household (the proposal its pair
    was explained from, which names its area; the tables and row counts an export held),
    keeping who did what to which id, and when (and whether an attempt was refused or
    failed); returns how many events were cleared."""
    return audit.redact(conn, and_(*_events_about(external_id)), REDACTED)


def redact_naming_events(conn: Connection, external_id: str) -> int:
    """Take the household's id out of the events of its visitors that name it: each change
    to an exclusion (a ``pair exclude|unexclude``, an exclusions import, an attempt) is
    written under the visitor too, ``{"table": "exclusions", "household": ID}``, so that the
    visitor's export lists it. The id becomes :data:`ERASED_HOUSEHOLD` (in an attempt's
    error line too); the event keeps its kind and what is the visitor's, that an exclusion
    was made, changed or removed. Returns how many events were changed.

    Found through the trail's index: the visitor's events are written with the
    household's, which name the visitor, so the visitors are those the household's own
    exclusion events name. Run before :func:`redact_audit_events`, which clears them."""
    a = Base.metadata.tables["audit_events"]
    own = a.alias("own")
    visitors = select(own.c.detail["visitor"].as_string()).where(
        *_events_about(external_id, own), own.c.detail["table"].as_string() == "exclusions"
    )
    theirs = and_(
        a.c.entity == "visitor",
        a.c.entity_id.in_(visitors),
        a.c.detail["table"].as_string() == "exclusions",
        a.c.detail["household"].as_string() == external_id,
    )
    return audit.rename(conn, theirs, key="household", old=external_id, new=ERASED_HOUSEHOLD)


def _erasures() -> ColumnElement[bool]:
    """The events of completed erasures of households: ``delete``, its only such action,
    without an outcome (an erasure refused or broken off erased nothing: the id's trail
    before it is still the household's, and a later erasure must clear it)."""
    a = Base.metadata.tables["audit_events"]
    return and_(a.c.entity == "household", a.c.action == "delete", audit.completed())


def _events_about(external_id: str, a: FromClause | None = None) -> tuple[ColumnElement[bool], ...]:
    """The events about the household with this id since that id was last erased (in
    ``a``, the trail or an alias of it)."""
    if a is None:
        a = Base.metadata.tables["audit_events"]
    t = Base.metadata.tables["audit_events"]
    erased = (
        select(func.max(t.c.id)).where(t.c.entity_id == external_id, _erasures()).scalar_subquery()
    )
    return (
        a.c.entity_id == external_id,
        a.c.entity.in_(HOUSEHOLD_EVENTS),
        a.c.id > func.coalesce(erased, 0),
    )


def excluded_visitors(conn: Connection, household: int) -> list[int]:
    """The database ids of the visitors kept apart from the household (an erasure deletes
    those exclusions, which are the visitors' rows too)."""
    t = Base.metadata.tables["exclusions"]
    query = select(t.c.visitor_id).where(t.c.household_id == household).order_by(t.c.visitor_id)
    return [int(v) for v in conn.execute(query).scalars()]


def counts(conn: Connection, household: int) -> dict[str, int]:
    """How many rows each table holds about the household (the household itself included)."""
    out = {"households": 1}
    for table, column in referencing():
        n = int(
            conn.execute(
                select(func.count()).select_from(table).where(column == household)
            ).scalar_one()
        )
        if n:
            out[table.name] = out.get(table.name, 0) + n
    return out


def erase(conn: Connection, household: int) -> None:
    """Delete the household; every row referring to it goes with it (the foreign keys
    cascade, on SQLite too: the engine turns foreign keys on)."""
    h = _households()
    conn.execute(h.delete().where(h.c.id == household))


def refresh_statistics(conn: Connection) -> None:
    """Sample again the planner's statistics of every table an erasure touched (see
    :func:`~doorstep.storage.repositories.statistics.resample`)."""
    resample(conn, ["households", "audit_events", *sorted({t.name for t, _ in referencing()})])


def erased_ids(conn: Connection, external_ids: list[str]) -> set[str]:
    """Of ``external_ids`` (ids no household holds now), those of households erased: the
    trail keeps each erasure's event under the id (an erasure of an id no one held was
    refused, and does not make it one)."""
    a = Base.metadata.tables["audit_events"]
    found: set[str] = set()
    wanted = sorted(set(external_ids))
    for at in range(0, len(wanted), 1000):  # well under any database's limit of parameters
        found.update(
            conn.execute(
                select(a.c.entity_id).where(_erasures(), a.c.entity_id.in_(wanted[at : at + 1000]))
            ).scalars()
        )
    return found


def not_found(conn: Connection, external_id: str) -> NotFound:
    """The error for an id no household holds now, saying whether it was erased: a
    coordinator told "no household" of one erased last week looks for a typing error."""
    if erased_ids(conn, [external_id]):
        return NotFound(
            Say(
                "household %(household)s was erased: nothing is held about it",
                household=external_id,
            )
        )
    return NotFound(Say("no household with id %(household)s", household=repr(external_id)))
