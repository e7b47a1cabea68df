"""Where the rows a file names live, for an import made by an area's account: the area path
of each stored household, visitor, team, activity and project it names, read once per file
(through a temporary table: an ``IN`` list of a file's ids would pass SQLite's parameter
limit), and the whole area tree."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, text

from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.visitor_data import ERASED_NAME

#: What a file's ids name: (table, key column, area column).
_PLACED = {
    "households": ("households", "external_id", "area_id"),
    "visitors": ("visitors", "external_id", "home_area_id"),
    "teams": ("teams", "code", "area_id"),
    "activities": ("activities", "code", "area_id"),
    "projects": ("projects", "code", "area_id"),
}


def stored_paths(conn: Connection, kind: str, keys: list[str]) -> dict[str, str | None]:
    """The area path of each stored row of ``kind`` (households, visitors, teams, activities
    or projects) among ``keys``: a visitor's home area, ``None`` when they have none. Keys
    not stored are left out, and so are erased visitors: no one lives anywhere."""
    table, key, area = _PLACED[kind]
    if not keys:
        return {}
    erased = f" AND t.name != '{ERASED_NAME}'" if kind == "visitors" else ""
    with bulk.temp_table(conn, "_scope_keys", "k VARCHAR(200) PRIMARY KEY"):
        bulk.fill_temp(
            conn, "_scope_keys", pl.DataFrame({"k": sorted(set(keys))}, {"k": pl.String})
        )
        rows = conn.execute(
            text(
                f"SELECT t.{key}, a.path FROM {table} t JOIN _scope_keys k ON k.k = t.{key} "
                f"LEFT JOIN areas a ON a.id = t.{area} WHERE 1 = 1{erased}"
            )
        ).all()
    return {str(k): (None if p is None else str(p)) for k, p in rows}


@dataclass(frozen=True, slots=True)
class StoredArea:
    """An area as the tree holds it: its path and its parent's code (``None``: a root)."""

    path: str
    parent: str | None


def area_tree(conn: Connection) -> dict[str, StoredArea]:
    """Every area by code (a programme has thousands at most, not millions)."""
    rows = conn.execute(
        text("SELECT a.code, a.path, p.code FROM areas a LEFT JOIN areas p ON p.id = a.parent_id")
    ).all()
    return {str(c): StoredArea(str(path), None if p is None else str(p)) for c, path, p in rows}
