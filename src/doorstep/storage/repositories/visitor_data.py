"""Everything stored about one visitor: what they may see, and what erasing them removes.

A visitor's rows are of two kinds. Their own (team membership, leave, exclusions, the
cancelled visits their calendar still cancels, those of erased households included, the
activities they took part in) go with them. The households' records that name them
(pairings, visits, proposed pairs) stay, pointing to the visitor's row, which an erasure
keeps under its id with nothing else in it: a household keeps its history of who looked
after it and when, its cadence still counts from its last visit, and the row names no one.
The tables are found from the schema's foreign keys; a table added later must be put in
:data:`ERASED` or :data:`KEPT` (a test fails until it is).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Table,
    and_,
    func,
    or_,
    select,
    text,
    union,
    update,
)

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.domain.days import shifted
from doorstep.domain.folding import fold
from doorstep.storage.base import Base
from doorstep.storage.repositories import audit, bulk
from doorstep.storage.repositories.reads import frame
from doorstep.storage.repositories.statistics import resample

#: The name an erased visitor's row holds: no import can store it (a visitor's name is
#: required), so it marks the row as erased without a column of its own.
ERASED_NAME = ""
#: The tables of the visitor's own rows, deleted by an erasure.
ERASED = (
    "team_members",
    "visitor_leave",
    "exclusions",
    "cancelled_visits",
    "erased_visit_events",
    "activity_attendance",  # a row naming a visitor names no household (migration 0013)
    "accounts",  # their API account (migration 0015); its tokens go with it
    # Their pairings a plan left without a visit (migration 0016): planning's bookkeeping,
    # whose days hold the day they left.
    "unvisited_pairings",
)
#: The tables of households' records that name the visitor, kept by an erasure.
KEPT = ("pairings", "visits", "proposed_pairs", "referrals")
#: What the details of a visitor's own events become when the visitor is erased.
REDACTED = {"redacted": "visitor erased"}
#: Columns of the visitor's rows that are the household's data, left out of the visitor's
#: export (the household's own export holds them): what a visit found and did for it.
_HOUSEHOLDS_OWN = {"visits": ("activities", "outcome_codes", "notes")}
#: Tables whose rows the export names rather than copies: households by their id only.
_NAMED = {
    "households": ("id", "external_id"),
    "areas": ("id", "code", "name", "level"),
}


def _visitors() -> Table:
    return Base.metadata.tables["visitors"]


def referencing() -> list[tuple[Table, Column[Any]]]:
    """Each table and column that refers to a visitor."""
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table is _visitors() for fk in column.foreign_keys)
    ]


def find(conn: Connection, external_id: str) -> tuple[int, bool] | None:
    """The visitor's database id and whether they were erased, if the id is known."""
    v = _visitors()
    row = conn.execute(select(v.c.id, v.c.name).where(v.c.external_id == external_id)).first()
    return None if row is None else (int(row[0]), row[1] == ERASED_NAME)


def on_record(conn: Connection, external_id: str) -> bool:
    """Whether a visitor of this id is on record and not erased."""
    found = find(conn, external_id)
    return found is not None and not found[1]


def erased_ids(conn: Connection) -> set[str]:
    """The ids of every erased visitor (an import may not give one to another person)."""
    v = _visitors()
    return set(conn.execute(select(v.c.external_id).where(v.c.name == ERASED_NAME)).scalars())


def erased_row_ids(conn: Connection) -> set[int]:
    """The database ids of every erased visitor's row (no new event is written under them:
    :mod:`doorstep.privacy.audit`)."""
    v = _visitors()
    return {int(i) for i in conn.execute(select(v.c.id).where(v.c.name == ERASED_NAME)).scalars()}


def records(conn: Connection, visitor: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the visitor, by table: their own row, then each table referring to
    them, then what those rows point to (teams, organisation, proposals, activities; areas
    by code and name; households by id only, nothing of theirs, nor a visit's notes and
    outcomes, which are about the household)."""
    v = _visitors()
    out: dict[str, list[dict[str, Any]]] = {
        "visitors": [dict(r) for r in conn.execute(select(v).where(v.c.id == visitor)).mappings()]
    }
    for table, column in referencing():
        shown = [c for c in table.columns if c.name not in _HOUSEHOLDS_OWN.get(table.name, ())]
        query = select(*shown).where(column == visitor).order_by(*table.primary_key.columns)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if rows:
            out.setdefault(table.name, []).extend(rows)
    while _add_referenced(conn, out):
        pass
    return out


def _add_referenced(conn: Connection, out: dict[str, list[dict[str, Any]]]) -> bool:
    """Add the rows that rows already held point to, one step out; whether any was added."""
    wanted: dict[str, set[int]] = {}
    for name, rows in list(out.items()):
        table = Base.metadata.tables[name]
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.name != "id" or fk.column.table is _visitors():
                    continue
                ids = {r[column.name] for r in rows if r.get(column.name) is not None}
                wanted.setdefault(fk.column.table.name, set()).update(ids)
    added = False
    for name, ids in sorted(wanted.items()):
        missing = sorted(ids - {r["id"] for r in out.get(name, [])})
        if not missing:
            continue
        t = Base.metadata.tables[name]
        columns = [t.c[c] for c in _NAMED[name]] if name in _NAMED else [t]
        query = select(*columns).where(t.c.id.in_(missing)).order_by(t.c.id)
        out.setdefault(name, []).extend(dict(r) for r in conn.execute(query).mappings())
        added = True
    return added


def _events_about(visitor: int, external_id: str) -> list[ColumnElement[bool]]:
    """The trail's events about the visitor, each kind found through the index on
    ``entity_id``: a filter on the detail alone would read the whole trail (1.2-1.4 s at
    1.69M events, and the trail grows by a region's households with each work list).

    Their own (imports, exports, this erasure); the work lists and calendars drawn for
    them (a command's own event, whose id is empty); and the visits they recorded or missed:
    events of the households visited, naming the visitor in the detail, looked up under
    the ids of the households they were ever paired with or have a visit of (a visit is
    recorded only within a pairing, and pairings are kept, ended, as history), or were ever
    excluded from: those with an exclusion now, and those the visitor's own exclusion events
    name (an exclusion removed since has no row, and its events must stay in the export)."""
    a = Base.metadata.tables["audit_events"]
    t = Base.metadata.tables
    named = a.c.detail["visitor"].as_string() == external_id
    theirs = union(
        *(
            select(t[table].c.household_id).where(t[table].c.visitor_id == visitor)
            for table in ("pairings", "visits", "exclusions")
        )
    )
    excluded_from = select(a.c.detail["household"].as_string()).where(
        a.c.entity_id == external_id,
        a.c.entity == "visitor",
        a.c.detail["table"].as_string() == "exclusions",
    )
    households = union(
        select(t["households"].c.external_id).where(t["households"].c.id.in_(theirs)),
        excluded_from,
    )
    return [
        and_(a.c.entity_id == external_id, a.c.entity == "visitor"),
        and_(
            a.c.entity_id.is_(None),
            a.c.entity == "visits",
            or_(named, a.c.detail["calendar"].as_string() == external_id),
        ),
        and_(a.c.entity_id.in_(households), a.c.entity == "household", named),
    ]


def audit_events(conn: Connection, visitor: int, external_id: str) -> list[dict[str, Any]]:
    """The audit trail's events about the visitor, oldest first: one indexed query for
    each kind (an ``OR`` of them may be read as one scan of the trail)."""
    a = Base.metadata.tables["audit_events"]
    found: dict[int, dict[str, Any]] = {}
    for where in _events_about(visitor, external_id):
        found.update((r["id"], dict(r)) for r in conn.execute(select(a).where(where)).mappings())
    return [found[i] for i in sorted(found)]


def still_responsible(conn: Connection, visitor: int, today: dt.date) -> tuple[int, int]:
    """How many pairings the visitor holds on or after ``today`` (not ended, or ending
    later), and how many visits they are to make from ``today`` on."""
    pairings = conn.execute(
        text(
            "SELECT COUNT(*) FROM pairings WHERE visitor_id = :v "
            "AND (ended_on IS NULL OR ended_on > :today)"
        ),
        {"v": visitor, "today": today},
    ).scalar_one()
    planned = conn.execute(
        text(
            "SELECT COUNT(*) FROM visits WHERE visitor_id = :v AND status = 'planned' "
            "AND COALESCE(planned_end, planned_start, window_end) >= :today"
        ),
        {"v": visitor, "today": today},
    ).scalar_one()
    return int(pairings), int(planned)


def excluded_households(conn: Connection, visitor: int) -> pl.Series:
    """The database ids of the households kept apart from the visitor (an erasure deletes
    those exclusions, which are the households' rows too)."""
    ids = conn.execute(
        text("SELECT household_id FROM exclusions WHERE visitor_id = :v ORDER BY household_id"),
        {"v": visitor},
    ).scalars()
    return pl.Series("id", [int(i) for i in ids], dtype=pl.Int64)


def counts(conn: Connection, visitor: int) -> tuple[dict[str, int], dict[str, int]]:
    """How many rows of each table an erasure deletes (the visitor's own row, emptied,
    included), and how many households' records naming the visitor it keeps."""
    erased: dict[str, int] = {"visitors": 1}
    kept: dict[str, int] = {}
    for table, column in referencing():
        n = int(
            conn.execute(
                select(func.count()).select_from(table).where(column == visitor)
            ).scalar_one()
        )
        if n:
            into = erased if table.name in ERASED else kept
            into[table.name] = into.get(table.name, 0) + n
    return erased, kept


def erase(conn: Connection, visitor: int, today: dt.date) -> None:
    """Delete the visitor's own rows and empty their row: no name, place, languages,
    organisation, team, areas or dates; capacity 0, and active only until yesterday, so
    that no pairing, plan or list takes the row for a visitor."""
    for table, column in referencing():
        if table.name in ERASED:
            conn.execute(table.delete().where(column == visitor))
        elif table.name not in KEPT:  # pragma: no cover - a test names every table
            raise AssertionError(f"{table.name} refers to visitors: put it in ERASED or KEPT")
    v = _visitors()
    conn.execute(
        update(v)
        .where(v.c.id == visitor)
        .values(
            name=ERASED_NAME,
            folded_name=fold(ERASED_NAME),  # with it: the search's copy and index of the name
            organisation_id=None,
            home_area_id=None,
            lat=0.0,
            lon=0.0,
            languages="",
            capacity=0,
            active_from=None,
            # Active no more: up to yesterday (the calendar's first day has none before it).
            active_to=shifted(today, -1),
            service_area_id=None,
            remote_pool=None,
        )
    )


def redact_audit_events(conn: Connection, external_id: str) -> int:
    """Clear the details of the visitor's own events (the files that imported or exported
    them, the tables their exports held), keeping who did what to which id, and when. The
    events of households' visits and of work lists stay whole: they are the households'
    records and the staff's, and name the visitor by id only. An attempt keeps whether it
    was refused or failed."""
    a = Base.metadata.tables["audit_events"]
    return audit.redact(conn, and_(a.c.entity == "visitor", a.c.entity_id == external_id), REDACTED)


def refresh_statistics(conn: Connection) -> None:
    """Sample again the planner's statistics of every table an erasure touched."""
    resample(conn, ["visitors", "audit_events", *ERASED])


def over_their_places(conn: Connection, visitors: pl.Series, today: dt.date) -> pl.DataFrame:
    """Of ``visitors`` (database ids), those with open pairings they cannot keep: left
    (``active_to`` before ``today``) or holding more households than their capacity:
    ``visitor`` (id as typed), ``households`` (open pairings), ``capacity``, ``left_on``
    (their last day, where they have left), by visitor."""
    out = {
        "visitor": pl.String,
        "households": pl.Int64,
        "capacity": pl.Int64,
        "left_on": pl.Date,
    }
    if not visitors.len():
        return pl.DataFrame(schema=out)
    with bulk.id_table(conn, "_over_places", visitors) as ids:
        found = frame(
            conn,
            "SELECT v.external_id, COUNT(*), v.capacity, "
            "CASE WHEN v.active_to < :today THEN v.active_to END "
            "FROM visitors v JOIN pairings p ON p.visitor_id = v.id AND p.ended_on IS NULL "
            f"WHERE v.id IN (SELECT id FROM {ids}) "
            "GROUP BY v.id, v.external_id, v.capacity, v.active_to "
            "HAVING COUNT(*) > v.capacity OR v.active_to < :today",
            {"today": today},
            out,
        )
    return found.sort("visitor")
