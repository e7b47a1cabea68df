"""An import made by an area's account (a coordinator's, or an area's manager's) writes the
rows of its own area only, as its account does one at a time.

Each kind of file names where its rows live: a household by its area, a visitor by their
home area, a team, an activity or a project by the area it is in. A row is refused, named
by its cell, when what it writes or names lives outside the account's area: a stored
household, visitor, team, activity or project of another area (even unchanged: the file
would take it over), an area code outside it, or a household's figures, visits, periods
and pairs kept apart of another area. Organisations are the whole programme's: their file
is for a manager of the whole programme (``privacy.access.check_import``). Areas may be
added and moved within the account's area; its own area keeps its parent. What no row of
the database holds yet (an unknown id) is left to the checks that name it so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection

from doorstep.say import Say
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.validate import ROW
from doorstep.storage.repositories import area_scope

#: Kinds of file an area's account may not import: what they hold is the whole programme's.
WHOLE_PROGRAMME = ("organisations",)

#: What each kind of file names that lives somewhere: (column, what its value is).
NAMED: dict[str, tuple[tuple[str, str], ...]] = {
    "teams": (("code", "teams"), ("area_code", "areas")),
    "visitors": (
        ("visitor_id", "visitors"),
        ("home_area_code", "areas"),
        ("service_area_code", "areas"),
        ("team_code", "teams"),
    ),
    "households": (("household_id", "households"), ("area_code", "areas")),
    "indicators": (("household_id", "households"),),
    "blackouts": (("household_id", "households"),),
    "visits": (("household_id", "households"),),
    "exclusions": (("household_id", "households"),),
    "leave": (("visitor_id", "visitors"),),
    "activities": (("code", "activities"), ("area_code", "areas")),
    "attendance": (
        ("activity_code", "activities"),
        ("household_id", "households"),
        ("visitor_id", "visitors"),
    ),
    "projects": (("code", "projects"), ("area_code", "areas")),
    "project_households": (("project_code", "projects"), ("household_id", "households")),
    "referrals": (("household_id", "households"),),
}

#: How a reason says that a row of each kind lives outside the area (``whose``:
#: :attr:`AreaScope.whose`).
_OUTSIDE: dict[str, Callable[[Say], Say]] = {
    "areas": lambda whose: Say("is an area outside %(whose)s", whose=whose),
    "households": lambda whose: Say("is a household living outside %(whose)s", whose=whose),
    "visitors": lambda whose: Say("is a visitor whose home area is outside %(whose)s", whose=whose),
    "teams": lambda whose: Say("is a team stationed outside %(whose)s", whose=whose),
    "activities": lambda whose: Say("is a group activity held outside %(whose)s", whose=whose),
    "projects": lambda whose: Say("is a project run outside %(whose)s", whose=whose),
}


@dataclass(frozen=True, slots=True)
class AreaScope:
    """The area an account imports for: its code and path, and the account, to name."""

    account: str
    code: str
    path: str

    def holds(self, path: str | None) -> bool:
        return path is not None and path.startswith(self.path)

    @property
    def whose(self) -> Say:
        return Say(
            "area %(area)s, the one account %(account)s imports for",
            area=self.code,
            account=self.account,
        )


def scope_errors(
    conn: Connection,
    entity: str,
    frame: pl.DataFrame,
    present: Iterable[str],
    cell: str,
    scope: AreaScope,
) -> list[RowError]:
    """The rows of ``frame`` (typed, with each cell as the file holds it under the prefix
    ``cell``) that reach outside ``scope``; ``present`` are the file's own columns."""
    present = frozenset(present)
    if entity == "areas":
        return _area_errors(frame, present, cell, scope, area_scope.area_tree(conn))
    named_areas = any(kind == "areas" for _, kind in NAMED[entity])
    tree = area_scope.area_tree(conn) if named_areas else {}
    errors: list[RowError] = []
    stored: dict[str, dict[str, str | None]] = {}  # the paths read, by column
    for column, kind in NAMED[entity]:
        if column not in frame.columns:
            continue
        named = frame.filter(pl.col(column).is_not_null())
        keys = named[column].unique().to_list()
        paths: dict[str, str | None]
        if kind == "areas":
            paths = {k: tree[k].path for k in keys if k in tree}
        else:
            paths = area_scope.stored_paths(conn, kind, keys)
        stored[column] = paths
        # Joined rather than looked up row by row: a county's file may hold a million.
        placed = pl.DataFrame(
            {"_key": list(paths), "_path": list(paths.values())},
            schema={"_key": pl.String, "_path": pl.String},
        )
        outside = named.select(ROW, column, cell + column).join(
            placed, left_on=column, right_on="_key", how="inner"
        )
        outside = outside.filter(
            pl.col("_path").is_null() | ~pl.col("_path").str.starts_with(scope.path)
        ).sort(ROW)
        for r in outside.iter_rows(named=True):
            reason = (
                Say(
                    "is a visitor with no home area, who works for the whole programme %(whose)s",
                    whose=scope.whose,
                )
                if kind == "visitors" and r["_path"] is None
                else _OUTSIDE[kind](scope.whose)
            )
            errors.append(RowError.said(int(r[ROW]), column, r[cell + column], reason))
    if entity == "visitors":
        errors += _homeless(frame, present, cell, scope, stored["visitor_id"])
    return errors


def _homeless(
    frame: pl.DataFrame,
    present: frozenset[str],
    cell: str,
    scope: AreaScope,
    stored: dict[str, str | None],
) -> list[RowError]:
    """Visitors the file would leave with no home area: one with none works anywhere, the
    whole programme's. A stored visitor (``stored``: their home areas' paths, by id) keeps
    theirs when the file has no such column."""
    if "home_area_code" in present:
        rows = frame.filter(pl.col("home_area_code").is_null())
    else:
        rows = frame.filter(~pl.col("visitor_id").is_in(list(stored)))
    return [
        RowError.said(
            int(r[ROW]),
            "home_area_code",
            r[cell + "home_area_code"] or "",
            Say(
                "is empty: a visitor imported for %(whose)s, lives in it; give their home area",
                whose=scope.whose,
            ),
        )
        for r in rows.iter_rows(named=True)
    ]


def _area_errors(
    frame: pl.DataFrame,
    present: frozenset[str],
    cell: str,
    scope: AreaScope,
    tree: dict[str, area_scope.StoredArea],
) -> list[RowError]:
    """Areas are added and moved under the account's area only. Which areas end up in it is
    found as the file leaves the tree: an area is in it when its parent is (a new area may
    hang from another new one of the same file)."""
    errors: list[RowError] = []
    rows = list(frame.iter_rows(named=True))
    in_file = {r["code"] for r in rows}

    def parent(r: dict[str, object]) -> object:
        if "parent_code" in present:
            return r["parent_code"]
        stored = tree.get(str(r["code"]))
        return None if stored is None else stored.parent

    placed = {scope.code} | {c for c, a in tree.items() if scope.holds(a.path) and c not in in_file}
    pending = []
    for r in rows:
        stored = tree.get(r["code"])
        if stored is not None and not scope.holds(stored.path):
            errors.append(
                RowError.said(int(r[ROW]), "code", r[cell + "code"], _OUTSIDE["areas"](scope.whose))
            )
        elif r["code"] == scope.code:
            if parent(r) != tree[scope.code].parent:
                errors.append(
                    RowError.said(
                        int(r[ROW]),
                        "parent_code",
                        r[cell + "parent_code"] or "",
                        Say(
                            "moves %(whose)s: it is moved by an account whose area holds its "
                            "parent",
                            whose=scope.whose,
                        ),
                    )
                )
        else:
            pending.append(r)
    while pending:
        now = [r for r in pending if parent(r) in placed]
        if not now:
            break
        placed.update(r["code"] for r in now)
        pending = [r for r in pending if r["code"] not in placed]
    left = {r["code"]: r for r in pending}

    def looped(code: object) -> bool:
        """Whether the parent links from ``code`` run round a cycle of the file's areas:
        the area is then in no tree at all, and the cycle check names the rows that make
        it (an area within the account's area, moved under its own child, is no area
        outside it)."""
        seen = set()
        while code in left and code not in seen:
            seen.add(code)
            code = parent(left[code])
        return code in seen

    errors += [
        RowError.said(
            int(r[ROW]),
            "parent_code",
            r[cell + "parent_code"] or "",
            Say("puts the area outside %(whose)s", whose=scope.whose),
        )
        for r in pending
        if not looped(r["code"])
    ]
    return errors
