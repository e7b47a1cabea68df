"""Queries behind database-mode pairing: the scope of an area, proposals, pairings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Connection, Date, DateTime, bindparam, func, select, text, update

from doorstep import remedies
from doorstep.errors import NotFound
from doorstep.say import Say, joined
from doorstep.storage.repositories.counted_writes import counted_once
from doorstep.storage.repositories.lookups import database_opened, holds_none
from doorstep.storage.repositories.reads import frame
from doorstep.storage.session import take_turn
from doorstep.storage.tables import Area, PairingProposal

if TYPE_CHECKING:
    from doorstep.domain.reach import Box  # numpy: for pairing, not every command


def area_by_code(conn: Connection, code: str) -> tuple[int, str, str]:
    """``(id, path, name)`` of the area with ``code``."""
    row = conn.execute(
        text("SELECT id, path, name FROM areas WHERE code = :code"), {"code": code}
    ).one_or_none()
    if row is None:
        raise NotFound(
            Say(
                "no area with code %(code)s%(empty)s%(hint)s",
                code=repr(code),
                empty=_if_empty(conn),
                hint=same_but_case(conn, code),
            )
        )
    return int(row[0]), str(row[1]), str(row[2])


def same_but_case(conn: Connection, code: str) -> Say | str:
    """``"; did you mean 'GZ-14'?"`` where an area's code differs from ``code`` only in
    case (codes are kept as typed, and told apart by case), else nothing: a part of the
    sentence it ends, in the page's language there."""
    found = conn.execute(
        text("SELECT code FROM areas WHERE LOWER(code) = LOWER(:code) ORDER BY code LIMIT 3"),
        {"code": code},
    ).scalars()
    names = [repr(str(c)) for c in found]
    return Say("; did you mean %(codes)s?", codes=joined(names, " or ")) if names else ""


def _if_empty(conn: Connection) -> Say | str:
    """Where no area is stored at all, which database was opened: a relative SQLite path
    (the default ``var/doorstep.db``) run from another folder opens a new, empty one. The
    command line names it; the API and the pages, the programme's (:mod:`doorstep.remedies`)."""
    if not holds_none(conn, "areas"):
        return ""
    return Say(
        " (%(database)s holds no areas: %(remedy)s)",
        database=remedies.database(database_opened(conn)),
        remedy=remedies.import_first("areas", "import them, or set DOORSTEP_DATABASE_URL"),
    )


_SCOPE_HOUSEHOLDS = """
        SELECT h.id, h.external_id, h.lat, h.lon, h.languages, h.consent_state, h.area_id,
               h.remote_pool, p.visitor_id AS current_visitor
        FROM households h JOIN areas a ON a.id = h.area_id
        LEFT JOIN pairings p ON p.household_id = h.id AND p.ended_on IS NULL
        WHERE a.path LIKE :prefix {only}
        ORDER BY h.id
"""

_SCOPE_HOUSEHOLD_COLUMNS: dict[str, Any] = {
    "id": pl.Int64,
    "external_id": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "languages": pl.String,
    "consent_state": pl.String,
    "area_id": pl.Int64,
    "remote_pool": pl.String,
    "current_visitor": pl.Int64,
}


def _with_area_paths(households: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """``households`` with their area's path after ``area_id``, from ``areas``
    (:func:`all_areas`): joined here from the few areas rather than sent once per household
    (1.69M strings in a region)."""
    paths = areas.select(pl.col("id").alias("area_id"), pl.col("path").alias("area_path"))
    joined = households.join(paths, on="area_id", how="left", maintain_order="left")
    cols = households.columns
    after = cols.index("area_id") + 1
    return joined.select(*cols[:after], "area_path", *cols[after:])


def scope_households(conn: Connection, path: str, areas: pl.DataFrame) -> pl.DataFrame:
    """Every household in the subtree, with its current visitor (if any) and its area's path
    (where the area sits in the tree: moving an area changes which service areas hold it),
    from ``areas`` (:func:`all_areas`, read once for the scope)."""
    found = frame(
        conn, _SCOPE_HOUSEHOLDS.format(only=""), {"prefix": path + "%"}, _SCOPE_HOUSEHOLD_COLUMNS
    )
    return _with_area_paths(found, areas)


def _in_areas(sql: str, area_ids: list[int]) -> str:
    """``sql`` (a query of an area's subtree by ``:prefix``) for the households of the areas
    ``area_ids`` instead, wherever those areas sit in the tree now. The ids are integers
    written into the statement: a subtree's few thousand at most, and ``frame`` sends
    PostgreSQL's parameters as literals anyway."""
    among = f"h.area_id IN ({', '.join(str(int(a)) for a in area_ids) or 'NULL'})"
    out = sql.replace("a.path NOT LIKE :prefix", f"NOT ({among})")
    out = out.replace("a.path LIKE :prefix", among)
    if ":prefix" in out:  # a query written another way: fail here, not with wrong rows
        raise ValueError("the query tests the subtree in a way _in_areas does not know")
    return out


def households_of_areas(conn: Connection, area_ids: list[int]) -> pl.DataFrame:
    """What :func:`scope_households` gives for a subtree that held exactly ``area_ids``."""
    found = frame(
        conn, _in_areas(_SCOPE_HOUSEHOLDS.format(only=""), area_ids), {}, _SCOPE_HOUSEHOLD_COLUMNS
    )
    return _with_area_paths(found, all_areas(conn))


def scope_household(
    conn: Connection, path: str, household_id: int, areas: pl.DataFrame
) -> pl.DataFrame:
    """The row :func:`scope_households` gives for one household (none: not in the subtree)."""
    found = frame(
        conn,
        _SCOPE_HOUSEHOLDS.format(only="AND h.id = :hid"),
        {"prefix": path + "%", "hid": household_id},
        _SCOPE_HOUSEHOLD_COLUMNS,
    )
    return _with_area_paths(found, areas)


def _box_params(box: Box) -> dict[str, float]:
    (w1, e1), (w2, e2) = box.lon
    return {"lat_lo": box.lat_lo, "lat_hi": box.lat_hi, "w1": w1, "e1": e1, "w2": w2, "e2": e2}


def visitors_in_box_params(path: str, box: Box) -> dict[str, object]:
    """The parameters of :data:`VISITORS_IN_BOX` for the subtree at ``path`` and ``box``."""
    return {"prefix": path + "%", **_box_params(box)}


#: The end of both visitor queries, after a CTE ``fixed_v`` of the visitors that stay
#: whatever the distance: with those of the box they make ``scope_v``, each with its places
#: taken by households outside the subtree and whether it is fixed.
_IN_BOX_AND_PLACES = """), scope_v AS (
    SELECT id FROM fixed_v
    UNION
    SELECT v.id FROM visitors v
    WHERE v.remote_pool IS NULL AND v.lat BETWEEN :lat_lo AND :lat_hi
      AND (v.lon BETWEEN :w1 AND :e1 OR v.lon BETWEEN :w2 AND :e2)
), busy AS (
    SELECT p.visitor_id AS id, COUNT(*) AS n FROM pairings p
    JOIN households h ON h.id = p.household_id JOIN areas a ON a.id = h.area_id
    WHERE p.ended_on IS NULL AND a.path NOT LIKE :prefix
      AND p.visitor_id IN (SELECT id FROM scope_v)
    GROUP BY p.visitor_id
)
SELECT v.id, v.external_id, v.lat, v.lon, v.languages, v.capacity,
       v.active_from, v.active_to, v.service_area_id, v.remote_pool,
       COALESCE(b.n, 0) AS busy_elsewhere,
       CASE WHEN f.id IS NULL THEN 0 ELSE 1 END AS fixed
FROM visitors v
LEFT JOIN busy b ON b.id = v.id
LEFT JOIN fixed_v f ON f.id = v.id
WHERE v.id IN (SELECT id FROM scope_v)
ORDER BY v.id
"""

#: The query of :func:`visitors_in_box` (its parameters: :func:`visitors_in_box_params`).
VISITORS_IN_BOX = (
    """
WITH scope_h AS (
    SELECT h.id, h.remote_pool FROM households h JOIN areas a ON a.id = h.area_id
    WHERE a.path LIKE :prefix
), fixed_v AS (
    SELECT p.visitor_id AS id FROM pairings p JOIN scope_h s ON s.id = p.household_id
    WHERE p.ended_on IS NULL
    UNION
    SELECT v.id FROM visitors v
    WHERE v.remote_pool IN (SELECT remote_pool FROM scope_h WHERE remote_pool IS NOT NULL)
"""
    + _IN_BOX_AND_PLACES
)


_VISITOR_COLUMNS: dict[str, Any] = {
    "id": pl.Int64,
    "external_id": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "languages": pl.String,
    "capacity": pl.Int64,
    "active_from": pl.Date,
    "active_to": pl.Date,
    "service_area_id": pl.Int64,
    "remote_pool": pl.String,
    "busy_elsewhere": pl.Int64,
    "fixed": pl.Int64,
}


def visitors_in_box(conn: Connection, path: str, box: Box) -> pl.DataFrame:
    """The visitors a proposal for the subtree at ``path`` may consider: those who look after
    one of its households now or travel in a remote pool one of them names (``fixed`` is 1:
    they stay whatever the distance), and every local visitor (no remote pool) whose home is
    in ``box``, whatever their home or service area, or none.

    ``busy_elsewhere`` counts their open pairings with households outside the subtree:
    that much of their capacity is not free for this area.

    Both are joins on sets, not a subquery per visitor (``NOT IN``, ``IN`` in the select
    list): on PostgreSQL, with statistics taken before the pairings were written (as in
    `pair commit`'s own transaction, or after an import), those ran once per visitor over
    every open pairing, and at 200k households did not finish in minutes. The area's
    households are joined to their pairings, and their pools taken with them, rather than
    looked up one by one through ``IN``: PostgreSQL cannot tell how many distinct ids such a
    subquery holds and chose an index lookup per household (a region's visitors: 17-19 s,
    now about 4 s).
    """
    return frame(
        conn,
        VISITORS_IN_BOX,
        visitors_in_box_params(path, box),
        _VISITOR_COLUMNS,
    )


def visitors_in_box_of_areas(conn: Connection, area_ids: list[int], box: Box) -> pl.DataFrame:
    """What :func:`visitors_in_box` gives for a subtree that held exactly ``area_ids``: its
    households are theirs, and ``busy_elsewhere`` counts pairings with anyone else's."""
    params: dict[str, object] = {**_box_params(box)}
    return frame(conn, _in_areas(VISITORS_IN_BOX, area_ids), params, _VISITOR_COLUMNS)


#: The visitors of :func:`visitors_near_household`: as :data:`VISITORS_IN_BOX`, for one
#: household's box instead of the subtree's, with the pools named anywhere in the subtree.
_VISITORS_NEAR_HOUSEHOLD = (
    """
WITH pools AS (
    SELECT DISTINCT h.remote_pool FROM households h JOIN areas a ON a.id = h.area_id
    WHERE a.path LIKE :prefix AND h.remote_pool IS NOT NULL
), fixed_v AS (
    SELECT p.visitor_id AS id FROM pairings p
    WHERE p.household_id = :hid AND p.ended_on IS NULL
    UNION
    SELECT v.id FROM visitors v JOIN pools ON pools.remote_pool = v.remote_pool
    UNION
    SELECT v.id FROM visitors v
    WHERE v.remote_pool IS NOT NULL AND EXISTS (
        SELECT 1 FROM pairings p
        JOIN households h ON h.id = p.household_id JOIN areas a ON a.id = h.area_id
        WHERE p.visitor_id = v.id AND p.ended_on IS NULL AND a.path LIKE :prefix
    )
"""
    + _IN_BOX_AND_PLACES
)


def visitors_near_household(
    conn: Connection, path: str, household_id: int, box: Box
) -> pl.DataFrame:
    """What :func:`visitors_in_box` gives for the subtree at ``path`` of the visitors that
    can matter to one of its households: those whose home is in ``box`` (the household's
    reach), the visitors of every remote pool the subtree names, every visitor of a remote
    pool who looks after a household of the subtree now (the engine lists pool visitors as
    alternatives at any distance, and the area's scope holds these even when no household
    names their pool any more), and the household's own visitor (``fixed``: all but those
    of the box). ``busy_elsewhere`` counts, as there, open pairings with households outside
    the subtree."""
    return frame(
        conn,
        _VISITORS_NEAR_HOUSEHOLD,
        {**visitors_in_box_params(path, box), "hid": household_id},
        _VISITOR_COLUMNS,
    )


#: Key of PostgreSQL's transaction-level advisory lock that pairing commits, plans, imports
#: and erasures take ("door").
PAIRING_LOCK = 0x646F6F72


def lock_pairings(conn: Connection) -> int:
    """Hold the pairing write lock until the caller's transaction ends; how many times it
    was taken before (:func:`lock_takes`), this transaction's earlier takes included.

    A commit checks that its proposal is not stale, then writes; with this lock taken
    before the check, a second commit waits for the first to finish and then sees its
    writes. PostgreSQL: a transaction-level advisory lock (each later statement, at READ
    COMMITTED, reads what committed before it). SQLite: the database's one write lock
    (:func:`~doorstep.storage.session.take_turn`): a transaction that has written nothing
    yet is begun again with it, waiting for another writer to finish (an import waits for
    a commit, and then reads what it wrote), so what its caller read before the lock is of
    an earlier snapshot, as it was when each read was a transaction of its own: callers
    read what they check after it. One that has written already holds the lock. A write
    lock held by another connection for longer than the busy timeout (10 s) is a
    :class:`~doorstep.errors.Conflict`, not a traceback.

    Each take adds one to the count in ``pairing_lock_takes``, in the caller's transaction:
    a plan that read without the lock compares the count from before its reading with the
    one this returns (``docs/planning.md``).
    """
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PAIRING_LOCK})
    else:
        take_turn(conn)
    taken = conn.execute(
        text(
            "INSERT INTO pairing_lock_takes (id, taken) VALUES (1, 1) ON CONFLICT (id) "
            "DO UPDATE SET taken = pairing_lock_takes.taken + 1 RETURNING taken"
        )
    ).scalar_one()
    return int(taken) - 1


def lock_takes(conn: Connection) -> int:
    """How many times the pairing lock has been taken by transactions committed (and by
    this one): see :func:`lock_pairings`."""
    found = conn.execute(text("SELECT COALESCE(MAX(taken), 0) FROM pairing_lock_takes"))
    return int(found.scalar_one())


def all_areas(conn: Connection) -> pl.DataFrame:
    """Every area with its parent, depth and path: the tree for the engine's problem and
    the paths for the households' digest, in one read (one view of the tree for both)."""
    return frame(
        conn,
        "SELECT id, parent_id, depth, path FROM areas ORDER BY depth, id",
        {},
        {"id": pl.Int64, "parent_id": pl.Int64, "depth": pl.Int64, "path": pl.String},
    )


def household_id(conn: Connection, external_id: str) -> int | None:
    """The database id of the household with ``external_id``, if any."""
    found = conn.execute(
        text("SELECT id FROM households WHERE external_id = :h"), {"h": external_id}
    ).scalar_one_or_none()
    return None if found is None else int(found)


def proposal_area(conn: Connection, proposal_id: int) -> tuple[str, str] | None:
    """``(code, path)`` of the area a proposal pairs (``None``: no such proposal)."""
    row = conn.execute(
        text(
            "SELECT a.code, a.path FROM pairing_proposals p JOIN areas a ON a.id = p.area_id "
            "WHERE p.id = :pid"
        ),
        {"pid": proposal_id},
    ).one_or_none()
    return None if row is None else (str(row[0]), str(row[1]))


def proposals_under(
    conn: Connection, path: str | None, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """How many proposals pair an area within ``path`` (``None``: any) with ``status`` (any
    when ``None``), and ``limit`` of them from ``offset``, newest first: each proposal's
    columns with its area's ``code``."""
    p = PairingProposal
    where = []
    if path is not None:
        where.append(Area.path.startswith(path, autoescape=True))
    if status is not None:
        where.append(p.status == status)
    joined = select(func.count()).select_from(p).join(Area, Area.id == p.area_id)
    total = int(conn.execute(joined.where(*where)).scalar_one())
    rows = conn.execute(
        select(
            p.id,
            Area.code,
            p.status,
            p.created_at,
            p.created_by,
            p.params,
            p.figures,
            p.committed_at,
        )
        .join(Area, Area.id == p.area_id)
        .where(*where)
        .order_by(p.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [dict(r._mapping) for r in rows]


def supersede_open_proposals(
    conn: Connection, area_id: int, committed: int, note: Mapping[str, Any]
) -> None:
    """Mark stale every other open proposal for ``area_id``: ``committed`` replaced them.
    ``note`` joins each one's params, so that its refusal can name the commit (an area has
    a handful of open proposals at most: one update each)."""
    found = conn.execute(
        select(PairingProposal.id, PairingProposal.params).where(
            PairingProposal.status == "open",
            PairingProposal.id != committed,
            PairingProposal.area_id == area_id,
        )
    ).all()
    for pid, params in found:
        conn.execute(
            update(PairingProposal)
            .where(PairingProposal.id == pid)
            .values(status="stale", params={**params, **note})
        )


def pairings_made_since(conn: Connection, proposal_id: int) -> list[tuple[int, str, int]]:
    """Of the households a committed proposal holds, those whose open pairing another
    proposal's commit made with another visitor than this proposal's pair (so after this
    commit), by that proposal: ``(proposal, its area's code, households)``, by proposal."""
    rows = conn.execute(
        text(
            "SELECT p.proposal_id, a.code, COUNT(*) FROM proposed_pairs pp "
            "JOIN pairings p ON p.household_id = pp.household_id AND p.ended_on IS NULL "
            "JOIN pairing_proposals o ON o.id = p.proposal_id JOIN areas a ON a.id = o.area_id "
            "WHERE pp.proposal_id = :p AND p.proposal_id <> :p "
            "AND (pp.visitor_id IS NULL OR p.visitor_id <> pp.visitor_id) "
            "GROUP BY p.proposal_id, a.code ORDER BY p.proposal_id"
        ),
        {"p": proposal_id},
    ).all()
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def area_tree(conn: Connection) -> list[tuple[int, str, int | None, str]]:
    """Every area as ``(id, code, parent_id, path)``."""
    rows = conn.execute(text("SELECT id, code, parent_id, path FROM areas")).all()
    return [(int(r[0]), str(r[1]), None if r[2] is None else int(r[2]), str(r[3])) for r in rows]


def proposal_household_areas(conn: Connection, proposal_id: int) -> dict[int, int | None]:
    """The households a proposal holds, each with its area now (``None``: erased since)."""
    rows = conn.execute(
        text(
            "SELECT pp.household_id, h.area_id FROM proposed_pairs pp "
            "LEFT JOIN households h ON h.id = pp.household_id WHERE pp.proposal_id = :p"
        ),
        {"p": proposal_id},
    ).all()
    return {int(r[0]): None if r[1] is None else int(r[1]) for r in rows}


def exclusions(conn: Connection, household_id: int | None = None) -> pl.DataFrame:
    """Every exclusion (of one household, when given), in the order they were made (a
    proposal's digest hashes the rows in this order, so it must not depend on where the
    database happens to keep them)."""
    only = "" if household_id is None else " WHERE household_id = :hid"
    return frame(
        conn,
        f"SELECT household_id, visitor_id FROM exclusions{only} ORDER BY id",
        {} if household_id is None else {"hid": household_id},
        {"household_id": pl.Int64, "visitor_id": pl.Int64},
    )


_PROPOSED_PAIRS: dict[str, Any] = {
    "household_id": pl.Int64,
    "household": pl.String,
    "visitor_id": pl.Int64,
    "visitor": pl.String,
    "distance_m": pl.Int64,
    "reason": pl.String,
    "current_visitor_id": pl.Int64,
    "current_visitor": pl.String,
}


#: A proposal's pairs with the names of households and visitors and the current visitor.
_PROPOSED_PAIRS_SQL = """
        SELECT pp.household_id, h.external_id AS household, pp.visitor_id,
               v.external_id AS visitor, pp.distance_m, pp.reason,
               cur.visitor_id AS current_visitor_id, cv.external_id AS current_visitor
        FROM proposed_pairs pp
        JOIN households h ON h.id = pp.household_id
        LEFT JOIN visitors v ON v.id = pp.visitor_id
        LEFT JOIN pairings cur ON cur.household_id = pp.household_id AND cur.ended_on IS NULL
        LEFT JOIN visitors cv ON cv.id = cur.visitor_id
        WHERE pp.proposal_id = :pid
"""


def proposed_pairs(conn: Connection, proposal_id: int) -> pl.DataFrame:
    return frame(
        conn,
        _PROPOSED_PAIRS_SQL + " ORDER BY pp.household_id",
        {"pid": proposal_id},
        _PROPOSED_PAIRS,
    )


def proposal_pairs(conn: Connection, proposal_id: int) -> pl.DataFrame:
    """A proposal's pairs by database ids alone (no names, nor current visitors), in no
    particular order."""
    return frame(
        conn,
        "SELECT household_id, visitor_id, distance_m, reason FROM proposed_pairs "
        "WHERE proposal_id = :pid",
        {"pid": proposal_id},
        {
            "household_id": pl.Int64,
            "visitor_id": pl.Int64,
            "distance_m": pl.Int64,
            "reason": pl.String,
        },
    )


def proposed_pair(conn: Connection, proposal_id: int, household_id: int) -> dict[str, Any] | None:
    """One household's pair in a proposal, as :func:`proposed_pairs` gives it (``None``: the
    proposal does not hold the household)."""
    found = frame(
        conn,
        _PROPOSED_PAIRS_SQL + " AND pp.household_id = :hid",
        {"pid": proposal_id, "hid": household_id},
        _PROPOSED_PAIRS,
    )
    return found.row(0, named=True) if found.height else None


def pair_changes(
    conn: Connection, proposal_id: int, limit: int | None = None, offset: int = 0
) -> tuple[int, pl.DataFrame]:
    """How many households of a proposal would change visitor, and ``limit`` of them (all
    when ``None``) by household id from the ``offset``-th, as :func:`proposed_pairs` gives
    them, with ``now_by``: the proposal whose commit made the household's current pairing, or, with
    none now, ended its last one (``NULL``: no commit did, or it cannot be told).

    The count is taken in the same statement, so it describes the rows listed.
    """
    # Null-safe "differs": no visitor now and none proposed is no change.
    differs = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    changed = f"""
        FROM proposed_pairs pp
        JOIN households h ON h.id = pp.household_id
        {{visitors}}
        LEFT JOIN pairings cur ON cur.household_id = pp.household_id AND cur.ended_on IS NULL
        {{current}}
        WHERE pp.proposal_id = :pid AND pp.visitor_id {differs} cur.visitor_id
    """
    # The visitors' names are joined on their keys, so the count can do without them.
    count = changed.format(visitors="", current="")
    listed = changed.format(
        visitors="LEFT JOIN visitors v ON v.id = pp.visitor_id",
        current="LEFT JOIN visitors cv ON cv.id = cur.visitor_id",
    )
    params: dict[str, object] = {"pid": proposal_id}
    if limit is not None:
        params["limit"] = limit
    if offset:
        params["offset"] = offset
    rows = frame(
        conn,
        f"""
        SELECT pp.household_id, h.external_id AS household, pp.visitor_id,
               v.external_id AS visitor, pp.distance_m, pp.reason,
               cur.visitor_id AS current_visitor_id, cv.external_id AS current_visitor,
               CASE WHEN cur.id IS NULL THEN (
                   SELECT e.ended_by_proposal_id FROM pairings e
                   WHERE e.household_id = pp.household_id
                   ORDER BY e.ended_on DESC, e.id DESC LIMIT 1
               ) ELSE cur.proposal_id END AS now_by,
               (SELECT COUNT(*) {count}) AS total
        {listed}
        ORDER BY pp.household_id
        {_page(conn, limit, offset)}
        """,
        params,
        {**_PROPOSED_PAIRS, "now_by": pl.Int64, "total": pl.Int64},
    )
    if rows.height:
        total = int(rows["total"][0])
    elif offset:  # a page past the last: the count is still asked
        total = int(
            conn.execute(text(f"SELECT COUNT(*) {count}"), {"pid": proposal_id}).scalar_one()
        )
    else:
        total = 0
    return total, rows.drop("total")


def _page(conn: Connection, limit: int | None, offset: int) -> str:
    """``LIMIT`` and ``OFFSET`` for :func:`pair_changes` (SQLite takes an offset only after
    a limit, -1 for none)."""
    if limit is not None:
        return "LIMIT :limit OFFSET :offset" if offset else "LIMIT :limit"
    if not offset:
        return ""
    return "LIMIT -1 OFFSET :offset" if conn.dialect.name == "sqlite" else "OFFSET :offset"


def end_pairings(
    conn: Connection, household_ids: list[int], on: dt.date, reason: str, by: int
) -> None:
    """End the open pairings of ``household_ids`` on ``on``, for ``reason``, by the commit of
    proposal ``by`` (kept in ``ended_by_proposal_id``, so an ending is traced to its commit).

    PostgreSQL gets one statement over an array of ids: one statement per household cost a
    round trip each (235k pairings ended took minutes at region scale). SQLite, in process,
    runs one per household as fast."""
    if not household_ids:
        return
    sql = (
        "UPDATE pairings SET ended_on = :on, end_reason = :reason, ended_by_proposal_id = :by "
        "WHERE ended_on IS NULL AND "
    )
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(sql + "household_id = ANY(:hids)"),
            {"on": on, "reason": reason, "by": by, "hids": household_ids},
        )
        return
    with counted_once(conn, "pairings", "update"):
        conn.execute(
            text(sql + "household_id = :hid"),
            [{"on": on, "reason": reason, "by": by, "hid": h} for h in household_ids],
        )


def commit_trace(conn: Connection, proposal_id: int) -> dict[str, Any]:
    """What a proposal's commit did to the pairings, as their rows keep it: how many it
    started (and of those, how many are still open) and how many it ended, by why."""
    started = conn.execute(
        text("SELECT COUNT(*), COUNT(*) - COUNT(ended_on) FROM pairings WHERE proposal_id = :p"),
        {"p": proposal_id},
    ).one()
    ended = conn.execute(
        text(
            "SELECT end_reason, COUNT(*) FROM pairings WHERE ended_by_proposal_id = :p "
            "GROUP BY end_reason ORDER BY end_reason"
        ),
        {"p": proposal_id},
    ).all()
    return {
        "started": int(started[0]),
        "still_open": int(started[1]),
        "ended": {str(r[0]): int(r[1]) for r in ended},
    }


def commits_since(
    conn: Connection, proposal_id: int, since: dt.datetime, visitor_ids: list[int]
) -> list[tuple[int, str, dt.datetime, int, int]]:
    """The commits of other proposals after ``since`` that started or ended a pairing of a
    household the proposal holds or of one of ``visitor_ids`` (the visitors it considers),
    by proposal: ``(proposal, its area's code, committed_at, households, visitors)``, the
    last two counting the proposal's households and those visitors whose pairings it
    changed. The commits are found first (a handful), then their pairings by index."""
    if conn.dialect.name == "postgresql":
        ids: object = visitor_ids
        among = "SELECT unnest(CAST(:ids AS INTEGER[])) AS id"
    else:
        among, ids = "SELECT value AS id FROM json_each(:ids)", json.dumps(visitor_ids)
    rows = conn.execute(
        text(
            f"""
            WITH later AS (
                SELECT id FROM pairing_proposals
                WHERE status = 'committed' AND id <> :p AND committed_at > :since
            ), touched AS (
                SELECT proposal_id AS c, household_id, visitor_id FROM pairings
                WHERE proposal_id IN (SELECT id FROM later)
                UNION ALL
                SELECT ended_by_proposal_id, household_id, visitor_id FROM pairings
                WHERE ended_by_proposal_id IN (SELECT id FROM later)
            ), considered AS ({among})
            SELECT t.c, a.code, o.committed_at, COUNT(DISTINCT pp.household_id),
                   COUNT(DISTINCT k.id)
            FROM touched t
            JOIN pairing_proposals o ON o.id = t.c JOIN areas a ON a.id = o.area_id
            LEFT JOIN proposed_pairs pp
              ON pp.proposal_id = :p AND pp.household_id = t.household_id
            LEFT JOIN considered k ON k.id = t.visitor_id
            WHERE pp.household_id IS NOT NULL OR k.id IS NOT NULL
            GROUP BY t.c, a.code, o.committed_at
            ORDER BY t.c
            """
        ).bindparams(bindparam("since", type_=DateTime(timezone=True))),
        {"p": proposal_id, "since": since, "ids": ids},
    ).all()
    return [(int(r[0]), str(r[1]), _when(r[2]), int(r[3]), int(r[4])) for r in rows]


def _when(value: Any) -> dt.datetime:
    """A timestamp as read by ``text()``: SQLite hands back its stored text."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def pairings_ended_since(conn: Connection, proposal_id: int) -> list[tuple[int, str, int]]:
    """Of the households a committed proposal holds, those whose pairing another proposal's
    commit, made after this one's, ended without a new one (they have no open pairing now),
    by that proposal: ``(proposal, its area's code, households)``, by proposal. Commits
    from before migration 0008 (no ``committed_at``) are not told."""
    rows = conn.execute(
        text(
            "SELECT p.ended_by_proposal_id, a.code, COUNT(DISTINCT p.household_id) "
            "FROM proposed_pairs pp "
            "JOIN pairings p ON p.household_id = pp.household_id "
            "JOIN pairing_proposals o ON o.id = p.ended_by_proposal_id "
            "JOIN pairing_proposals me ON me.id = pp.proposal_id "
            "JOIN areas a ON a.id = o.area_id "
            "WHERE pp.proposal_id = :p AND o.id <> :p AND o.committed_at > me.committed_at "
            "AND NOT EXISTS (SELECT 1 FROM pairings n "
            "WHERE n.household_id = pp.household_id AND n.ended_on IS NULL) "
            "GROUP BY p.ended_by_proposal_id, a.code ORDER BY p.ended_by_proposal_id"
        ),
        {"p": proposal_id},
    ).all()
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def proposal_loads(conn: Connection, proposal_id: int, visitor_ids: list[int]) -> pl.DataFrame:
    """How many of a proposal's households each of ``visitor_ids`` takes (``visitor_id``,
    ``n``; a visitor with none is left out). The ids go as one array (PostgreSQL) or one
    JSON text (SQLite), not a parameter each: a region's remote pools alone are 86k."""
    ids: object = visitor_ids
    if conn.dialect.name == "postgresql":
        among = "visitor_id = ANY(:ids)"
    else:
        among, ids = "visitor_id IN (SELECT value FROM json_each(:ids))", json.dumps(visitor_ids)
    return frame(
        conn,
        "SELECT visitor_id, COUNT(*) AS n FROM proposed_pairs "
        f"WHERE proposal_id = :pid AND {among} GROUP BY visitor_id",
        {"pid": proposal_id, "ids": ids},
        {"visitor_id": pl.Int64, "n": pl.Int64},
    )


def input_writes(conn: Connection) -> int:
    """The count of writes to the tables pairing reads, as this transaction sees it
    (:class:`~doorstep.storage.tables.PairingInputWrite`)."""
    found = conn.execute(text("SELECT COALESCE(SUM(writes), 0) FROM pairing_input_writes"))
    return int(found.scalar_one())


def own_input_writes(conn: Connection) -> int:
    """Of :func:`input_writes`, those of this transaction (PostgreSQL; SQLite, which has one
    writer at a time, does not tell them apart)."""
    found = conn.execute(
        text(
            "SELECT COALESCE(SUM(writes), 0) FROM pairing_input_writes WHERE txid = txid_current()"
        )
    )
    return int(found.scalar_one())


def activity_changes_between(conn: Connection, first: dt.date, second: dt.date) -> bool:
    """Whether some visitor is active on one of the two days and not on the other."""
    lo, hi = min(first, second), max(first, second)
    stmt = text(
        "SELECT 1 FROM visitors WHERE (active_from > :lo AND active_from <= :hi) "
        "OR (active_to >= :lo AND active_to < :hi) LIMIT 1"
    ).bindparams(bindparam("lo", type_=Date), bindparam("hi", type_=Date))
    return conn.execute(stmt, {"lo": lo, "hi": hi}).first() is not None


def last_days_between(conn: Connection, first: dt.date, second: dt.date) -> bool:
    """Whether some visitor's last active day is on or after the earlier of the two days and
    before the later: one leaving within ``n`` days of one day and not of the other has it
    between the two days plus ``n``."""
    lo, hi = min(first, second), max(first, second)
    stmt = text(
        "SELECT 1 FROM visitors WHERE active_to >= :lo AND active_to < :hi LIMIT 1"
    ).bindparams(bindparam("lo", type_=Date), bindparam("hi", type_=Date))
    return conn.execute(stmt, {"lo": lo, "hi": hi}).first() is not None
