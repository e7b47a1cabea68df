"""spell every stored id in Unicode normal form C and every device UUID in lower case, and
keep one leave or blackout period per person and first day

Every entry point puts an id or code in normal form C (``doorstep.domain.ids``), and reads
a visit's UUID in lower case; rows stored before kept the spelling their file had, so a
command (which looks up form C only) did not find a household stored in form D, and a
lower-case re-sync did not find a visit stored with its UUID in capitals. Here they are
re-spelt in place: the ids and codes of every table (:data:`IDS`), the trail's
``entity_id`` and the ids its details name (:data:`DETAIL_IDS`), and ``visits.client_uuid``
(lower case where it is a UUID, as an import reads one; another device id only in form C).
Each household and visitor re-spelt gets an ``update`` event, as any write of their data
does; the triggers of migrations 0004 and 0005 count the writes, as any other.

A calendar event's UID is a digest of household id, visitor id and first day as stored, so
re-spelling either gives their visits new UIDs, and a phone keeps the events it had under
the old ones until it gets them back cancelled. For each visit of a re-spelt household or
visitor that a calendar may still list or cancel (:func:`_old_events`), the old UID and days
are kept as an erasure kept them before migration 0011 (an ``update`` event of the visitor,
``table`` ``calendar``, with ``base`` and ``cancelled``): 0011 moves them to
``erased_visit_events``, and the visitor's next calendars send them cancelled, with a
``SEQUENCE`` above the phone's (the base is the household's count of writes under its old
spelling, and the event raises the visitor's). Under the new UIDs the visits are new events.
Each table is read once, only its rows with an id past ASCII (an ASCII id is its own form
C); the trail, 1M events with half their ids in Chinese, in about 4 s on SQLite and 8 s on
PostgreSQL (a busy 2-core machine).

A period of leave or blackout is known by its person and first day; the import kept that
with a lock, the schema now with a unique constraint on ``(person, starts_on)``.

Where two stored rows would become one (two ids equal once in form C, two device ids equal
once in lower case, two periods of one person from one day), the upgrade is refused with
one message naming them, and changes nothing: which row is the record to keep is for a
person to decide, not a migration.

The downgrade drops the two constraints; the re-spelling is not undone (the old spellings
are not kept, and form C is what every version since reads).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:30:00
"""

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from doorstep.errors import Conflict

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every stored id or code, as ``(table, column, length, unique)`` (references between
#: tables are integer ids, so re-spelling the row re-spells every reference to it).
IDS = (
    ("areas", "code", 64, True),
    ("organisations", "code", 64, True),
    ("teams", "code", 64, True),
    ("projects", "code", 64, True),
    ("visitors", "external_id", 64, True),
    ("households", "external_id", 64, True),
    ("visitors", "remote_pool", 64, False),
    ("households", "remote_pool", 64, False),
    ("visits", "client_uuid", 36, True),
)
#: The keys of an audit event's detail that name a visitor (the visitor's export finds
#: them by it), a calendar's visitor, an area or a team.
DETAIL_IDS = ("visitor", "calendar", "area", "team")
#: The period tables and their person's column and table.
PERIODS = (
    ("visitor_leave", "visitor_id", "visitors"),
    ("household_blackouts", "household_id", "households"),
)
#: A UUID as an import recognises one (``doorstep.services.importing.validate``).
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
#: The actor of the events this migration writes.
ACTOR = "doorstep db upgrade (migration 0009)"
#: The actions of the trail's events that record a write (``SEQUENCE`` counts them), and
#: the ``table`` of a visitor's event that keeps calendar events to cancel: as
#: ``doorstep.storage.repositories.audit.WRITES`` and ``doorstep.services.calendars.CALENDAR``
#: when this was written (a migration keeps its own copy).
WRITES = ("create", "update", "delete")
CALENDAR = "calendar"


def spelt(value: str, column: str = "") -> str:
    """``value`` as it is stored from now on."""
    out = unicodedata.normalize("NFC", value)
    if column == "client_uuid" and _UUID.fullmatch(out):
        out = out.lower()
    return out


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.Integer), *(sa.column(c, sa.String) for c in columns))


def _past_ascii(conn: sa.Connection, c: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """Whether ``c`` holds a character past ASCII (an ASCII id is its own form C)."""
    octets = (
        sa.func.length(sa.cast(c, sa.LargeBinary))  # SQLite counts a blob's bytes
        if conn.dialect.name == "sqlite"
        else sa.func.octet_length(c)
    )
    return octets != sa.func.length(c)


def _streamed(conn: sa.Connection, query: sa.Select[Any]) -> Iterable[Any]:
    """The rows of ``query``, a batch at a time: a registry whose ids are in a script past
    ASCII (Chinese, say) has every row read, and few of them change."""
    return conn.execute(query.execution_options(yield_per=10_000))  # not the connection's


def upgrade() -> None:
    conn = op.get_bind()
    changes = {(t, c): _respelt(conn, t, c) for t, c, _, _ in IDS}
    trail, details = _respelt_trail(conn)
    problems = [
        f"audit_events.entity_id of id {i} is more than 64 characters in normal form C"
        for i, new in sorted(trail.items())
        if len(new) > 64
    ]
    problems += [p for t, c, n, u in IDS for p in _problems(conn, t, c, n, u, changes[(t, c)])]
    for table, key, people in PERIODS:
        problems += _twin_periods(conn, table, key, people)
    if problems:
        more = len(problems) - 10
        shown = "; ".join(problems[:10]) + (f"; and {more} more" if more > 0 else "")
        raise Conflict(
            f"cannot upgrade the database to revision 0009, stored rows would become one: "
            f"{shown}. Keep one row of each: change or delete the others by hand (by their "
            "database ids) and run `doorstep db upgrade` again; nothing was changed"
        )
    old_events = _old_events(conn, changes)
    for (table, column), found in changes.items():
        _update(conn, _table(table, column), column, found)
    events = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String), sa.column("action", sa.String),
        sa.column("entity", sa.String), sa.column("entity_id", sa.String),
        sa.column("detail", sa.JSON),
    )  # fmt: skip
    _update(conn, events, "entity_id", trail)
    _update(conn, events, "detail", details)
    _record(conn, events, changes)
    _keep_for_calendars(conn, events, old_events)
    for table, key, _ in PERIODS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{key}"), [key, "starts_on"])


def _record(
    conn: sa.Connection, events: sa.TableClause, changes: dict[tuple[str, str], dict[int, str]]
) -> None:
    """An ``update`` event for each household and visitor whose id was re-spelt: their
    export lists it, as it lists every write of their data."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "at": now,
            "actor": ACTOR,
            "action": "update",
            "entity": entity,
            "entity_id": new,
            "detail": {"table": table, "respelt": "external_id, in Unicode normal form C"},
        }
        for table, entity in (("households", "household"), ("visitors", "visitor"))
        for new in sorted(changes[(table, "external_id")].values())
    ]
    if rows:
        conn.execute(events.insert(), rows)


def _uid(household: str, visitor: str, start: dt.date) -> str:
    """A visit's calendar UID, as ``doorstep.reports.calendar.visit_uid`` computed it when
    this was written (a copy: the phones hold those, whatever later versions compute)."""
    digest = hashlib.sha256(f"{household}\x1f{visitor}\x1f{start.isoformat()}".encode())
    return f"{digest.hexdigest()[:32]}@doorstep.invalid"


def _day(value: Any) -> dt.date:
    """A date column's value (SQLite hands dates back as ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


#: Every event of visits by ``vi.{column}`` a calendar may show or cancel, with the ids as
#: stored (``household, visitor's database id, visitor, UID's first day, first day, last
#: day, planned end, made end``): the rows of
#: ``doorstep.storage.repositories.visit_records.calendar_days_of`` when this was written.
_CALENDAR_ROWS = """
    SELECT h.external_id, v.id, v.external_id, COALESCE(vi.planned_start, vi.actual_start),
           COALESCE(vi.actual_start, vi.planned_start),
           CASE WHEN vi.status = 'done'
                THEN COALESCE(vi.actual_end, vi.actual_start) ELSE vi.planned_end END,
           COALESCE(vi.planned_end, vi.actual_end, vi.actual_start),
           COALESCE(vi.actual_end, vi.actual_start, vi.planned_end)
    FROM visits vi JOIN visitors v ON v.id = vi.visitor_id
    JOIN households h ON h.id = vi.household_id
    WHERE vi.{column} IN :ids
      AND (vi.status = 'done' AND vi.actual_start IS NOT NULL
           OR vi.status IN ('planned', 'missed')
              AND vi.planned_start IS NOT NULL AND vi.planned_end IS NOT NULL)
    UNION ALL
    SELECT h.external_id, v.id, v.external_id, c.starts_on, c.starts_on, c.ends_on, c.ends_on,
           c.ends_on
    FROM cancelled_visits c JOIN visitors v ON v.id = c.visitor_id
    JOIN households h ON h.id = c.household_id
    WHERE c.{column} IN :ids
"""


def _old_events(
    conn: sa.Connection, changes: dict[tuple[str, str], dict[int, str]]
) -> dict[tuple[str, int], list[list[str]]]:
    """The calendar events, under their old UIDs, of the visits of the households and
    visitors re-spelt that a calendar may still list or cancel (not over today): ``[UID,
    first day, last day, until]`` by visitor (new spelling) and ``SEQUENCE`` base (the
    household's count of writes under its old spelling, as the calendars counted them).
    Read before the re-spelling."""
    households = changes[("households", "external_id")]
    visitors = changes[("visitors", "external_id")]
    rows: set[tuple[Any, ...]] = set()
    for column, ids in (("household_id", households), ("visitor_id", visitors)):
        query = sa.text(_CALENDAR_ROWS.format(column=column)).bindparams(
            sa.bindparam("ids", expanding=True)
        )
        keys = sorted(ids)
        for start in range(0, len(keys), 1000):
            rows.update(tuple(r) for r in conn.execute(query, {"ids": keys[start : start + 1000]}))
    today = dt.date.today()
    kept = {
        (h, int(v_id), v, _day(u), _day(a), _day(z), max(_day(pe), _day(me)))
        for h, v_id, v, u, a, z, pe, me in rows
        if max(_day(pe), _day(me)) >= today
    }
    bases = _write_counts(conn, sorted({h for h, *_ in kept}))
    out: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(dict)
    for h, v_id, v, u, a, z, until in sorted(kept):
        days = [a.isoformat(), z.isoformat(), until.isoformat()]
        out[(visitors.get(v_id, v), bases.get(h, 0))].setdefault(_uid(h, v, u), days)
    return {key: [[uid, *days] for uid, days in found.items()] for key, found in out.items()}


def _write_counts(conn: sa.Connection, households: list[str]) -> dict[str, int]:
    """How many events of the trail record a write to each household (by id as stored)."""
    a = sa.table(
        "audit_events", sa.column("entity", sa.String), sa.column("entity_id", sa.String),
        sa.column("action", sa.String),
    )  # fmt: skip
    out: dict[str, int] = {}
    for start in range(0, len(households), 1000):
        query = (
            sa.select(a.c.entity_id, sa.func.count())
            .where(a.c.entity == "household", a.c.entity_id.in_(households[start : start + 1000]))
            .where(a.c.action.in_(WRITES))
            .group_by(a.c.entity_id)
        )
        out.update({str(e): int(n) for e, n in conn.execute(query)})
    return out


def _keep_for_calendars(
    conn: sa.Connection, events: sa.TableClause, kept: dict[tuple[str, int], list[list[str]]]
) -> None:
    """An ``update`` event of each visitor's, by ``SEQUENCE`` base, keeping the old UIDs
    of :func:`_old_events` as an erasure kept them before migration 0011, which moves them
    out of the trail into ``erased_visit_events``; the event raises the visitor's count."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "at": now,
            "actor": ACTOR,
            "action": "update",
            "entity": "visitor",
            "entity_id": visitor,
            "detail": {"table": CALENDAR, "base": base, "cancelled": cancelled},
        }
        for (visitor, base), cancelled in sorted(kept.items())
    ]
    if rows:
        conn.execute(events.insert(), rows)


def _respelt(conn: sa.Connection, table: str, column: str) -> dict[int, str]:
    """The rows of ``table`` whose ``column`` is spelt otherwise from now on: their new
    spelling, by database id."""
    t = _table(table, column)
    c = t.c[column]
    changed = _past_ascii(conn, c)
    if column == "client_uuid":
        changed = sa.or_(changed, sa.func.lower(c) != c)
    out: dict[int, str] = {}
    for i, value in _streamed(conn, sa.select(t.c.id, c).where(changed)):
        new = spelt(value, column)
        if new != value:
            out[int(i)] = new
    return out


def _respelt_trail(conn: sa.Connection) -> tuple[dict[int, str], dict[int, dict[str, Any]]]:
    """The trail's events whose ``entity_id``, and those whose detail, change: the new
    ``entity_id``, and the whole new detail, by event id. One scan of the trail."""
    a = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("entity_id", sa.String),
        sa.column("detail", sa.JSON),
    )  # fmt: skip
    named = [a.c.detail[k].as_string() for k in DETAIL_IDS]
    query = sa.select(a.c.id, a.c.entity_id, *named).where(
        sa.or_(*(_past_ascii(conn, c) for c in [a.c.entity_id, *named]))
    )
    ids: dict[int, str] = {}
    redo: list[int] = []
    for i, entity_id, *values in _streamed(conn, query):
        if entity_id is not None and spelt(entity_id) != entity_id:
            ids[int(i)] = spelt(entity_id)
        if any(v is not None and spelt(v) != v for v in values):
            redo.append(int(i))
    details: dict[int, dict[str, Any]] = {}
    for start in range(0, len(redo), 1000):
        batch = redo[start : start + 1000]
        for i, detail in conn.execute(sa.select(a.c.id, a.c.detail).where(a.c.id.in_(batch))):
            if not isinstance(detail, dict):
                continue
            details[int(i)] = {
                k: spelt(v) if k in DETAIL_IDS and isinstance(v, str) else v
                for k, v in detail.items()
            }
    return ids, details


def _problems(
    conn: sa.Connection, table: str, column: str, length: int, unique: bool, found: dict[int, str]
) -> list[str]:
    """Why the new spellings of ``found`` cannot be stored: two rows of a unique column
    with one spelling, or a spelling longer than the column holds."""
    out = [
        f"{table}.{column} of id {i} is {len(new)} characters in normal form C, more than {length}"
        for i, new in sorted(found.items())
        if len(new) > length
    ]
    if not unique or not found:
        return out
    t = _table(table, column)
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for i, new in found.items():
        holders[new].append(i)
    wanted = sorted(holders)
    for start in range(0, len(wanted), 1000):
        query = sa.select(t.c.id, t.c[column]).where(t.c[column].in_(wanted[start : start + 1000]))
        for i, value in conn.execute(query):
            holders[value].append(int(i))
    how = "in lower case" if column == "client_uuid" else "in Unicode normal form C"
    return out + [
        f"{table}.{column} {value!r} {how} is held by the rows of ids "
        f"{', '.join(str(i) for i in sorted(rows))}"
        for value, rows in sorted(holders.items())
        if len(rows) > 1
    ]


def _twin_periods(conn: sa.Connection, table: str, key: str, people: str) -> list[str]:
    """Periods of one person from one day, stored more than once (written by hand)."""
    rows = conn.execute(
        sa.text(
            f"SELECT p.id, p.starts_on, x.external_id FROM {table} p "
            f"JOIN {people} x ON x.id = p.{key} "
            f"JOIN (SELECT {key}, starts_on FROM {table} GROUP BY {key}, starts_on "
            f"HAVING COUNT(*) > 1) d ON d.{key} = p.{key} AND d.starts_on = p.starts_on "
            "ORDER BY x.external_id, p.starts_on, p.id"
        )
    ).all()
    twins: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for i, starts_on, person in rows:
        twins[(str(person), str(starts_on))].append(int(i))
    who = people[:-1]
    return [
        f"{table} of {who} {person!r} from {day} is stored in the rows of ids "
        f"{', '.join(str(i) for i in ids)}"
        for (person, day), ids in twins.items()
    ]


def _update(conn: sa.Connection, t: sa.TableClause, column: str, found: dict[int, Any]) -> None:
    if not found:
        return
    rows = [{"_id": i, "_new": new} for i, new in sorted(found.items())]
    conn.execute(
        sa.update(t)
        .where(t.c.id == sa.bindparam("_id"))
        .values({column: sa.bindparam("_new", type_=t.c[column].type)}),
        rows,
    )


def downgrade() -> None:
    for table, key, _ in PERIODS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_{key}"), type_="unique")
