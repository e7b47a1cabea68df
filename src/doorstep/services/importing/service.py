"""Import use case: read, validate every row, then write all rows or none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event, record_events, record_row_events
from doorstep.say import Said, Say, Value, joined
from doorstep.services.importing import household_sizes, load, unsettled
from doorstep.services.importing.columns import (
    IMPORTS,
    PERIODS,
    REFERRAL_IMPORT,
    VISITS,
    EntitySchema,
    Kind,
)
from doorstep.services.importing.errors import (
    ImportRejected,
    RowError,
    StaleErrors,
    remove_stale_errors_csv,
    write_errors_csv,
)
from doorstep.services.importing.exclusions import load_exclusions, reference_errors
from doorstep.services.importing.periods import CALENDARS, file_overlaps, load_periods
from doorstep.services.importing.programme import TABLES as PROGRAMME_TABLES
from doorstep.services.importing.programme import load_programme
from doorstep.services.importing.programme import reference_errors as programme_errors
from doorstep.services.importing.reader import read_file
from doorstep.services.importing.referrals import load_referrals
from doorstep.services.importing.scope import WHOLE_PROGRAMME, AreaScope, scope_errors
from doorstep.services.importing.validate import ROW, References, trim_code, validate
from doorstep.services.importing.visits import load_visits
from doorstep.services.visit_records import during_leave, leave_said, pretended
from doorstep.storage.repositories import bulk, lookups, visitor_data
from doorstep.storage.repositories.household_sizes import lock_household_sizes
from doorstep.storage.repositories.pairing import lock_pairings

# Tables each entity writes, in lock order.
_TABLES = {
    "areas": ["areas"],
    "organisations": ["organisations"],
    "teams": ["teams"],
    "visitors": ["visitors", "team_members"],
    "households": ["households", "consent_records"],
    "indicators": ["household_indicators"],
    "exclusions": ["exclusions"],
    **{entity: [table] for entity, table in PROGRAMME_TABLES.items()},
}


# Entities of people: (audit entity, table) of the events naming each row an import wrote.
_NAMED = {"households": ("household", "households"), "visitors": ("visitor", "visitors")}

# Entities whose rows a pairing proposal is computed from (areas: the tree). Their import
# takes the pairing lock before writing, as `pair commit` does before its staleness check.
_PAIRING_INPUTS = frozenset({"areas", "visitors", "households", "exclusions"})
#: What a plan reads besides (the staffing caps), written under the pairing lock too: a
#: plan that read without it counts the lock's takes to tell a change (``planning``).
_PLAN_INPUTS = frozenset({"organisations"})
#: Entities whose rows name households or visitors, whom an erasure (under the pairing
#: lock) removes or empties: their import takes the lock before its checks, which then
#: read the erasure's outcome. Taken after, the checks passed a person erased meanwhile,
#: whose rows were then written (leave, an exclusion), dropped unsaid (indicators,
#: blackouts) or met the foreign key ("run it again"; for exclusions, a bug).
_OF_PEOPLE_ROWS = frozenset(
    {
        "visitors",
        "households",
        "indicators",
        "leave",
        "blackouts",
        "visits",
        "exclusions",
        "attendance",
        "project_households",
        "referrals",
    }
)


@dataclass(frozen=True)
class ImportSummary:
    entity: str
    path: Path
    rows: int
    created: int
    updated: int
    unchanged: int = 0  # rows stored already as the file has them: not written, not audited
    sheet: str | None = None  # which sheet of a workbook with several was read
    notes: tuple[str, ...] = ()  # how some rows were taken, one line each
    #: The errors file an earlier import of the same file left, removed (or not) by this one.
    stale_errors: StaleErrors | None = None


def _import_event(
    session: Session,
    actor: str,
    entity: str,
    path: Path,
    rows: int,
    written: load.Written,
    today: dt.date,
    scope: AreaScope | None,
    **more: object,
) -> tuple[int, int]:
    """The import's own event (see :func:`_record_import`); returns how many were created
    and updated."""
    created, updated = written.created.len(), written.updated.len()
    counts = (created, updated, written.unchanged)
    _record_import(session, actor, entity, path, rows, counts, today, scope, **more)
    return created, updated


def _record_import(
    session: Session,
    actor: str,
    entity: str,
    path: Path,
    rows: int,
    counts: tuple[int, int, int],
    today: dt.date,
    scope: AreaScope | None,
    **more: object,
) -> None:
    """The import's own event: file, rows, how many created, updated and unchanged
    (``counts``), and ``more``; the day taken as today where it is not the machine's, and
    the area of an area's account (whose manager reads the event in the trail)."""
    created, updated, unchanged = counts
    record_event(
        session,
        actor=actor,
        action="import",
        entity=entity,
        detail={
            "file": path.name,
            "rows": rows,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            **more,
            **pretended(today),
            **({} if scope is None else {"area": scope.code}),
        },
    )


def import_file(
    session: Session,
    entity: str,
    path: Path,
    *,
    actor: str,
    progress: load.Progress = load._noop,
    today: dt.date | None = None,
    replace_future: bool = False,
    scope: AreaScope | None = None,
) -> ImportSummary:
    """Import ``path`` as ``entity`` rows, or raise :class:`ImportRejected` writing nothing.

    ``replace_future`` (leave and blackouts only) makes the file the whole set of the
    periods from today on of the people it names (see :mod:`~doorstep.services.importing.periods`).
    ``scope`` confines the rows to an area, for an area's account (see
    :mod:`~doorstep.services.importing.scope`).

    Beside ``path`` it leaves ``FILE.errors.csv`` only when that lists this import's errors:
    a rejection that names rows writes it (over an earlier one), and an import that
    succeeds, or is refused without writing one (the file as a whole), removes one an
    earlier import left (the summary's or the rejection's ``stale_errors`` says so).

    The caller owns the transaction: this function only flushes, so a failure (or a kill)
    before the caller commits leaves the database as it was. Areas, visitors, households
    and exclusions are written under the pairing lock (held until the caller's transaction
    ends), so a `pair commit` never interleaves with them; so are the rows naming people,
    checked under it, so an erasure is never between their checks and their writes.
    """
    schema = IMPORTS.get(entity)
    if schema is None:
        raise ValueError(f"unknown entity {entity!r}")
    if replace_future and entity not in PERIODS:
        raise InvalidInput(
            Say(
                "%(replace)s is for %(periods)s, not %(entity)s",
                replace=remedies.replace(),
                periods=joined(list(PERIODS), " and "),
                entity=entity,
            )
        )
    progress("reading", 0, 0)
    try:
        table = read_file(path, [c.name for c in schema.columns if c.required])
        summary = import_frame(
            session,
            schema,
            table.frame,
            path=path,
            actor=actor,
            progress=progress,
            today=today,
            sheet=table.sheet,
            replace_future=replace_future,
            unread=table.unread,
            unread_cells=table.unread_cells,
            scope=scope,
        )
    except ImportRejected as exc:
        raise exc.without_stale_errors_csv() from None
    # The errors an earlier import of this file listed beside it are not the file's any
    # more: left there, they would tell of errors it no longer has. Removed before the
    # caller commits: should the commit fail, the file still has none of those errors.
    return replace(
        summary,
        stale_errors=remove_stale_errors_csv(path),
        notes=table.notes + summary.notes,
    )


def import_frame(
    session: Session,
    schema: EntitySchema,
    raw: pl.DataFrame,
    *,
    path: Path,
    actor: str,
    progress: load.Progress = load._noop,
    today: dt.date | None = None,
    sheet: str | None = None,
    replace_future: bool = False,
    unread: Sequence[RowError] = (),
    unread_cells: frozenset[tuple[int, str]] = frozenset(),
    scope: AreaScope | None = None,
) -> ImportSummary:
    """Validate and write a frame of text columns read from ``path`` (from ``sheet`` of a
    workbook with several, which its summary or rejection names). ``unread`` are cells
    the reader could not see, refused with the rows' other errors; the cells they cover
    (``unread_cells``) read as empty, which they already tell. ``scope``: as
    :func:`import_file`."""
    if scope is not None and schema.entity in WHOLE_PROGRAMME:
        raise InvalidInput(f"{schema.entity} are the whole programme's: not imported for an area")
    conn = session.connection()
    if schema.entity in _PAIRING_INPUTS | _PLAN_INPUTS | _OF_PEOPLE_ROWS:
        # Held to the end of the caller's transaction, so a commit either sees all of this
        # import or none of it, never checks before and writes after it; and taken before
        # the checks, which read what an erasure (or a commit) waited for here committed.
        # Before the table locks, in the order a commit takes its own: no deadlock.
        lock_pairings(conn)
    progress("validating", 0, raw.height)
    checked = validate(schema, raw, _references(session, schema, raw))
    frame = checked.frame
    today = today or dt.date.today()
    errors = checked.errors + _extra_checks(session, schema, frame, raw, today, scope)
    errors = [e for e in errors if (e.row, e.column) not in unread_cells] + list(unread)
    if errors:
        errors += _later_errors(session, schema, frame, errors, raw, today)
        raise ImportRejected(
            path, errors, write_errors_csv(path, errors, people=schema.people), sheet=sheet
        )
    progress("writing", 0, frame.height)
    if schema.entity == "visits":
        return _import_visits(
            session, frame, raw, path=path, actor=actor, today=today, sheet=sheet, scope=scope
        )
    if schema.entity == "referrals":
        return _import_referrals(
            session, frame, raw, path=path, actor=actor, today=today, sheet=sheet, scope=scope
        )
    if schema.entity in PERIODS:
        return _import_periods(
            session,
            schema,
            frame,
            raw,
            path=path,
            actor=actor,
            today=today,
            sheet=sheet,
            replace_future=replace_future,
            progress=progress,
            scope=scope,
        )
    if schema.entity in household_sizes.SIZED:
        # Then the lock of a household's size against its outcomes: the check below reads
        # what an import of the other table committed, never what it is still writing.
        lock_household_sizes(conn)
    bulk.lock_for_import(conn, _TABLES[schema.entity])
    if schema.entity in household_sizes.SIZED:
        sizes = household_sizes.size_errors(conn, schema.entity, frame, raw)
        if sizes:
            raise ImportRejected(
                path, sizes, write_errors_csv(path, sizes, people=schema.people), sheet=sheet
            )

    def on_rows(done: int) -> None:
        progress("writing", done, frame.height)

    # Columns the file leaves out keep what is stored in rows it updates.
    absent = frozenset(c.name for c in schema.columns if c.name not in raw.columns)
    result: load.Written | list[RowError]
    match schema.entity:
        case "areas":
            result = load.load_areas(conn, frame, absent=absent)
        case "organisations":
            result = load.load_organisations(conn, frame, absent=absent)
        case "teams":
            result = load.load_teams(conn, frame, absent=absent)
        case "visitors":
            result = load.load_visitors(conn, frame, on_rows=on_rows, absent=absent)
            if isinstance(result, load.Written):
                result = unsettled.cancel_past_last_day(conn, result, today)
                result = unsettled.note_unkept_households(conn, result, today)
        case "households":
            result = load.load_households(
                conn,
                frame,
                recorded_by=actor,
                evidence=f"imported from {path.name}",
                today=today,
                on_rows=on_rows,
                absent=absent,
            )
            if isinstance(result, load.Written):
                result = unsettled.cancel_unconsented(conn, result, today)
        case "indicators":
            result = load.load_indicators(conn, frame, on_rows=on_rows, absent=absent)
        case "exclusions":
            result = load_exclusions(conn, frame, today)
        case entity if entity in PROGRAMME_TABLES:
            result = load_programme(conn, entity, frame, absent=absent)
        case _:  # pragma: no cover
            raise AssertionError(schema.entity)
    if isinstance(result, list):
        raise ImportRejected(
            path, result, write_errors_csv(path, result, people=schema.people), sheet=sheet
        )
    created, updated = _import_event(
        session, actor, schema.entity, path, frame.height, result, today, scope
    )
    session.flush()  # the import's own event first, then those of the rows it wrote
    if schema.entity in _NAMED:
        # The trail must say whose data the import wrote: one event per person, under the
        # entity and external id that a household's export and erasure look up.
        named, table = _NAMED[schema.entity]
        for action, ids in (("create", result.created), ("update", result.updated)):
            record_row_events(
                session,
                actor=actor,
                action=action,
                entity=named,
                source=table,
                key="external_id",
                ids=ids,
                detail={"file": path.name},
            )
    if result.households is not None:
        # A household's figures are its data too: its export lists the import that wrote
        # them, and its erasure redacts that event with the others. So does its area's new
        # name, which its calendar events show (their SEQUENCE counts these events).
        record_row_events(
            session,
            actor=actor,
            action="update",
            entity="household",
            source="households",
            key="external_id",
            ids=result.households,
            detail={"file": path.name, "table": result.households_table},
        )
    if result.events:
        # A row about two people (an exclusion): an event under each, naming the other, so
        # that each one's export finds it by their own id, whatever becomes of the row.
        events = [(a, h, {"file": path.name, **d}) for a, h, d in result.events]
        record_events(session, actor=actor, entity="household", events=events)
        theirs = [
            (a, d["visitor"], {"file": path.name, "table": d["table"], "household": h})
            for a, h, d in result.events
            if d["table"] == "exclusions"  # not a visit cancelled: the household's record
        ]
        record_events(session, actor=actor, entity="visitor", events=theirs)
    if result.visitor_events:  # a visitor's own attendance
        events = [(a, v, {"file": path.name, **d}) for a, v, d in result.visitor_events]
        record_events(session, actor=actor, entity="visitor", events=events)
    session.flush()
    progress("done", frame.height, frame.height)
    return ImportSummary(
        schema.entity, path, frame.height, created, updated, result.unchanged, sheet, result.notes
    )


def _import_referrals(
    session: Session,
    frame: pl.DataFrame,
    raw: pl.DataFrame,
    *,
    path: Path,
    actor: str,
    today: dt.date,
    sheet: str | None,
    scope: AreaScope | None,
) -> ImportSummary:
    """Referrals: checked against the database row by row, written all or none."""
    cells = raw.select(
        pl.col(c) if c in raw.columns else pl.lit(None, pl.String).alias(c)
        for c in REFERRAL_IMPORT.names
    )
    result = load_referrals(session, frame, cells, today=today)
    if isinstance(result, list):
        raise ImportRejected(path, result, write_errors_csv(path, result, people=True), sheet=sheet)
    counts = (result.created, result.updated, result.unchanged)
    _record_import(session, actor, "referrals", path, frame.height, counts, today, scope)
    session.flush()  # the import's own event first, then one per referral it wrote
    file = {"file": path.name}
    events = [(a, h, {**file, **d}) for a, h, d in result.events]
    record_events(session, actor=actor, entity="household", events=events)
    theirs = [(a, v, {**file, **d}) for a, v, d in result.visitor_events]
    record_events(session, actor=actor, entity="visitor", events=theirs)
    session.flush()
    return ImportSummary(
        "referrals", path, frame.height, result.created, result.updated, result.unchanged, sheet
    )


def _import_visits(
    session: Session,
    frame: pl.DataFrame,
    raw: pl.DataFrame,
    *,
    path: Path,
    actor: str,
    today: dt.date,
    sheet: str | None,
    scope: AreaScope | None,
) -> ImportSummary:
    """Visits made: checked against the database row by row, written all or none."""
    absent = frozenset(c.name for c in VISITS.columns if c.name not in raw.columns)
    result = load_visits(session, frame, file=path.name, today=today, absent=absent)
    if isinstance(result, list):
        raise ImportRejected(path, result, write_errors_csv(path, result, people=True), sheet=sheet)
    counts = (result.created, result.updated, result.unchanged)
    _record_import(
        session,
        actor,
        "visits",
        path,
        frame.height,
        counts,
        today,
        scope,
        cancelled=result.cancelled,
    )
    session.flush()  # the import's own event first, then one per visit it wrote
    record_events(session, actor=actor, entity="household", events=result.events)
    made = frame.select(
        pl.col(ROW).alias("row"), pl.col("visitor_id").alias("visitor"), "start", "end"
    )
    met = during_leave(session, made, actor=actor)
    notes: tuple[str, ...] = ()
    if met.height:
        rows: Value = ", ".join(str(r) for r in met["row"].head(5).to_list())
        if met.height > 5:
            rows = Say("%(named)s and %(more)s more", named=rows, more=met.height - 5)
        first = met.row(0, named=True)
        leave = leave_said(first["visitor"], first["first"], first["last"])
        note = (
            Say(
                "1 visit made during the visitor's recorded leave (row %(rows)s); for row "
                "%(row)s: %(leave)s.",
                rows=rows,
                row=first["row"],
                leave=leave,
            )
            if met.height == 1
            else Say(
                "%(n)s visits made during the visitor's recorded leave (row %(rows)s); for "
                "row %(row)s: %(leave)s.",
                n=met.height,
                rows=rows,
                row=first["row"],
                leave=leave,
            )
        )
        notes = (Said(note),)
    return ImportSummary(
        "visits",
        path,
        frame.height,
        result.created,
        result.updated,
        result.unchanged,
        sheet,
        notes,
    )


def _import_periods(
    session: Session,
    schema: EntitySchema,
    frame: pl.DataFrame,
    raw: pl.DataFrame,
    *,
    path: Path,
    actor: str,
    today: dt.date,
    sheet: str | None,
    replace_future: bool,
    progress: load.Progress,
    scope: AreaScope | None,
) -> ImportSummary:
    """Leave or blackouts: written all or none, each person whose periods changed named in
    the trail (their periods are their data: their export lists the import, their erasure
    redacts it)."""
    cal = CALENDARS[schema.entity]
    conn = session.connection()
    bulk.lock_for_import(conn, [cal.table])  # under the pairing lock (_OF_PEOPLE_ROWS)

    def on_rows(done: int) -> None:
        progress("writing", done, frame.height)

    absent = frozenset(c.name for c in schema.columns if c.name not in raw.columns)
    result = load_periods(
        conn,
        schema.entity,
        frame,
        replace=replace_future,
        today=today,
        on_rows=on_rows,
        absent=absent,
    )
    if isinstance(result, list):
        raise ImportRejected(path, result, write_errors_csv(path, result, people=True), sheet=sheet)
    written = result.written
    created, updated = _import_event(
        session,
        actor,
        schema.entity,
        path,
        frame.height,
        written,
        today,
        scope,
        removed=result.removed,
        replace=replace_future,
    )
    session.flush()  # the import's own event first, then one per person it wrote about
    record_row_events(
        session,
        actor=actor,
        action="update",
        entity=cal.who,
        source=cal.people,
        key="external_id",
        ids=result.people,
        detail={"file": path.name, "table": cal.table},
    )
    session.flush()
    progress("done", frame.height, frame.height)
    notes: tuple[str, ...] = ()
    if replace_future:
        n = result.removed
        removed = (
            Say(
                "%(n)s stored period from today on not in the file removed (%(replace)s).",
                n=n,
                replace=remedies.replace(),
            )
            if n == 1
            else Say(
                "%(n)s stored periods from today on not in the file removed (%(replace)s).",
                n=n,
                replace=remedies.replace(),
            )
        )
        notes = (Said(removed),)
    return ImportSummary(
        schema.entity, path, frame.height, created, updated, written.unchanged, sheet, notes
    )


def _later_errors(
    session: Session,
    schema: EntitySchema,
    frame: pl.DataFrame,
    errors: list[RowError],
    raw: pl.DataFrame,
    today: dt.date,
) -> list[RowError]:
    """The checks the loaders make (an area cycle; a visit against the database), run on
    the rows that passed the cell checks of a file refused for others, so that one run
    names more of what is wrong. None when the header is wrong: the rows mean nothing."""
    if any(e.row <= 1 for e in errors):
        return []
    conn = session.connection()
    if schema.entity in household_sizes.SIZED:
        # A row whose household or count is wrong says nothing of the household's size.
        sized = ("household_id", household_sizes.COLUMN[schema.entity])
        wrong = {e.row for e in errors if e.column in sized}
        keep = ~frame[ROW].is_in(pl.Series(list(wrong), dtype=pl.Int64).implode())
        return household_sizes.size_errors(
            conn, schema.entity, frame.filter(keep), raw.filter(keep)
        )
    if schema.entity == "areas":
        absent = frozenset(c.name for c in schema.columns if c.name not in raw.columns)
        # Rows with a wrong code or parent are left out; a too-long name is no reason to.
        bad = {e.row for e in errors if e.column in ("code", "parent_code")}
        ok = frame.filter(~pl.col(ROW).is_in(pl.Series(list(bad), dtype=pl.Int64).implode()))
        return load.area_tree_errors(conn, ok, absent=absent)
    if schema.entity == "visits":
        # A row is checked unless a cell the checks read is wrong, or it is a duplicate (a
        # too-long visit_id or note hides nothing the database would say of the visit). A
        # wrong note is checked as none: a visit refuses a too-long one whole, naming no row.
        read = ("household_id", "visitor_id", "start", "end")
        bad = {e.row for e in errors if e.column in read or e.reason.startswith("duplicate")}
        ok = frame.filter(~pl.col(ROW).is_in(pl.Series(list(bad), dtype=pl.Int64).implode()))
        noted = pl.Series([e.row for e in errors if e.column == "note"], dtype=pl.Int64)
        ok = ok.with_columns(note=pl.when(~pl.col(ROW).is_in(noted.implode())).then(pl.col("note")))
        absent = frozenset(c.name for c in schema.columns if c.name not in raw.columns)
        later = load_visits(session, ok, file="", today=today, absent=absent, check_only=True)
        return later if isinstance(later, list) else []
    return []


def _codes(session: Session, table: str, column: str = "code") -> set[str]:
    return set(session.execute(text(f"SELECT {column} FROM {table}")).scalars())


def _references(session: Session, schema: EntitySchema, raw: pl.DataFrame) -> References:
    """The codes a row may name: those stored (in normal form C since migration 0009, as
    the file's are read) and, in an areas file, its own."""
    names = {c.kind.value for c in schema.columns}
    areas = _codes(session, "areas") if "area" in names else set()
    if schema.entity == "areas" and "code" in raw.columns:
        areas |= set(raw.select(trim_code(pl.col("code"))).to_series().drop_nulls().to_list())
    orgs = _codes(session, "organisations") if "organisation" in names else set()
    teams = _codes(session, "teams") if "team" in names else set()
    # A file referring to areas (teams...) when the database holds none at all: the
    # likelier mistake is the database (a relative SQLite path run from another folder
    # opens a new, empty one) or the order of the imports, and the error says both.
    none: dict[Kind, Say] = {}
    for kind, table, stored in (
        (Kind.AREA, "areas", areas),
        (Kind.ORGANISATION, "organisations", orgs),
        (Kind.TEAM, "teams", teams),
    ):
        if kind.value in names and not stored and schema.entity != table:
            none[kind] = _none_stored(session, kind.value, table)
    return References(areas=areas, organisations=orgs, teams=teams, none_stored=none)


def _none_stored(session: Session, what: str, table: str) -> Say:
    return Say(
        "unknown %(what)s code: %(database)s holds no %(table)s at all; %(remedy)s",
        what=what,
        database=remedies.database(lookups.database_opened(session.connection())),
        table=table,
        remedy=remedies.import_first(table),
    )


def _extra_checks(
    session: Session,
    schema: EntitySchema,
    frame: pl.DataFrame,
    raw: pl.DataFrame,
    today: dt.date,
    scope: AreaScope | None = None,
) -> list[RowError]:
    """Rules that span columns or need the database, read on the typed ``frame``; each error
    shows its cell as ``raw`` (the file, row for row) holds it, as every other error does:
    a lead's ``Y`` (or ``1``) is not the ``true`` it was read as."""
    errors: list[RowError] = []
    # The file's own columns, as they are (no copy); one it lacks errs on no row.
    frame = frame.with_columns(
        (raw[c] if c in raw.columns else pl.lit(None, pl.String)).alias(_CELL + c)
        for c in schema.names
    )
    pairs = {
        "teams": ("starts_on", "ends_on"),
        "visitors": ("active_from", "active_to"),
        "activities": ("starts_on", "ends_on"),
        "projects": ("starts_on", "ends_on"),
        **dict.fromkeys(PERIODS, ("starts_on", "ends_on")),
    }
    if schema.entity in pairs:
        a, b = pairs[schema.entity]
        bad = frame.filter(
            pl.col(a).is_not_null() & pl.col(b).is_not_null() & (pl.col(b) < pl.col(a))
        )
        errors += [
            RowError.said(
                int(r[ROW]),
                b,
                r[_CELL + b],
                Say(
                    "ends before it starts (%(start)s is %(day)s)",
                    start=a,
                    day=r[_CELL + a].strip(),
                ),
                f"ends before it starts (before {a})",
            )
            for r in bad.iter_rows(named=True)
        ]
    if schema.entity == "households" and "consent_date" in frame.columns:
        # A date is read only as the day of the consent act in the same row; without one
        # it dates nothing (a stored household keeps its act, a new one would be pending),
        # and which act it was meant for is not for the import to guess.
        no_act = pl.col("consent").is_null() if "consent" in frame.columns else pl.lit(True)
        undated = pl.col("consent_date").is_not_null() & no_act
        errors += [
            RowError.said(
                int(r[ROW]),
                "consent_date",
                r[_CELL + "consent_date"],
                Say(
                    "a consent date needs its consent (given, pending or withdrawn) in the same "
                    "row; to keep the stored consent, leave both empty"
                ),
            )
            for r in frame.filter(undated).iter_rows(named=True)
        ]
        # An act takes effect when it is made: one dated ahead would count at once for
        # pairing and planning but not yet for the work lists. A future date is a slip
        # (or an intention, to record on the day).
        ahead = pl.col("consent_date").is_not_null() & (pl.col("consent_date") > today)
        errors += [
            RowError.said(
                int(r[ROW]),
                "consent_date",
                r[_CELL + "consent_date"],
                Say(
                    "is after today (%(today)s): record a consent act on or after the day it "
                    "is made",
                    today=today,
                ),
            )
            for r in frame.filter(ahead).iter_rows(named=True)
        ]
    if schema.entity == "visitors":
        # A lead is the lead of a team: with no team in the row (an empty team_code, or no
        # such column) the flag would lead nothing, and the loader would drop it unsaid.
        leads_nothing = pl.col("is_team_lead").fill_null(False) & pl.col("team_code").is_null()
        errors += [
            RowError.said(
                int(r[ROW]),
                "is_team_lead",
                r[_CELL + "is_team_lead"],
                Say(
                    "a team lead needs the team it leads (team_code) in the same row; give it, "
                    "or set is_team_lead to false"
                ),
            )
            for r in frame.filter(leads_nothing).iter_rows(named=True)
        ]
    if schema.entity == "visitors":
        errors += _erased_visitor_errors(session, frame)
    if schema.entity == "indicators":
        # A year's figures are what the household had that year: one still to come has
        # none, and `outcomes` takes the latest year reported as its headline.
        ahead = pl.col("year").is_not_null() & (pl.col("year") > today.year)
        errors += [
            RowError.said(
                int(r[ROW]),
                "year",
                r[_CELL + "year"],
                Say(
                    "is after this year (%(year)s): a year's figures are reported once it "
                    "has begun",
                    year=today.year,
                ),
            )
            for r in frame.filter(ahead).iter_rows(named=True)
        ]
    if schema.entity == "exclusions":
        errors += reference_errors(session.connection(), frame, _CELL)
    errors += programme_errors(session.connection(), schema.entity, frame, _CELL, today)
    if schema.entity in _OF_PEOPLE:
        key, table, unknown = _OF_PEOPLE[schema.entity]
        known = _codes(session, table, "external_id")
        bad = frame.filter(
            pl.col(key).is_not_null()
            & ~pl.col(key).is_in(pl.Series(list(known), dtype=pl.String).implode())
        )
        errors += [
            RowError.said(int(r[ROW]), key, r[_CELL + key], unknown)
            for r in bad.iter_rows(named=True)
        ]
    if schema.entity == "leave":
        # An erased visitor's row is kept, empty, for the households' records: it is no one
        # to give leave to.
        erased = pl.Series(sorted(visitor_data.erased_ids(session.connection())), dtype=pl.String)
        errors += [
            RowError.said(
                int(r[ROW]),
                "visitor_id",
                r[_CELL + "visitor_id"],
                Say("is the id of an erased visitor: no one to give leave to"),
            )
            for r in frame.filter(pl.col("visitor_id").is_in(erased.implode())).iter_rows(
                named=True
            )
        ]
    if schema.entity in PERIODS:
        errors += file_overlaps(schema.entity, frame, lambda c: _CELL + c)
    if scope is not None:
        errors += scope_errors(
            session.connection(), schema.entity, frame, raw.columns, _CELL, scope
        )
    return errors


#: Imports of rows about people imported before: (the id column, their table, why a row
#: naming someone not in it is refused).
_OF_PEOPLE = {
    "indicators": ("household_id", "households", Say("unknown household; import it first")),
    "blackouts": ("household_id", "households", Say("unknown household; import it first")),
    "leave": ("visitor_id", "visitors", Say("unknown visitor; import it first")),
}


def _erased_visitor_errors(session: Session, frame: pl.DataFrame) -> list[RowError]:
    """Rows that would give an erased visitor's id (kept, empty, by the households' pairings
    and visits) to a person again, and so that person their history: refused."""
    erased = visitor_data.erased_ids(session.connection())
    if not erased:
        return []
    ids = pl.Series(sorted(erased), dtype=pl.String).implode()
    return [
        RowError.said(
            int(r[ROW]),
            "visitor_id",
            r[_CELL + "visitor_id"],
            Say(
                "is the id of an erased visitor, kept for the households' records; give this "
                "visitor another id"
            ),
        )
        for r in frame.filter(pl.col("visitor_id").is_in(ids)).iter_rows(named=True)
    ]


# The prefix of the columns :func:`_extra_checks` adds: each cell as the file holds it.
_CELL = "\x00cell "
