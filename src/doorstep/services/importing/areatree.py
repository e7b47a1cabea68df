"""The area tree an import would leave: each area's path and depth, or why there is none.

The tree is the stored areas with the file's rows over them. Its errors are named on file
rows only: a stored area has no row to point to, and the database alone holds no cycle
(every import refuses one), so some row of the file always closes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.say import Say, Value, joined
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.limits import area_path_length

#: Codes of a cycle named in full up to this many; a longer one is cut in the middle.
SHOWN_CODES = 12


@dataclass
class AreaNode:
    id: int
    parent: str | None
    name: str
    level: str
    row: int | None  # row in the file, None when the area is only in the database
    stored_parent: str | None = None  # its parent in the database (None: a root, or new)
    stored: bool = False  # in the database before this import

    @property
    def links_anew(self) -> bool:
        """Whether the file sets this area's parent link (a new area, or a moved one)."""
        return self.row is not None and (not self.stored or self.parent != self.stored_parent)


def tree_paths(nodes: dict[str, AreaNode]) -> tuple[dict[str, tuple[str, int]], list[list[str]]]:
    """Each area's materialised path of ids (``/1/5/9/``) and depth (0 for a root), and the
    cycles of parent links, each once, in link order (an area, its parent, ...).

    An area on a cycle or below one has no path. Each area is walked once: a walk stops at
    the first area whose path is known, or known to be missing.
    """
    paths: dict[str, tuple[str, int]] = {}
    pathless: set[str] = set()
    cycles: list[list[str]] = []
    for start in nodes:
        chain: list[str] = []  # walked up from start, none with a path yet
        at: dict[str, int] = {}
        cur: str | None = start
        while cur is not None and cur not in paths and cur not in pathless and cur not in at:
            at[cur] = len(chain)
            chain.append(cur)
            cur = nodes[cur].parent
        if cur is not None and (cur in at or cur in pathless):
            if cur in at:
                cycles.append(chain[at[cur] :])
            pathless.update(chain)
            continue
        base, depth = paths[cur] if cur is not None else ("/", -1)
        for code in reversed(chain):
            base, depth = f"{base}{nodes[code].id}/", depth + 1
            paths[code] = (base, depth)
    return paths, cycles


def cycle_errors(nodes: dict[str, AreaNode], cycles: list[list[str]]) -> list[RowError]:
    """Each cycle named on the file rows that close it (their parent link is new), with
    the stored areas it runs through; areas below a cycle are not named, their own link
    being sound. Each reason is a :class:`~doorstep.say.Say`, so the import page says it
    in its language; the codes are data."""
    errors: list[RowError] = []
    for cycle in cycles:
        closing = [c for c in cycle if nodes[c].links_anew]
        if not closing:  # a cycle the database held already (no import makes one)
            closing = [c for c in cycle if nodes[c].row is not None]
        if not closing:  # and no row of the file on it: said for the whole file
            reason = Say(
                "the stored areas' parent links form a cycle: %(chain)s",
                chain=_chain([*cycle, cycle[0]]),
            )
            errors.append(RowError.said(0, "", "", reason))
            continue
        through = _through([c for c in cycle if nodes[c].row is None])
        change = (
            Say("change this row's parent_code")
            if len(closing) == 1
            else Say("change one of these rows' parent_code")
        )
        for code in closing:
            i = cycle.index(code)
            chain = _chain([*cycle[i:], *cycle[:i], code])
            node = nodes[code]
            assert node.row is not None
            reason = (
                Say(
                    "the parent links form a cycle: %(chain)s; %(change)s",
                    chain=chain,
                    change=change,
                )
                if through is None
                else Say(
                    "the parent links form a cycle: %(chain)s, %(through)s; %(change)s",
                    chain=chain,
                    through=through,
                    change=change,
                )
            )
            errors.append(RowError.said(node.row, "parent_code", str(node.parent), reason))
    return errors


def _through(stored: list[str]) -> Say | None:
    """The stored areas a cycle runs through, none of them in the file: each named, up to
    :data:`SHOWN_CODES`; past that, their count and a few."""
    if not stored:
        return None
    if len(stored) == 1:
        return Say("through %(area)s, a stored area not in this file", area=stored[0])
    if len(stored) <= SHOWN_CODES:
        listed = joined([joined(stored[:-1], ", "), stored[-1]], " and ")
        return Say("through %(areas)s, stored areas not in this file", areas=listed)
    return Say(
        "through %(n)s stored areas not in this file (%(first)s, ..., %(last)s)",
        n=len(stored),
        first=", ".join(stored[:3]),
        last=stored[-1],
    )


def _chain(links: list[str]) -> Value:
    """``A > B > A``, cut in the middle with the count of areas when it is long."""
    if len(links) <= SHOWN_CODES:
        return " > ".join(links)
    half = SHOWN_CODES // 2
    return Say(
        "%(first)s > ... > %(last)s (%(n)s areas)",
        first=" > ".join(links[:half]),
        last=" > ".join(links[-half:]),
        n=len(links) - 1,
    )


def too_deep(nodes: dict[str, AreaNode], paths: dict[str, tuple[str, int]]) -> list[RowError]:
    """Areas whose path of ancestor ids is longer than the path column holds.

    Each is named by its own row, or, for an area only in the database, by the row of its
    nearest ancestor in the file (whose move made it too deep).
    """
    longest = area_path_length()
    out: dict[int, RowError] = {}
    for code, (path, depth) in paths.items():
        if len(path) <= longest:
            continue
        cur: str | None = code
        while cur is not None and nodes[cur].row is None:
            cur = nodes[cur].parent
        row = nodes[cur].row if cur is not None else None
        if row is None or row in out:
            continue
        out[row] = RowError.said(
            row,
            "parent_code",
            str(nodes[cur].parent) if cur is not None else "",
            Say(
                "the area tree is too deep to store: area %(area)s is %(depth)s levels down "
                "and the path of its ancestors' ids takes %(length)s characters, at most "
                "%(longest)s",
                area=code,
                depth=depth,
                length=len(path),
                longest=longest,
            ),
        )
    return list(out.values())
