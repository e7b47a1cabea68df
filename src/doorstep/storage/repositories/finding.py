"""Households and visitors found by what a coordinator or visitor remembers of them: an id
or its start, part of a name (or of a household's address).

The text is compared folded (:func:`doorstep.domain.folding.fold`) with the folded copies
each row holds (migration 0024): an id's start is a range of the index on ``folded_id``;
a part of a name or an address of three characters or more is looked up in a trigram
index (SQLite: FTS5 ``trigram``; PostgreSQL: ``pg_trgm`` GIN), each candidate then checked
against the folded column, so the rows are exactly those holding the text. A shorter text
has no trigram; its candidates come from the indexes of migration 0026: on SQLite the
trigrams that begin with it (the FTS index holds each text padded), when they are few; on
PostgreSQL a GIN index of each row's characters, once the first rows in the order they are
shown have not filled the page. A common text (a surname) fills the page from the first
rows in their order, checked one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, text

from doorstep.domain.folding import fold
from doorstep.storage.repositories.folded import CHARACTERS
from doorstep.storage.repositories.household_file import rows_of
from doorstep.storage.repositories.visitor_data import ERASED_NAME
from doorstep.storage.repositories.visits import consent_on

#: Characters in a trigram: a shorter text has none to look up.
TRIGRAM: Final = 3
#: The parameters a search writes into its statements (:func:`rows_of`'s ``inline``): the
#: best plan depends on the text (PostgreSQL's plan for any value, used after a statement
#: ran five times, scanned the whole trigram index for a one-character text: 2.4 s).
_INLINE: Final = ("folded", "inside", "fts", "start", "start_to", "prefix")
#: Rows in id order checked first when no index narrows a search of the whole programme.
WINDOW: Final = 20_000
#: More trigram candidates than this (a text most rows hold, as ``group 1`` in romanised
#: addresses): the rows are walked in their order instead, and a page fills long before
#: the end, where sorting every candidate would not end sooner.
MANY_CANDIDATES: Final = 5000
#: The same bound for a text too short for a trigram (SQLite: trigrams that begin with it),
#: lower: such a text is common more often, and a walk in id order finds a page of one that
#: 1,000 of 200,000 rows hold after some 10,000 rows (3 ms), where checking and sorting
#: 3,000 candidates took 20 ms.
SHORT_CANDIDATES: Final = 1000


@dataclass(frozen=True)
class _Text:
    """The text searched for, in the forms the queries compare."""

    exact: str  # as typed (in ID_FORM): an id, shown first
    folded: str
    start_to: str | None  # the folded ids beginning with ``folded`` are < this

    @classmethod
    def of(cls, typed: str) -> _Text:
        folded = fold(typed)
        return cls(typed, folded, _after_prefix(folded))


def _after_prefix(prefix: str) -> str | None:
    """The least string after every string that begins with ``prefix``, in code point
    order (as both databases compare folded ids); none if there is no such string."""
    chars = list(prefix)
    while chars:
        last = ord(chars.pop()) + 1
        if 0xD800 <= last <= 0xDFFF:  # surrogates are not characters
            last = 0xE000
        if last <= 0x10FFFF:
            return "".join(chars) + chr(last)
    return None


def _like(value: str) -> str:
    """``value`` as a LIKE pattern's literal part (``\\`` escapes ``%``, ``_`` and itself:
    PostgreSQL's default escape)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_query(folded: str) -> str:
    """An FTS5 query for the rows whose indexed text holds every trigram of ``folded``
    (each a quoted string; the index keeps no positions, so each candidate is checked)."""
    grams = dict.fromkeys(folded[i : i + TRIGRAM] for i in range(len(folded) - TRIGRAM + 1))
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


def _short(folded: str) -> bool:
    """Whether ``folded`` is too short to hold a trigram (but not empty)."""
    return 0 < len(folded) < TRIGRAM


def _beginning(fts: str, start_to: str | None) -> str:
    """SQL: the ids of the rows whose SQLite FTS index ``fts`` holds a trigram that begins
    with ``:start`` (each text is indexed padded, so every part of it begins one)."""
    below = "" if start_to is None else " AND term < :start_to"
    return f"SELECT doc FROM {fts}_terms WHERE term >= :start{below}"


def _holds(conn: Connection, alias: str, texts: tuple[str, ...]) -> str:
    """SQL: one of the row's folded ``texts`` holds ``:folded`` (``:inside`` on PostgreSQL,
    where ``LIKE`` is what ``pg_trgm`` serves; SQLite's ``instr`` compares bytes exactly)."""
    if conn.dialect.name == "postgresql":
        return "(" + " OR ".join(f"{alias}.{c} LIKE :inside" for c in texts) + ")"
    return "(" + " OR ".join(f"instr({alias}.{c}, :folded) > 0" for c in texts) + ")"


@dataclass(frozen=True)
class _Searched:
    """A table searched: its alias, folded texts and trigram index (SQLite), what is
    selected of a row found and the joins that needs, and the conditions every row found
    meets (an erased visitor is no one to find)."""

    table: str
    alias: str
    texts: tuple[str, ...]
    columns: str
    joins: str
    filters: tuple[str, ...] = ()


def _candidates(conn: Connection, s: _Searched, params: dict[str, Any]) -> bool:
    """Whether the trigram index narrows the search to at most :data:`MANY_CANDIDATES`
    rows: a text not in most rows (counting stops past the bound). On SQLite a text too
    short for a trigram counts the trigrams that begin with it (a row may hold several), to
    :data:`SHORT_CANDIDATES`; on PostgreSQL it is not counted (its index reads every row
    holding the text, however many, where the rows in their order fill a page of a common
    text at once)."""
    short = _short(params["folded"])
    if short and conn.dialect.name == "sqlite":
        sql = f"{_beginning(f'{s.table}_fts', params['start_to'])} LIMIT :n"
    elif len(params["folded"]) < TRIGRAM:
        return False
    elif conn.dialect.name == "sqlite":
        fts = f"{s.table}_fts"
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :fts LIMIT :n"
    else:
        sql = f"SELECT 1 FROM {s.table} {s.alias} WHERE {_holds(conn, s.alias, s.texts)} LIMIT :n"
    sql = f"SELECT COUNT(*) AS n FROM ({sql}) c"
    bound = SHORT_CANDIDATES if short else MANY_CANDIDATES
    count = rows_of(conn, sql, {**params, "n": bound + 1}, inline=_INLINE)[0]["n"]
    return bool(count <= bound)


def _search(
    conn: Connection,
    s: _Searched,
    typed: str,
    *,
    limit: int,
    scope: list[str],
    params: dict[str, Any],
    area_first: bool,
) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of ``s`` within ``scope`` (SQL conditions): the one whose id is
    ``typed`` first, then those whose folded id begins with it or whose folded texts hold
    it, by id. Each way to them is one whose cost the search bounds itself, not a query
    planner's guess (which walked 1.69M rows in id order for a text no one holds):

    - few candidates in the trigram index (:func:`_candidates`): those, checked and sorted;
    - else within a scope: the scope's rows (``area_first``: an area's, by its index),
      checked and sorted;
    - else, on SQLite, every row in id order until the page is full (a common text fills
      it at once); on PostgreSQL the first :data:`WINDOW` rows in id order, then, if the
      page is not full, every row (a text too short for a trigram: those holding its
      characters, by their index), checked and sorted.
    """
    t = _Text.of(typed)
    a = s.alias
    params = {**params, "exact": t.exact, "limit": limit, "folded": t.folded}
    params |= {"inside": "%" + _like(t.folded) + "%", "fts": _fts_query(t.folded)}
    params |= {"start": t.folded, "start_to": t.start_to}
    where = " AND ".join([*s.filters, *scope]) or "1 = 1"
    exact = rows_of(
        conn,
        f"SELECT {s.columns} FROM {s.table} {a} {s.joins} "
        f"WHERE {a}.external_id = :exact AND {where}",
        params,
        inline=_INLINE,
    )
    if not t.folded:
        return exact
    start = f"{a}.folded_id >= :start" + (
        f" AND {a}.folded_id < :start_to" if t.start_to is not None else ""
    )
    holds = _holds(conn, a, s.texts)
    few = _candidates(conn, s, params)
    short = _short(t.folded)
    if few and conn.dialect.name == "sqlite":
        fts = f"{s.table}_fts"
        found_in = (
            _beginning(fts, t.start_to)
            if short
            else f"SELECT rowid FROM {fts} WHERE {fts} MATCH :fts"
        )
        holds = f"({a}.id IN ({found_in}) AND {holds})"
    match = f"({start} OR {holds})"
    if not (few or scope) and conn.dialect.name == "sqlite":
        # Every row in id order (the index on external_id) until the page is full: SQLite
        # walks it at about 3M rows/s, as fast as it scans the table unordered.
        walked = rows_of(
            conn,
            f"""SELECT {s.columns} FROM {s.table} {a} {s.joins}
                WHERE {a}.external_id <> :exact AND {match} AND {where}
                ORDER BY {a}.external_id LIMIT :limit""",
            params,
            inline=_INLINE,
        )
        return (exact + walked)[:limit]
    if not (few or scope):
        # PostgreSQL: the first rows in id order (the subquery's LIMIT keeps it apart, and
        # its order lets the page stop early); walking further, each row's random read of
        # the table costs more than a scan of all of them (2.1 s against 1 s, region).
        walked = rows_of(
            conn,
            f"""SELECT {s.columns} FROM (
                    SELECT * FROM {s.table} WHERE external_id <> :exact
                    ORDER BY external_id LIMIT :window) {a} {s.joins}
                WHERE {match} AND {where} ORDER BY {a}.external_id LIMIT :limit""",
            {**params, "window": WINDOW},
            inline=_INLINE,
        )
        if len(walked) >= limit:
            return (exact + walked)[:limit]
        if short:  # the rows holding its characters, by their index, not every row
            chars = "string_to_array(CAST(:start AS text), NULL)"
            holds = f"({CHARACTERS[s.table]} @> {chars} AND {holds})"
            match = f"({start} OR {holds})"
    source = f"{s.table} {a} {s.joins}"
    if area_first and not few and conn.dialect.name == "sqlite":
        source = f"areas a CROSS JOIN {s.table} {a}"  # SQLite: the area's rows, by its index
    found = rows_of(
        conn,
        f"""WITH hits AS MATERIALIZED (
                SELECT {a}.id, {a}.external_id FROM {source}
                WHERE {a}.external_id <> :exact AND {match} AND {where}),
            page AS (SELECT id FROM hits ORDER BY external_id LIMIT :limit)
            SELECT {s.columns} FROM page JOIN {s.table} {a} ON {a}.id = page.id {s.joins}
            ORDER BY {a}.external_id""",
        params,
        inline=_INLINE,
    )
    return (exact + found)[:limit]


def households(
    conn: Connection,
    text: str,
    *,
    limit: int,
    today: dt.date,
    area_path: str | None = None,
    visitor: str | None = None,
) -> list[dict[str, Any]]:
    """Up to ``limit`` households whose id is ``text`` or begins with it, or whose head's
    name or address holds it (any case: folded), within ``area_path`` or, given
    ``visitor``, among those the visitor looks after on ``today``; the id asked for first,
    then by id. Each with its database id (``household_id``), head, area and consent on
    ``today``."""
    searched = _Searched(
        table="households",
        alias="h",
        texts=("folded_name", "folded_address"),
        columns=f"""h.id AS household_id, h.external_id AS household, h.head_name,
            h.address, a.code AS area, a.name AS area_name,
            {consent_on(":today", conn)} AS consent""",
        joins="JOIN areas a ON a.id = h.area_id",
        filters=("a.id = h.area_id",),
    )
    scope: list[str] = []
    params: dict[str, Any] = {"today": today}
    if area_path is not None:
        scope.append("a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    if visitor is not None:
        scope.append(
            """h.id IN (SELECT p.household_id FROM pairings p JOIN visitors v ON v.id = p.visitor_id
                       WHERE v.external_id = :visitor AND p.started_on <= :today
                         AND (p.ended_on IS NULL OR p.ended_on > :today))"""
        )
        params["visitor"] = visitor
    return _search(
        conn,
        searched,
        text,
        limit=limit,
        scope=scope,
        params=params,
        area_first=area_path is not None and visitor is None,
    )


def visitors(
    conn: Connection, text: str, *, limit: int, area_path: str | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` visitors whose id is ``text`` or begins with it, or whose name holds
    it (any case: folded), living within ``area_path`` if given; erased ones are not found.
    The id asked for first, then by id; each with its home area, capacity and last day."""
    searched = _Searched(
        table="visitors",
        alias="v",
        texts=("folded_name",),
        columns="v.external_id AS visitor, v.name, a.code AS home_area, v.capacity, v.active_to",
        joins="LEFT JOIN areas a ON a.id = v.home_area_id",
        filters=("v.name <> :erased",),
    )
    scope: list[str] = []
    params: dict[str, Any] = {"erased": ERASED_NAME}
    if area_path is not None:
        scope.append("a.id = v.home_area_id AND a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    return _search(
        conn,
        searched,
        text,
        limit=limit,
        scope=scope,
        params=params,
        area_first=area_path is not None,
    )


def purge_erased(conn: Connection) -> None:
    """Rewrite SQLite's trigram indexes without what erased or renamed rows left in them.

    FTS5 (before SQLite 3.42's ``secure-delete``) notes a row's removal as a new entry and
    keeps the old trigrams, and with them the row's id, in older segments until they are
    merged; ``optimize`` merges every segment into one, dropping them (the pages freed are
    zeroed: ``secure_delete`` is on). PostgreSQL's index loses them at the table's next
    vacuum, as the table loses the row's old version."""
    if conn.dialect.name != "sqlite":
        return
    for fts in ("households_fts", "visitors_fts"):
        conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('optimize')"))
