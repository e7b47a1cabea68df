"""Write validated frames to the database: one function per entity, all or nothing.

Ids of new rows are chosen here (under the import's write lock) so that dependent rows,
such as consent records, are written without reading the new rows back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

from doorstep.domain.enums import ConsentState
from doorstep.domain.languages import SEPARATOR, parse_languages
from doorstep.say import Said, Say
from doorstep.services.importing.areatree import AreaNode, cycle_errors, too_deep, tree_paths
from doorstep.services.importing.columns import SCHEMAS, Kind
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.validate import ROW
from doorstep.storage.repositories import bulk
from doorstep.storage.tables.pairings import PAIRING_INPUT_COLUMNS

Progress = Callable[[str, int, int], None]


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class Written:
    """The ids of the rows a loader created and of those it changed (for the audit), and
    how many rows of the file were stored already exactly as the file has them."""

    created: pl.Series
    updated: pl.Series
    unchanged: int = 0
    #: For rows about a household (indicators), or that change what is shown of one (an
    #: area renamed: its households' calendar events show its name): the ids of those
    #: households, and the table written (their ``update`` events name it).
    households: pl.Series | None = None
    households_table: str = "household_indicators"
    #: What the user should hear about how rows were taken (one line each).
    notes: tuple[str, ...] = ()
    #: For rows about two people (exclusions): audit events ``(action, household, detail)``.
    events: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    #: The same, of rows about a visitor alone (their attendance): under the visitor's id.
    visitor_events: tuple[tuple[str, str, dict[str, Any]], ...] = ()


def _code_ids(conn: Connection, table: str) -> pl.DataFrame:
    return bulk.key_map(conn, table, "code")


def _resolve(
    frame: pl.DataFrame, conn: Connection, column: str, table: str, id_column: str
) -> pl.DataFrame:
    """Replace a code column with the id of the row it names (null stays null)."""
    ids = _code_ids(conn, table).rename({"code": column, "id": id_column})
    return frame.join(ids, on=column, how="left").drop(column)


def _split_new(
    frame: pl.DataFrame,
    conn: Connection,
    table: str,
    key: str,
    db_key: str,
    stored: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give every row an ``id``: the existing one, or a fresh one; return (new, existing).
    ``stored``: the table's rows (``db_key`` and ``id`` at least) when the caller read them."""
    if stored is None:
        stored = bulk.key_map(conn, table, db_key)
    existing = stored.select(db_key, "id").rename({db_key: key})
    joined = frame.join(existing, on=key, how="left")
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, table)
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    return new, joined.filter(pl.col("id").is_not_null())


#: Import columns stored under another name (the others are stored as named).
_STORED_AS = {
    "area_code": "area_id",
    "organisation_code": "organisation_id",
    "home_area_code": "home_area_id",
    "service_area_code": "service_area_id",
    "consent": "consent_state",
    "consent_date": "consent_since",
}


def _keep_stored(old: pl.DataFrame, absent: frozenset[str]) -> pl.DataFrame:
    """``old`` (rows to update) without the columns the file did not have: a file that
    leaves a column out changes nothing in it, where the defaults would overwrite it."""
    return old.drop([c for c in (_STORED_AS.get(a, a) for a in absent) if c in old.columns])


def _defaults(entity: str) -> dict[str, object]:
    """Stored column -> the value a new row gets for an empty cell (or a column left out)."""
    return {
        _STORED_AS.get(c.name, c.name): (c.default == "true" if c.kind is Kind.BOOL else c.default)
        for c in SCHEMAS[entity].columns
        if c.default is not None
    }


def fill_unstated(
    conn: Connection,
    table: str,
    key: str,
    new: pl.DataFrame,
    old: pl.DataFrame,
    defaults: dict[str, object],
    absent: frozenset[str] = frozenset(),
    stored: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``new`` and ``old`` with the empty cells of the columns in ``defaults`` filled: a new
    row gets the default, a stored row keeps its value. A column with a default has no
    "none" to store (a consent state, a flag), so its empty cell only says "not stated",
    as a column left out does; an export from another system with a blank column must
    not turn given consents into pending ones. Stored values are read only for columns
    with an empty cell in a stored row (``absent`` ones are left out of the update), from
    ``stored`` (``key`` and those columns of every stored row) when the caller read it."""
    columns = [c for c in defaults if c in new.columns]
    new = new.with_columns(pl.col(c).fill_null(pl.lit(defaults[c])) for c in columns)
    left_out = {_STORED_AS.get(a, a) for a in absent}
    empty = [c for c in columns if c not in left_out and old[c].null_count()]
    if not empty:
        return new, old
    if stored is None:
        stored = bulk.key_map(conn, table, key, empty)
    kept = stored.select(key, *(pl.col(c).alias(f"_stored_{c}") for c in empty))
    old = (
        old.join(kept, on=key, how="left")
        .with_columns(pl.coalesce(c, f"_stored_{c}").alias(c) for c in empty)
        .drop(f"_stored_{c}" for c in empty)
    )
    return new, old


def differing(
    conn: Connection,
    table: str,
    old: pl.DataFrame,
    stored: pl.DataFrame | None = None,
    *,
    as_sets: bool = True,
) -> pl.DataFrame:
    """The rows of ``old`` (an ``id`` and stored columns) whose values are not those stored
    under their id. Both sides are compared as the table stores them (the file's value cast
    to the column's type: a double, a date, a flag), and none equals none. Rewriting the
    other rows would change nothing but their ``updated_at``, and a re-import of a whole
    registry would record an ``update`` of everyone in it that says nothing happened.

    A list of language codes is compared as a set: ``zh;hmn`` and ``hmn;zh`` say the same
    (pairing asks only whether visitor and household share a language), so a row differing
    in nothing else is unchanged, not written and not audited, and keeps the order stored
    first. A row written for another change is written as the file has it, order included:
    the file is the latest word on the row, and an import does not reorder what it writes.

    ``stored`` is the table's rows (:func:`~doorstep.storage.repositories.bulk.read_rows`,
    ``id`` and at least ``old``'s columns) when the caller read them already. With
    ``as_sets=False`` lists of codes are compared as text, order included.
    """
    cols = [c for c in old.columns if c != "id"]
    if old.height == 0 or not cols:
        return old.clear()
    if stored is None:
        stored = bulk.read_rows(conn, table, ["id", *cols])
    else:
        stored = stored.select("id", *cols)
    mine = old.with_columns(pl.col(c).cast(stored.schema[c]) for c in cols)
    joined = mine.join(stored.rename({c: f"_stored_{c}" for c in cols}), on="id", how="left")
    candidates = joined.filter(
        pl.any_horizontal(
            _differs(pl.col(c), pl.col(f"_stored_{c}"), stored.schema[c]) for c in cols
        )
    )
    sets = [c for c in cols if c in _CODE_SETS] if as_sets else []
    if sets and candidates.height:
        # Only the rows whose text differs are looked at again (few, on a re-import).
        canonical = {c: _as_set(candidates, c, f"_stored_{c}") for c in sets}
        candidates = candidates.filter(
            pl.any_horizontal(
                canonical[c][0].ne_missing(canonical[c][1])
                if c in canonical
                else _differs(pl.col(c), pl.col(f"_stored_{c}"), stored.schema[c])
                for c in cols
            )
        )
    return candidates.select(mine.columns)


#: Stored columns of codes separated by ';' whose order says nothing: compared as sets.
_CODE_SETS = frozenset(
    _STORED_AS.get(c.name, c.name)
    for s in SCHEMAS.values()
    for c in s.columns
    if c.kind is Kind.LANGUAGES
)


def _as_set(frame: pl.DataFrame, *columns: str) -> tuple[pl.Expr, ...]:
    """Each of ``columns`` (codes separated by ';') with its codes sorted, so that equal sets
    read equal. Few distinct texts ("zh", "zh;hmn") stand for many cells: each is sorted
    once in Python and mapped back (sorting a list per cell takes seconds at 1.69M)."""
    texts = pl.concat([frame[c] for c in columns]).drop_nulls().unique()
    norm = pl.Series(
        [SEPARATOR.join(sorted(parse_languages(t))) for t in texts.to_list()], dtype=pl.String
    )
    return tuple(
        pl.col(c).replace_strict(texts, norm, default=None, return_dtype=pl.String) for c in columns
    )


# A spreadsheet keeps 16 significant digits of a double (openpyxl writes "%.16g", as our
# XLSX export does), where a double may need 17: a value that close to the stored one is the
# stored one come back from a spreadsheet, not an edit.
_SPREADSHEET_DIGITS = 1e-15


def _differs(mine: pl.Expr, stored: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Whether the file's value is another than the stored one (none equals none)."""
    if not dtype.is_float():
        return mine.ne_missing(stored)
    apart = (mine - stored).abs() > stored.abs() * _SPREADSHEET_DIGITS
    return pl.when(mine.is_null() | stored.is_null()).then(mine.ne_missing(stored)).otherwise(apart)


def write_changed(
    conn: Connection,
    table: str,
    new: pl.DataFrame,
    old: pl.DataFrame,
    on_rows: Callable[[int], None] | None = None,
    absent: frozenset[str] = frozenset(),
    stored: pl.DataFrame | None = None,
) -> Written:
    """Insert ``new``; of ``old``, update only the rows that the file changes."""
    old = _keep_stored(old, absent)
    changed = differing(conn, table, old, stored)
    bulk.insert_rows(conn, table, new, on_rows=on_rows)
    _update_changed(conn, table, changed, stored)
    bulk.sync_sequence(conn, table)
    return Written(new["id"], changed["id"], old.height - changed.height)


def _update_changed(
    conn: Connection, table: str, changed: pl.DataFrame, stored: pl.DataFrame | None
) -> None:
    """Update the ``changed`` rows, setting what pairing reads only in the rows where it
    changed: the triggers count an update by the columns it sets (migration 0005), so a
    file that changes only addresses or weekdays, written whole, counted as a move of every
    household it changed, and sent each later `pair explain` back to the whole area. A row
    written for another change takes the file's text, its languages' order included (see
    :func:`differing`): that text differing is a write of what pairing reads."""
    read = PAIRING_INPUT_COLUMNS.get(table, ())
    inputs = [c for c in changed.columns if c in read and c != "id"]
    if not inputs or not changed.height:
        bulk.update_rows(conn, table, changed)
        return
    ours = differing(conn, table, changed.select("id", *inputs), stored, as_sets=False)
    moved = changed["id"].is_in(ours["id"].implode())
    bulk.update_rows(conn, table, changed.filter(moved))
    rest = changed.filter(~moved).drop(inputs)
    if rest.width > 1:  # else nothing but what pairing reads is written, in ``moved``
        bulk.update_rows(conn, table, rest)


def load_areas(
    conn: Connection, frame: pl.DataFrame, *, absent: frozenset[str] = frozenset()
) -> Written | list[RowError]:
    """Areas with parent links, materialised paths and depths recomputed for the whole tree
    (an area already stored keeps its parent when the file has no ``parent_code``)."""
    code_of, nodes = _area_nodes(conn, frame, absent)
    paths, cycles = tree_paths(nodes)
    errors = cycle_errors(nodes, cycles) + too_deep(nodes, paths)
    if errors:
        return errors
    schema = {"id": pl.Int64, "path": pl.String, "depth": pl.Int64}
    out = pl.DataFrame(
        [
            {
                "id": n.id,
                "code": code,
                "name": n.name,
                "level": n.level,
                "parent_id": nodes[n.parent].id if n.parent else None,
                "path": paths[code][0],
                "depth": paths[code][1],
            }
            for code, n in nodes.items()
            if n.row is not None
        ],
        schema={
            **schema,
            "code": pl.String,
            "name": pl.String,
            "level": pl.String,
            "parent_id": pl.Int64,
        },
    )
    # Areas not in the file keep their row but may sit under a moved parent: new paths.
    moved = pl.DataFrame(
        [
            {"id": n.id, "path": paths[c][0], "depth": paths[c][1]}
            for c, n in nodes.items()
            if n.row is None
        ],
        schema=schema,
    )
    existing_ids = list(code_of)
    # Insert parents before children: the foreign key is checked row by row on SQLite.
    new = out.filter(~pl.col("id").is_in(existing_ids)).sort("depth")
    old = out.filter(pl.col("id").is_in(existing_ids))
    changed = differing(conn, "areas", old)
    renamed = differing(conn, "areas", changed.select("id", "name"))["id"]
    bulk.insert_rows(conn, "areas", new)
    bulk.update_rows(conn, "areas", changed)
    bulk.update_rows(conn, "areas", differing(conn, "areas", moved))
    bulk.sync_sequence(conn, "areas")
    return Written(
        new["id"],
        changed["id"],
        old.height - changed.height,
        households=_households_in(conn, renamed),
        households_table="areas",
    )


def _households_in(conn: Connection, areas: pl.Series) -> pl.Series:
    """The ids of the households of these areas (not of their sub-areas: a calendar event
    shows the name of its household's own area).

    A rename changes every calendar event of theirs (its ``LOCATION``), and an event's
    ``SEQUENCE`` counts the writes about its household
    (:mod:`doorstep.services.calendars`): an ``update`` event for each makes it rise, so
    phones take the new name. Not a count of the area's writes: a household moved from an
    area written often to one written less would see its number fall."""
    if areas.len() == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    with bulk.id_table(conn, "_renamed_areas", areas) as ids:
        rows = conn.execute(
            text(f"SELECT id FROM households WHERE area_id IN (SELECT id FROM {ids})")
        ).scalars()
        return pl.Series("id", [int(i) for i in rows], dtype=pl.Int64)


def _area_nodes(
    conn: Connection, frame: pl.DataFrame, absent: frozenset[str]
) -> tuple[dict[int, str], dict[str, AreaNode]]:
    """The stored areas with the file's rows laid over them: (code by id, node by code)."""
    db = conn.execute(text("SELECT id, code, name, level, parent_id FROM areas")).all()
    code_of = {r.id: r.code for r in db}
    nodes: dict[str, AreaNode] = {}
    for r in db:
        parent = code_of[r.parent_id] if r.parent_id else None
        nodes[r.code] = AreaNode(r.id, parent, r.name, r.level, None, parent, stored=True)
    next_id = max(code_of, default=0) + 1
    for row in frame.iter_rows(named=True):
        node = nodes.get(row["code"])
        if node is None:
            node = nodes[row["code"]] = AreaNode(next_id, None, "", "", None)
            next_id += 1
        if "parent_code" not in absent:
            node.parent = row["parent_code"]
        node.name, node.level = row["name"], row["level"]
        node.row = row[ROW]
    return code_of, nodes


def area_tree_errors(
    conn: Connection, frame: pl.DataFrame, *, absent: frozenset[str] = frozenset()
) -> list[RowError]:
    """The cycles and too-deep paths of a file refused for other errors, read from its
    rows with a code, so that one run names them too (a too-long name would otherwise hide
    a cycle until it is fixed). A parent no row or stored area has is left out."""
    rows = frame.filter(pl.col("code").is_not_null()).unique("code", maintain_order=True)
    _, nodes = _area_nodes(conn, rows, absent)
    for node in nodes.values():
        if node.parent is not None and node.parent not in nodes:
            node.parent = None
    paths, cycles = tree_paths(nodes)
    return cycle_errors(nodes, cycles) + too_deep(nodes, paths)


def load_organisations(
    conn: Connection, frame: pl.DataFrame, *, absent: frozenset[str] = frozenset()
) -> Written:
    f = _resolve(frame.drop(ROW), conn, "area_code", "areas", "area_id")
    new, old = _split_new(f, conn, "organisations", "code", "code")
    new, old = fill_unstated(
        conn, "organisations", "code", new, old, _defaults("organisations"), absent
    )
    return write_changed(conn, "organisations", new, old, absent=absent)


def load_teams(
    conn: Connection, frame: pl.DataFrame, *, absent: frozenset[str] = frozenset()
) -> Written:
    f = _resolve(frame.drop(ROW), conn, "area_code", "areas", "area_id")
    f = _resolve(f, conn, "organisation_code", "organisations", "organisation_id")
    new, old = _split_new(f, conn, "teams", "code", "code")
    return write_changed(conn, "teams", new, old, absent=absent)


def load_visitors(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    on_rows: Callable[[int], None] | None = None,
    absent: frozenset[str] = frozenset(),
) -> Written | list[RowError]:
    """Visitors and their team membership (left as it is when the file has no
    ``team_code``; a lead of the same team keeps the flag when ``is_team_lead`` is
    empty or not in the file, a new member is not the lead). A file that would give a
    team a second lead is refused (:func:`second_leads`)."""
    if "team_code" not in absent and (errors := second_leads(conn, frame)):
        return errors
    f = frame.drop(ROW).rename({"visitor_id": "external_id"})
    f = _resolve(f, conn, "organisation_code", "organisations", "organisation_id")
    f = _resolve(f, conn, "home_area_code", "areas", "home_area_id")
    f = _resolve(f, conn, "service_area_code", "areas", "service_area_id")
    team = f.select("external_id", "team_code", "is_team_lead")
    f = f.drop("team_code", "is_team_lead")
    # The stored rows, read once (typed as stored) for the ids and the comparison, as a
    # households import reads its table: a re-import of every visitor reads it once.
    stored = bulk.read_rows(conn, "visitors", ["id", *f.columns])
    new, old = _split_new(f, conn, "visitors", "external_id", "external_id", stored)
    written = write_changed(conn, "visitors", new, old, on_rows, absent, stored)
    ids = pl.concat([new.select("external_id", "id"), old.select("external_id", "id")])
    if "team_code" in absent:
        if "is_team_lead" in absent:
            return written
        return _with_team_updates(written, _set_lead_flags(conn, team, ids), new["id"])
    members = _resolve(team.join(ids, on="external_id"), conn, "team_code", "teams", "team_id")
    stored = bulk.read_rows(conn, "team_members", ["visitor_id", "team_id", "is_lead"])
    if members["is_team_lead"].null_count():
        was_lead = stored.filter("is_lead").select(
            "team_id", pl.col("visitor_id").alias("id"), pl.lit(True).alias("_was_lead")
        )
        members = (
            members.join(was_lead, on=["team_id", "id"], how="left")
            .with_columns(
                pl.coalesce("is_team_lead", "_was_lead", pl.lit(False)).alias("is_team_lead")
            )
            .drop("_was_lead")
        )
    # A visitor is in at most the team named in the latest import: the memberships of the
    # visitors for whom that is not what is stored are written again, the others left.
    held = stored.group_by("visitor_id").agg(
        pl.len().alias("_teams"), pl.first("team_id").alias("_team"), pl.first("is_lead")
    )
    moved = (
        members.join(held, left_on="id", right_on="visitor_id", how="left")
        .filter(
            (pl.col("_teams").fill_null(0) != pl.col("team_id").is_not_null().cast(pl.UInt32))
            | (
                pl.col("team_id").is_not_null()
                & (
                    pl.col("_team").ne_missing(pl.col("team_id"))
                    | pl.col("is_lead").ne_missing(pl.col("is_team_lead"))
                )
            )
        )
        .select(members.columns)
    )
    bulk.delete_rows(conn, "team_members", "visitor_id", moved["id"])
    bulk.insert_rows(
        conn,
        "team_members",
        moved.filter(pl.col("team_id").is_not_null()).select(
            "team_id", pl.col("id").alias("visitor_id"), pl.col("is_team_lead").alias("is_lead")
        ),
    )
    return _with_team_updates(written, moved["id"], new["id"])


def second_leads(conn: Connection, frame: pl.DataFrame) -> list[RowError]:
    """The rows that make a team's lead true while it would have another: one of the
    file's own, or a stored lead whose visitor the file leaves as it is. A team has one
    lead (docs/glossary.md), and an import stored any number unsaid. Only rows stating
    ``true`` are named: a lead stored before, kept by an empty cell, refuses nothing by
    itself (a team that has two from before is not refused for rows that change neither)."""
    stated = frame.filter(pl.col("team_code").is_not_null() & pl.col("is_team_lead").eq(True))
    if not stated.height:
        return []
    rows = conn.execute(
        text(
            "SELECT v.external_id, t.code FROM team_members m "
            "JOIN visitors v ON v.id = m.visitor_id JOIN teams t ON t.id = m.team_id "
            "WHERE m.is_lead"
        )
    ).all()
    stored = pl.DataFrame(
        [(str(v), str(t)) for v, t in rows],
        schema={"visitor_id": pl.String, "team_code": pl.String},
        orient="row",
    )
    # A stored lead stays one unless the file's row for that visitor says otherwise: a
    # row of the same team with an empty is_team_lead keeps the flag, any other ends it.
    in_file = frame.select("visitor_id", pl.col("team_code").alias("_team"), "is_team_lead")
    kept = (
        stored.join(in_file, on="visitor_id", how="left")
        .filter(
            (pl.col("_team").is_null() & ~pl.col("visitor_id").is_in(frame["visitor_id"].implode()))
            | ((pl.col("_team") == pl.col("team_code")) & pl.col("is_team_lead").is_null())
        )
        .group_by("team_code")
        .agg(pl.len().alias("_stored"))
    )
    counted = (
        stated.group_by("team_code")
        .agg(pl.col(ROW).sort().alias("_rows"))
        .join(kept, on="team_code", how="left")
        .with_columns(pl.col("_stored").fill_null(0))
        .filter(pl.col("_rows").list.len() + pl.col("_stored") > 1)
    )
    errors: list[RowError] = []
    for team, rows_of, n_stored in counted.iter_rows():
        where = ", ".join(str(r) for r in rows_of)
        both = (
            Say("rows %(rows)s", rows=where)
            if len(rows_of) > 1
            else Say("row %(rows)s", rows=where)
        )
        if n_stored:
            both = Say(
                "%(rows)s and a lead already stored, whose row the file does not change",
                rows=both,
            )
        reason = Say(
            "team %(team)s would have %(n)s leads (%(which)s); a team has one lead: set "
            "is_team_lead to false for all but one",
            team=team,
            n=len(rows_of) + n_stored,
            which=both,
        )
        # No value quoted: the cell may say yes, 1 or TRUE, and the reason says it all.
        errors += [RowError.said(int(r), "is_team_lead", "", reason) for r in rows_of]
    return errors


def _set_lead_flags(conn: Connection, team: pl.DataFrame, ids: pl.DataFrame) -> pl.Series:
    """Without a ``team_code`` column, a stated ``is_team_lead`` (only ``false`` passes the
    checks: a lead needs its team in the row) applies to the team the visitor is in; returns
    the visitors whose flag changed."""
    flags = team.filter(pl.col("is_team_lead").is_not_null()).join(ids, on="external_id")
    stored = bulk.read_rows(conn, "team_members", ["id", "visitor_id", "is_lead"])
    changed = stored.join(
        flags.select(pl.col("id").alias("visitor_id"), "is_team_lead"), on="visitor_id"
    ).filter(pl.col("is_lead") != pl.col("is_team_lead"))
    bulk.update_rows(
        conn, "team_members", changed.select("id", pl.col("is_team_lead").alias("is_lead"))
    )
    return changed["visitor_id"]


def _with_team_updates(written: Written, members: pl.Series, created: pl.Series) -> Written:
    """A stored visitor whose team or lead changed is updated, as one whose row changed."""
    also = members.filter(~members.is_in(created.implode()))
    updated = pl.concat([written.updated, also]).unique()
    return Written(
        written.created, updated, written.unchanged - (updated.len() - written.updated.len())
    )


def load_households(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    recorded_by: str,
    evidence: str,
    today: dt.date,
    on_rows: Callable[[int], None] | None = None,
    absent: frozenset[str] = frozenset(),
) -> Written:
    """Households with their current consent act; a replaced act goes to consent_records.
    A household already stored keeps its consent when its ``consent`` is empty or the
    file has no such column; a new one is then pending.

    The current act is the latest by its date: an act dated before the stored one (a form
    signed before a withdrawal and entered after it) goes straight to consent_records, and
    the stored act stays in force; the household counts as updated (its history grew). The
    stored consent with another date re-dates the act in force (see :func:`_redating`)."""
    f = frame.drop(ROW).rename({"household_id": "external_id", "consent": "consent_state"})
    f = _resolve(f, conn, "area_code", "areas", "area_id")
    before = [
        "consent_state",
        "consent_since",
        "consent_recorded_by",
        "consent_evidence",
        "consent_entered_on",
    ]
    columns = [c for c in f.columns if c != "consent_date"] + before[1:]
    # The stored rows, read once (typed as stored) for the consent acts, the empty cells
    # and the comparison: a re-import of a whole registry reads the table once, not thrice.
    stored = bulk.read_rows(conn, "households", ["id", *columns])
    existing = stored.select("external_id", "id", *(pl.col(c).alias(f"_{c}") for c in before))
    changed = pl.col("_consent_state").is_null() | (
        pl.col("_consent_state") != pl.col("consent_state")
    )
    pending = pl.col("consent_state") == ConsentState.PENDING.value
    # A re-dated act is written as a changed one is: by whom, and from which file.
    restated = changed | pl.col("_redate")
    act = [
        pl.when(changed)
        .then(
            pl.when(pending)
            .then(pl.col("consent_date"))
            .otherwise(pl.col("consent_date").fill_null(today))
        )
        .when(pl.col("_redate"))
        .then(pl.col("consent_date"))
        .otherwise(pl.col("_consent_since"))
        .alias("consent_since"),
        pl.when(restated)
        .then(pl.lit(recorded_by))
        .otherwise(pl.col("_consent_recorded_by"))
        .alias("consent_recorded_by"),
        pl.when(restated)
        .then(pl.lit(evidence))
        .otherwise(pl.col("_consent_evidence"))
        .alias("consent_evidence"),
        # The day it was entered, from which an undated act counts (``consent_on``).
        pl.when(restated)
        .then(pl.lit(today))
        .otherwise(pl.col("_consent_entered_on"))
        .alias("consent_entered_on"),
    ]
    earlier = (
        changed
        & pl.col("consent_date").is_not_null()
        & pl.col("_consent_since").is_not_null()
        & (pl.col("consent_date") < pl.col("_consent_since"))
    ).fill_null(False) | pl.col("_before_other")
    joined = f.join(existing, on="external_id", how="left")
    # An act the household's history holds already (an old registry imported again) is
    # not news: such rows keep the act in force, as if their consent cells were the stored.
    stale = _stale_acts(conn, joined)
    is_stale = pl.col("id").is_in(stale.implode())
    joined = joined.with_columns(
        pl.when(is_stale)
        .then(pl.col("_consent_state"))
        .otherwise("consent_state")
        .alias("consent_state"),
        pl.when(is_stale)
        .then(pl.col("_consent_since"))
        .otherwise("consent_date")
        .alias("consent_date"),
    )
    joined = joined.join(_redating(conn, joined), on="id", how="left").with_columns(
        pl.col("_redate", "_before_other").fill_null(False)
    )
    joined = (
        joined.with_columns(earlier.alias("_earlier"), pl.col("consent_state").alias("_incoming"))
        .with_columns(
            pl.when(pl.col("_earlier"))
            .then(pl.col("_consent_state"))
            .otherwise(
                pl.coalesce("consent_state", "_consent_state", pl.lit(ConsentState.PENDING.value))
            )
            .alias("consent_state")
        )
        .with_columns(*act, changed.alias("_changed"))
    )
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, "households")
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    old = joined.filter(pl.col("id").is_not_null())
    # The acts being replaced, written before the rows that replace them, and the acts that
    # came in dated before the one in force, which only join the history.
    # Each kept with the day it was entered and the day it came to the history (today); an
    # undated one dated by the day it was entered, from which it counted (else today, as
    # ``household_consent.replaced_act_day`` does).
    replaced = old.filter(pl.col("_changed") & ~pl.col("_earlier")).select(
        pl.col("id").alias("household_id"),
        pl.col("_consent_state").alias("action"),
        pl.lit("programme").alias("scope"),
        pl.coalesce("_consent_since", "_consent_entered_on", pl.lit(today)).alias("recorded_on"),
        pl.col("_consent_recorded_by").fill_null("unknown").alias("recorded_by"),
        pl.col("_consent_evidence").fill_null("").alias("evidence"),
        pl.col("_consent_entered_on").alias("entered_on"),
        pl.lit(today).alias("replaced_on"),
    )
    late = old.filter(pl.col("_earlier")).select(
        pl.col("id").alias("household_id"),
        pl.col("_incoming").alias("action"),
        pl.lit("programme").alias("scope"),
        pl.col("consent_date").alias("recorded_on"),
        pl.lit(recorded_by).alias("recorded_by"),
        pl.lit(evidence).alias("evidence"),
        pl.lit(today).alias("entered_on"),
        pl.lit(today).alias("replaced_on"),
    )
    late = _not_yet_recorded(conn, late)
    bulk.insert_rows(conn, "consent_records", pl.concat([replaced, late]))
    new, old = fill_unstated(
        conn,
        "households",
        "external_id",
        new.select(["id", *columns]),
        old.select(["id", *columns]),
        _defaults("households"),
        absent,
        stored,
    )
    written = write_changed(
        conn,
        "households",
        new,
        old,
        on_rows,
        absent - {"consent", "consent_date"},  # the act's columns are handled above
        stored,
    )
    if stale.len():
        n = stale.len()
        again = (
            Say(
                "%(n)s households' consent acts in the file are already in their consent "
                "history (an older registry?): not applied again; the act in force stays. "
                "To record one anew, give it a consent_date not in the history.",
                n=n,
            )
            if n > 1
            else Say(
                "%(n)s household's consent act in the file is already in its consent "
                "history (an older registry?): not applied again; the act in force stays. "
                "To record one anew, give it a consent_date not in the history.",
                n=n,
            )
        )
        written = replace(written, notes=(*written.notes, Said(again)))
    later = joined.filter(
        pl.col("id").is_not_null()
        & (pl.col("_consent_state") == ConsentState.WITHDRAWN.value)
        & _withdrawal_dated_later()
    ).height
    if later:
        kept = (
            Say(
                "%(n)s withdrawals dated after the one in force left as they were: a "
                "withdrawal counts from its first date.",
                n=later,
            )
            if later > 1
            else Say(
                "%(n)s withdrawal dated after the one in force left as they were: a "
                "withdrawal counts from its first date.",
                n=later,
            )
        )
        written = replace(written, notes=(*written.notes, Said(kept)))
    redated = int(joined["_redate"].sum())
    if redated:
        corrected = (
            Say(
                "%(n)s households with the same consent and another consent_date: their "
                "current consent act was re-dated, as a correction.",
                n=redated,
            )
            if redated > 1
            else Say(
                "%(n)s household with the same consent and another consent_date: its "
                "current consent act was re-dated, as a correction.",
                n=redated,
            )
        )
        written = replace(written, notes=(Said(corrected),))
    if not late.height:
        return written
    grew = late["household_id"].filter(~late["household_id"].is_in(written.updated.implode()))
    n = late.height
    return Written(
        written.created,
        pl.concat([written.updated, grew]),
        written.unchanged - grew.len(),
        notes=(
            *written.notes,
            Said(
                Say(
                    "%(n)s consent acts dated before the household's current one went to "
                    "their history; the current act stays in force.",
                    n=n,
                )
                if n > 1
                else Say(
                    "%(n)s consent act dated before the household's current one went to its "
                    "history; the current act stays in force.",
                    n=n,
                )
            ),
        ),
    )


def _withdrawal_dated_later() -> pl.Expr:
    """A row bringing a withdrawal dated after the stored act. Never a re-dating: it would
    give the household, for the days between, consent it had withdrawn (a withdrawal counts
    from its first date)."""
    return (pl.col("consent_state") == ConsentState.WITHDRAWN.value) & (
        pl.col("consent_date") > pl.col("_consent_since")
    ).fill_null(False)


def _consent_history(conn: Connection, households: pl.Series) -> pl.DataFrame:
    """The consent histories of these households: ``id, action, day``."""
    with bulk.id_table(conn, "_consent_of", households) as ids:
        rows = conn.execute(
            text(
                "SELECT household_id, action, recorded_on FROM consent_records "
                f"WHERE household_id IN (SELECT id FROM {ids})"
            )
        ).all()
    return pl.DataFrame(
        [(int(h), str(a), str(d)[:10]) for h, a, d in rows],
        schema={"id": pl.Int64, "action": pl.String, "day": pl.String},
        orient="row",
    ).with_columns(pl.col("day").str.to_date("%Y-%m-%d"))


def _stale_acts(conn: Connection, joined: pl.DataFrame) -> pl.Series:
    """The stored households whose row brings another consent than the act in force, one
    their consent history already holds: the same decision on the same day, or, undated,
    the same decision at all (a registry exported earlier dates every act but ``pending``;
    an undated act would otherwise count from today and undo what replaced it).

    A withdrawal is stale only when dated before the act in force (an act made since
    superseded it): otherwise it is applied, undated from today, and on the day of a
    ``given`` in force it wins. Dropping it would keep a household consenting that said no.
    """
    superseded = (pl.col("consent_date") < pl.col("_consent_since")).fill_null(False)
    candidates = joined.filter(
        pl.col("id").is_not_null()
        & pl.col("consent_state").is_not_null()
        & pl.col("consent_state").ne_missing(pl.col("_consent_state"))
        & ((pl.col("consent_state") != ConsentState.WITHDRAWN.value) | superseded)
    ).select("id", "consent_state", "consent_date")
    if not candidates.height:
        return pl.Series("id", [], pl.Int64)
    history = _consent_history(conn, candidates["id"]).rename({"action": "consent_state"})
    held = candidates.join(history, on=["id", "consent_state"]).filter(
        pl.col("consent_date").is_null() | (pl.col("consent_date") == pl.col("day"))
    )
    return held["id"].unique()


def _redating(conn: Connection, joined: pl.DataFrame) -> pl.DataFrame:
    """Of the stored households whose row keeps their consent but gives it another date,
    which re-date their current act (``_redate``: a correction, the form's day entered
    wrong or not at all) and which bring an act dated before one of another decision in
    their history (``_before_other``: an earlier act, which joins the history as one of
    another consent does). One whose act, that date included, is in the history already
    is neither: an old registry imported again is not news.

    Only a ``given`` or ``withdrawn`` act bounds a re-dating: a ``pending`` one decides
    nothing, and its recorded day may be only the day it was replaced. A withdrawal is
    never re-dated later (the row is then not news): it counts from its first date."""
    flags = {"id": pl.Int64, "_redate": pl.Boolean, "_before_other": pl.Boolean}
    candidates = joined.filter(
        pl.col("id").is_not_null()
        & (pl.col("consent_state") == pl.col("_consent_state"))
        & pl.col("consent_date").is_not_null()
        & pl.col("consent_date").ne_missing(pl.col("_consent_since"))
        & ~_withdrawal_dated_later()
    ).select("id", "consent_state", "consent_date")
    if not candidates.height:
        return pl.DataFrame(schema=flags)
    history = _consent_history(conn, candidates["id"])
    known = candidates.join(
        history,
        left_on=["id", "consent_state", "consent_date"],
        right_on=["id", "action", "day"],
        how="semi",
    )["id"]
    bound = (
        history.join(candidates.select("id", "consent_state"), on="id")
        .filter(
            (pl.col("action") != pl.col("consent_state"))
            & (pl.col("action") != ConsentState.PENDING.value)
        )
        .group_by("id")
        .agg(pl.col("day").max().alias("_bound"))
    )
    before = (pl.col("consent_date") < pl.col("_bound")).fill_null(False)
    return (
        candidates.filter(~pl.col("id").is_in(known.implode()))
        .join(bound, on="id", how="left")
        .select("id", (~before).alias("_redate"), before.alias("_before_other"))
    )


def _not_yet_recorded(conn: Connection, acts: pl.DataFrame) -> pl.DataFrame:
    """Of ``acts`` (``household_id, action, recorded_on``, ...), those the households'
    consent histories do not hold yet: an old registry imported again brings the acts it
    held then, which are history already, not news."""
    if not acts.height:
        return acts
    with bulk.id_table(conn, "_late_consent", acts["household_id"]) as ids:
        rows = conn.execute(
            text(
                "SELECT household_id, action, recorded_on FROM consent_records "
                f"WHERE household_id IN (SELECT id FROM {ids})"
            )
        ).all()
    key = ["household_id", "action", "_day"]
    known = pl.DataFrame(
        [(int(h), str(a), str(d)) for h, a, d in rows],
        schema={"household_id": pl.Int64, "action": pl.String, "_day": pl.String},
        orient="row",
    )
    return (
        acts.with_columns(pl.col("recorded_on").cast(pl.String).alias("_day"))
        .join(known, on=key, how="anti")
        .drop("_day")
    )


def load_indicators(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    on_rows: Callable[[int], None] | None = None,
    absent: frozenset[str] = frozenset(),
) -> Written:
    """A household's figures by year; the result names the households whose figures were
    written, since they are that household's data (and audited under it)."""
    f = frame.drop(ROW)
    hh = bulk.key_map(conn, "households", "external_id").rename(
        {"external_id": "household_id", "id": "hid"}
    )
    f = (
        f.join(hh, on="household_id", how="inner")
        .drop("household_id")
        .rename({"hid": "household_id"})
    )
    existing = bulk.read_rows(conn, "household_indicators", ["household_id", "year", "id"])
    joined = f.join(existing, on=["household_id", "year"], how="left")
    new = joined.filter(pl.col("id").is_null())
    start = bulk.next_id(conn, "household_indicators")
    new = new.with_columns(pl.int_range(start, start + new.height, dtype=pl.Int64).alias("id"))
    old = joined.filter(pl.col("id").is_not_null())
    written = write_changed(conn, "household_indicators", new, old, on_rows, absent)
    touched = pl.concat(
        [
            new["household_id"],
            old.filter(pl.col("id").is_in(written.updated.implode()))["household_id"],
        ]
    )
    return replace(written, households=touched.unique())
