"""Households that left or joined a proposal's area since, and the area moves that took them.

Moving an area to another parent (`doorstep import areas` with a new ``parent_code``) can
take households out of a proposal's area or bring them in. The digest then only says that
the households changed; to name the move, a proposal keeps in its ``params`` the ids of the
areas of its area's subtree when it was computed and the newest area id then. An area of
that subtree no longer in it was moved out (with everything below it); an area in the
subtree now that existed then but was not in it was moved in. The households the proposal
holds (its proposed pairs) and those of the area now tell which households crossed, and
whether a move took each of them. Proposals stored without those ids can only say that
households left or joined, and that an area may have been moved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from doorstep.say import Say, Value, joined
from doorstep.services.pairing.scope import Scope
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.tables import PairingProposal

#: Keys in a proposal's ``params``: the ids of its area's subtree, and the newest area id.
SUBTREE_KEY = "subtree_areas"
NEWEST_KEY = "newest_area"


@dataclass(frozen=True)
class _Areas:
    code: dict[int, str]
    parent: dict[int, int | None]
    path: dict[int, str]

    @classmethod
    def read(cls, conn: Connection) -> _Areas:
        rows = repo.area_tree(conn)
        return cls(
            {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, {r[0]: r[3] for r in rows}
        )

    def below(self, area_id: int) -> set[int]:
        """The areas of ``area_id``'s subtree (itself included), as the tree is now."""
        prefix = self.path[area_id]
        return {a for a, p in self.path.items() if p.startswith(prefix)}

    def top(self, area_id: int, within: set[int]) -> int:
        """The highest area above ``area_id`` (or itself) through areas of ``within``."""
        while (up := self.parent[area_id]) is not None and up in within:
            area_id = up
        return area_id


def stored_params(conn: Connection, area_id: int) -> dict[str, Any]:
    """What a proposal for ``area_id`` keeps to name the moves that later cross it."""
    areas = _Areas.read(conn)
    return {SUBTREE_KEY: sorted(areas.below(area_id)), NEWEST_KEY: max(areas.code)}


@dataclass(frozen=True)
class Crossings:
    """Households of the proposal no longer in its area, and households in it now that the
    proposal does not hold; the areas moved out or in that took them, by code."""

    left: int = 0
    joined: int = 0
    moved_out: tuple[tuple[str, int], ...] = ()  # (area, households of the proposal it took)
    moved_in: tuple[tuple[str, int], ...] = ()  # (area, households it brought)
    told: bool = True  # the proposal kept its subtree, so moves can be named
    unexplained: bool = False  # some crossed without a move

    def reasons(self, area_code: str, since: Say) -> list[Say]:
        """The sentences naming the crossings (none when no household crossed)."""
        if not self.told:
            said = [
                Say(
                    "%(households)s of the proposal left %(area)s after %(since)s (an area may "
                    "have been moved)",
                    households=_n(self.left),
                    area=area_code,
                    since=since,
                ),
                Say(
                    "%(households)s joined %(area)s after %(since)s (added, or an area may have "
                    "been moved in)",
                    households=_n(self.joined),
                    area=area_code,
                    since=since,
                ),
            ]
            return [s for s, n in zip(said, (self.left, self.joined), strict=True) if n]
        out = [
            _moved_out(self.moved_out, area_code, since),
            _moved_in(self.moved_in, area_code, since),
        ]
        return [s for s in out if s is not None]

    @property
    def explained(self) -> bool:
        """Whether the sentences account for every household that crossed (when one did)."""
        return bool(self.left or self.joined) and not (self.told and self.unexplained)


def _n(households: int) -> Say:
    if households == 1:
        return Say("%(n)s household", n=households)
    return Say("%(n)s households", n=households)


def _named(areas: tuple[tuple[str, int], ...]) -> Value:
    """The areas moved, each with its households: "T1 (4 households), T2 (1 household)"."""
    return joined(
        [Say("%(area)s (%(households)s)", area=a, households=_n(n)) for a, n in areas], ", "
    )


def _moved_out(areas: tuple[tuple[str, int], ...], area_code: str, since: Say) -> Say | None:
    """ "area T1 was moved out of C1 after ..., taking 4 households of the proposal with it"."""
    if not areas:
        return None
    households = _n(sum(n for _, n in areas))
    if len(areas) == 1:
        return Say(
            "area %(moved)s was moved out of %(area)s after %(since)s, taking %(households)s of "
            "the proposal with it",
            moved=areas[0][0],
            area=area_code,
            since=since,
            households=households,
        )
    return Say(
        "areas %(moved)s were moved out of %(area)s after %(since)s, taking %(households)s of "
        "the proposal with them",
        moved=_named(areas),
        area=area_code,
        since=since,
        households=households,
    )


def _moved_in(areas: tuple[tuple[str, int], ...], area_code: str, since: Say) -> Say | None:
    """ "area T1 was moved into C1 after ..., bringing 4 households with it"."""
    if not areas:
        return None
    households = _n(sum(n for _, n in areas))
    if len(areas) == 1:
        return Say(
            "area %(moved)s was moved into %(area)s after %(since)s, bringing %(households)s "
            "with it",
            moved=areas[0][0],
            area=area_code,
            since=since,
            households=households,
        )
    return Say(
        "areas %(moved)s were moved into %(area)s after %(since)s, bringing %(households)s "
        "with them",
        moved=_named(areas),
        area=area_code,
        since=since,
        households=households,
    )


def crossings(conn: Connection, proposal: PairingProposal, scope: Scope) -> Crossings:
    """Which households crossed the border of the proposal's area since, and through which
    moves (households as the proposal holds them; the area as read into ``scope``)."""
    held = repo.proposal_household_areas(conn, proposal.id)
    now = dict(
        zip(scope.households["id"].to_list(), scope.households["area_id"].to_list(), strict=True)
    )
    left = [held[h] for h in held.keys() - now.keys()]
    joined = [now[h] for h in now.keys() - held.keys()]
    if not left and not joined:
        return Crossings()
    if SUBTREE_KEY not in proposal.params:
        return Crossings(len(left), len(joined), told=False)
    areas = _Areas.read(conn)
    then = set(proposal.params[SUBTREE_KEY])
    below = areas.below(scope.area_id)
    gone = then - below
    came = {a for a in below - then if a <= proposal.params[NEWEST_KEY]}
    out = Counter(areas.code[areas.top(a, gone)] for a in left if a is not None and a in gone)
    into = Counter(areas.code[areas.top(a, came)] for a in joined if a in came)
    return Crossings(
        len(left),
        len(joined),
        tuple(sorted(out.items())),
        tuple(sorted(into.items())),
        unexplained=out.total() < len(left) or into.total() < len(joined),
    )
