"""The area an audit event belongs to: the one rule, decided when the event is written.

An event is stored with the materialised path of its area (``audit_events.area_path``,
as ``areas.path``), so that an area's manager reads the trail of its subtree through an
index (:func:`within`) rather than deciding each event's area by joins at every reading.
Its area is the first of these that it has:

* the area of the household it is about (entity ``household``);
* the home area of the visitor it is about (entity ``visitor``);
* the area of the pairing proposal it is about (entity ``pairing_proposal``);
* for an event about no one person (not a household's or a visitor's), what its detail
  names: an area by its code (``"area"``: a list, plan, export or import of an area), a
  team by its code (``"team"``: the team's area) or a visitor (``"visitor"``: their home);
* none: the whole programme's (a programme's lists and files, accounts of no area).

The writers (:mod:`doorstep.privacy.audit`, through :mod:`.audit`) and migration 0022's
backfill build the path with :func:`area_path`; the bulk writer joins the rows' own area
(:data:`LIVES_IN`) by the same rule. An event keeps the area it had when written: a
household that moves keeps its older events in its old area. An erasure clears the area
of the person's own events with their details (:func:`.audit.redact`): where they lived is
theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    TableClause,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    select,
    table,
    update,
)
from sqlalchemy.sql.dml import Update

# The columns the rule reads, named here rather than taken from the models, so that
# migration 0022's backfill builds the same statement at any later head.
_TABLES: dict[str, TableClause] = {
    "areas": table("areas", column("id", Integer), column("code", String), column("path", String)),
    "households": table("households", column("external_id", String), column("area_id", Integer)),
    "visitors": table("visitors", column("external_id", String), column("home_area_id", Integer)),
    "pairing_proposals": table(
        "pairing_proposals", column("id", Integer), column("area_id", Integer)
    ),
    "teams": table("teams", column("code", String), column("area_id", Integer)),
}

#: For each kind of event about one row, that row's table and the column of its area.
LIVES_IN = {
    "household": ("households", "area_id"),
    "visitor": ("visitors", "home_area_id"),
    "pairing_proposal": ("pairing_proposals", "area_id"),
}

#: The detail keys the rule reads, in the order it reads them.
NAMED = ("area", "team", "visitor")


def area_path(
    entity: ColumnElement[Any],
    entity_id: ColumnElement[Any],
    named: Mapping[str, ColumnElement[Any]],
) -> ColumnElement[Any]:
    """The path of the area of an event about ``entity`` ``entity_id`` whose detail names
    ``named`` (:data:`NAMED`: codes of an area and a team, a visitor's id), each a SQL
    expression: bound values of an event to be written, or the columns of the stored trail
    (the backfill). Correlated subqueries, each through a unique index or a primary key."""
    t = _TABLES
    areas = t["areas"]

    def path_of(table: str, area_column: str, where: ColumnElement[bool]) -> ColumnElement[Any]:
        rows = t[table]
        return (
            select(areas.c.path)
            .select_from(rows.join(areas, areas.c.id == rows.c[area_column]))
            .where(where)
            .scalar_subquery()
        )

    households, visitors, proposals = t["households"], t["visitors"], t["pairing_proposals"]
    # A proposal's id is compared as text: any entity_id may be given (an id typed wrong is
    # no proposal's), where casting it to a number could fail.
    about = {
        "household": households.c.external_id == entity_id,
        "visitor": visitors.c.external_id == entity_id,
        "pairing_proposal": cast(proposals.c.id, String) == entity_id,
    }
    own = {kind: path_of(*LIVES_IN[kind], where) for kind, where in about.items()}
    named_area = select(areas.c.path).where(areas.c.code == named["area"]).scalar_subquery()
    detail = func.coalesce(
        named_area,
        path_of("teams", "area_id", t["teams"].c.code == named["team"]),
        path_of(*LIVES_IN["visitor"], visitors.c.external_id == named["visitor"]),
    )
    return case(
        (entity == "household", own["household"]),
        (entity == "visitor", own["visitor"]),
        # A proposal deleted since (none is, today) falls back on its detail's area.
        (entity == "pairing_proposal", func.coalesce(own["pairing_proposal"], detail)),
        else_=detail,
    )


def detail_values(detail: dict[str, Any]) -> dict[str, str | None]:
    """What an event's detail names under each of :data:`NAMED`, as the stored trail's
    ``detail[key]`` read as text gives it: a text as it is, a whole number as its digits,
    anything else (a list, a flag, none) nothing."""
    out: dict[str, str | None] = {}
    for key in NAMED:
        value = detail.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            out[key] = None
        else:
            out[key] = str(value)
    return out


def bound(entity: str, entity_id: str | None, detail: dict[str, Any]) -> ColumnElement[Any]:
    """:func:`area_path` of one event to be written, its values bound."""
    values = detail_values(detail)
    return area_path(
        literal(entity, String),
        literal(entity_id, String),
        {k: literal(v, String) for k, v in values.items()},
    )


def backfill() -> Update:
    """The ``UPDATE`` that gives every stored event its :func:`area_path` (migration 0022's
    backfill; the bench times the same statement)."""
    events = table(
        "audit_events",
        column("entity", String),
        column("entity_id", String),
        column("detail", JSON),
        column("area_path", String),
    )
    rule = area_path(
        events.c.entity,
        events.c.entity_id,
        {key: events.c.detail[key].as_string() for key in NAMED},
    )
    return update(events).values(area_path=rule)


def within(path: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """Paths in the subtree of the area at ``prefix`` (a path, ending in its separator):
    a range, ``prefix <= path < prefix'``, ``prefix'`` being ``prefix`` with its last
    character the next one. Compared as bytes (SQLite's default; the column's collation
    ``C`` on PostgreSQL), so a path of the subtree sorts between the two whatever the
    database's collation, and the range is read from the index."""
    if not prefix:
        return path.is_not(None)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(path >= prefix, path < upper)
