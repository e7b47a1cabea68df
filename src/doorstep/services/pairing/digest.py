"""The digest a pairing proposal keeps of its inputs, and the words for what changed since.

The digest has two parts. The *inputs* part covers the area's households (consent, area,
languages, place, pool, current visitor), every visitor considered (every column the problem
uses, the places taken outside the area, and whether they are active on the day, not the day
itself) and the exclusions between them. The *tree* part covers where each household's area
sits in the area tree (its materialised path, so every area above it): moving an area to
another parent changes which service areas hold its households, which neither the
households nor the visitors show. A proposal stores the whole digest and, in its params, the
format, the tree part and a digest of which areas hold the households, so a refusal can say
that an area moved: the tree part changed while the same areas hold the households (a move
that takes households out of the area or brings some in: :mod:`.moves`).

Which visitors are leaving (their last day within the programme's window of the day) is not
in the digest: it depends on the window as well as the day. The proposal keeps the window
(:mod:`.leaving`), and :func:`changes` names the visitors whose being leaving changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from doorstep.say import Say, Value, joined
from doorstep.services.pairing.leaving import WINDOW_KEY, Window, flipped

#: What the digest covers; a proposal stored with another format (or none: format 1, before
#: the area tree was covered) cannot be checked and is stale.
FORMAT = 2
#: Keys in a proposal's ``params``: the digest's format, its tree part, and which areas.
FORMAT_KEY = "digest_format"
TREE_KEY = "tree_digest"
AREAS_KEY = "areas_digest"
#: Key in a proposal's ``params``: a digest of each of the inputs' three frames, so that a
#: refusal can say which changed (proposals stored before it have none: "something").
PARTS_KEY = "input_parts"


def active(visitors: pl.DataFrame, today: dt.date) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each visitor is active on ``today`` (``active_from``/``active_to``, inclusive)."""
    frm = visitors["active_from"].fill_null(dt.date.min)
    to = visitors["active_to"].fill_null(dt.date.max)
    return ((frm <= today) & (to >= today)).to_numpy().astype(np.bool_)


def inputs_part(
    households: pl.DataFrame, visitors: pl.DataFrame, exclusions: pl.DataFrame, today: dt.date
) -> str:
    """SHA-256 of the inputs as of ``today``: every household (without its area's path),
    every visitor considered (with whether they are active that day, not the day itself, so
    a proposal committed on a later day is stale only if that changed who is active) and the
    exclusions between them."""
    h = hashlib.sha256()
    for f in _frames(households, visitors, exclusions, today).values():
        h.update(f.write_csv().encode())
    return h.hexdigest()


def inputs_and_parts(
    households: pl.DataFrame, visitors: pl.DataFrame, exclusions: pl.DataFrame, today: dt.date
) -> tuple[str, dict[str, str]]:
    """:func:`inputs_part` and :func:`parts` at once, writing each frame out once (a region's
    frames take seconds to write)."""
    whole = hashlib.sha256()
    each = {}
    for k, f in _frames(households, visitors, exclusions, today).items():
        text = f.write_csv().encode()
        whole.update(text)
        each[k] = hashlib.sha256(text).hexdigest()
    return whole.hexdigest(), each


def _frames(
    households: pl.DataFrame, visitors: pl.DataFrame, exclusions: pl.DataFrame, today: dt.date
) -> dict[str, pl.DataFrame]:
    """The inputs' frames as the digest reads them, by what they hold."""
    flagged = visitors.with_columns(pl.Series("active", active(visitors, today)))
    return {
        "households": households.drop("area_path"),
        "visitors": flagged,
        "exclusions": exclusions,
    }


def parts(
    households: pl.DataFrame, visitors: pl.DataFrame, exclusions: pl.DataFrame, today: dt.date
) -> dict[str, str]:
    """SHA-256 of each of the inputs' frames as of ``today``, by what it holds."""
    return {k: _sha(f) for k, f in _frames(households, visitors, exclusions, today).items()}


#: What each frame of the inputs holds, for a refusal that names the one that changed (of
#: the area whose code it is given).
_WHAT: dict[str, Callable[[str], Say]] = {
    "households": lambda area: Say(
        "the households of %(area)s (one added or gone, or a household's consent, languages, "
        "place, remote pool, area or current visitor)",
        area=area,
    ),
    "visitors": lambda area: Say(
        "the visitors in reach of %(area)s (one added or gone, or a visitor's capacity, "
        "languages, home, service area, pool, active days or places taken outside the area)",
        area=area,
    ),
    "exclusions": lambda area: Say(
        "the exclusions between the households of %(area)s and the visitors in reach (one "
        "added or removed)",
        area=area,
    ),
}


def tree_part(households: pl.DataFrame) -> str:
    """SHA-256 of the path of every area holding one of the households."""
    return _sha(households.select("area_id", "area_path").unique().sort("area_id"))


def areas_part(households: pl.DataFrame) -> str:
    """SHA-256 of which areas hold the households (not where they sit in the tree)."""
    return _sha(households.select("area_id").unique().sort("area_id"))


def _sha(f: pl.DataFrame) -> str:
    return hashlib.sha256(f.write_csv().encode()).hexdigest()


def combine(inputs: str, tree: str) -> str:
    """The digest a proposal stores, of its two parts."""
    return hashlib.sha256(f"{FORMAT}:{inputs}:{tree}".encode()).hexdigest()


def stored_params(
    households: pl.DataFrame, visitors: pl.DataFrame, exclusions: pl.DataFrame, today: dt.date
) -> dict[str, Any]:
    """What a proposal keeps in its ``params`` besides the digest, to explain a refusal."""
    return {
        FORMAT_KEY: FORMAT,
        TREE_KEY: tree_part(households),
        AREAS_KEY: areas_part(households),
        PARTS_KEY: parts(households, visitors, exclusions, today),
    }


def current_format(params: dict[str, Any]) -> bool:
    """Whether a proposal's digest was taken in this format (so can be compared at all)."""
    return params.get(FORMAT_KEY) == FORMAT and TREE_KEY in params and AREAS_KEY in params


OLD_FORMAT = Say(
    "it was computed by an earlier version of doorstep, whose digest of its inputs did not "
    "cover the area tree"
)


@dataclass(frozen=True)
class Taken:
    """A digest as stored: its value, its tree part, which areas, the day it is as of, and
    the digest of each frame of the inputs where it was kept."""

    digest: str
    tree: str
    areas: str
    as_of: dt.date
    parts: dict[str, str] | None = None
    #: The window its leaving visitors are as of (``None``: not kept, stored before it was).
    window: Window | None = None

    @classmethod
    def of(
        cls,
        digest: str,
        params: dict[str, Any],
        as_of: dt.date,
        *,
        with_parts: bool = True,
        window_key: str = WINDOW_KEY,
    ) -> Taken:
        kept = params.get(PARTS_KEY) if with_parts else None
        window = Window.kept(params, window_key)
        return cls(digest, params[TREE_KEY], params[AREAS_KEY], as_of, kept, window)


@dataclass(frozen=True)
class Changes:
    """What changed, in sentences, and the visitors they name by id (whoever is shown the
    sentences reads that of them: the audit trail must say so)."""

    sentences: list[Say]
    visitors: tuple[str, ...] = ()
    #: The sentences naming no one, as a refused commit's event keeps them and an account
    #: that may not see a visitor named is shown them (each visitor counted, not named);
    #: ``None``: the sentences, which name no one.
    unnamed: list[Say] | None = None


def changes(
    households: pl.DataFrame,
    visitors: pl.DataFrame,
    exclusions: pl.DataFrame,
    area_code: str,
    taken: Taken,
    *,
    now: Window,
    was: Callable[[dt.date], Say],
    since: Say,
    crossed: Sequence[Say] = (),
    explained: bool = False,
) -> Changes:
    """What differs between the inputs ``taken`` describes and the area as of ``now.on``
    (``today``), the programme's window ``now.days``, and the visitors named:

    * the visitors whose being active differs between ``taken.as_of`` and ``today`` (the
      cheap part to name: "``was(as_of)``, and on ``today`` visitor ...", the first
      five by id, which are the :attr:`Changes.visitors`);
    * likewise those whose being leaving differs between the window ``taken`` keeps and
      ``now`` (:func:`~.leaving.flipped`): days passing brought their last day within it,
      or the programme's cadence changed it (none where ``taken`` keeps no window: which
      visitors were leaving for it cannot be told, as its caller says);
    * whether an area holding the households (or one above it) moved to another parent:
      the same areas hold them, at other places in the tree (when other areas hold them,
      the households changed, which the last point names);
    * ``crossed``: which households left or joined the area, and through which moves
      (:mod:`doorstep.services.pairing.moves`);
    * whether anything else changed (after ``since``), unless ``crossed`` is ``explained``:
      once households left or joined, which visitors are considered changes with them.
    """
    why: list[Say] = []
    plain: list[Say] = []  # the visitors' sentences, each visitor counted, not named
    ids: tuple[str, ...] = ()
    today = now.on
    turned = visitors.filter(pl.Series(active(visitors, taken.as_of) != active(visitors, today)))
    if turned.height:
        shown = turned.head(5)
        ids = tuple(shown["external_id"].to_list())
        named: Value = joined(
            [
                Say("%(visitor)s is active (%(days)s)", visitor=r["external_id"], days=_span(r))
                if on
                else Say(
                    "%(visitor)s is not active (%(days)s)", visitor=r["external_id"], days=_span(r)
                )
                for r, on in zip(shown.iter_rows(named=True), active(shown, today), strict=True)
            ],
            ", ",
        )
        if turned.height > 5:
            named = Say("%(named)s (and %(n)s more)", named=named, n=turned.height - 5)
        why.append(
            Say(
                "%(was)s, and on %(today)s visitor %(named)s",
                was=was(taken.as_of),
                today=today,
                named=named,
            )
        )
        plain.append(_whether_active(was(taken.as_of), turned.height, today))
    # A proposal stored before its window was kept cannot say who was leaving for it: its
    # caller says so (``staleness.NO_WINDOW``) rather than guess a window.
    then = taken.window
    leaves = (
        visitors.clear()
        if then is None
        else visitors.filter(pl.Series(flipped(visitors, then, now)))
    )
    if then is not None and leaves.height:
        shown = leaves.head(5)
        ids += tuple(v for v in shown["external_id"].to_list() if v not in ids)
        soon = now.leaving(shown)
        named = joined(
            [
                Say(
                    "%(visitor)s is leaving (%(days)s: no new households)",
                    visitor=r["external_id"],
                    days=_span(r),
                )
                if goes
                else Say(
                    "%(visitor)s is no longer leaving (%(days)s)",
                    visitor=r["external_id"],
                    days=_span(r),
                )
                for r, goes in zip(shown.iter_rows(named=True), soon, strict=True)
            ],
            ", ",
        )
        if leaves.height > 5:
            named = Say("%(named)s (and %(n)s more)", named=named, n=leaves.height - 5)
        under: Value = (
            was(taken.as_of)
            if then.days == now.days
            else Say(
                "%(was)s with %(then)s days between visits, where the programme's cadence is "
                "%(now)s now",
                was=was(taken.as_of),
                then=then.days,
                now=now.days,
            )
        )
        why.append(
            Say("%(was)s, and on %(today)s visitor %(named)s", was=under, today=today, named=named)
        )
        plain.append(_whether_leaving(under, leaves.height, today))
    if areas_part(households) == taken.areas and tree_part(households) != taken.tree:
        why.append(
            Say(
                "an area holding households of %(area)s, or an area above one, was moved to "
                "another parent after %(since)s (which service areas hold its households "
                "changed)",
                area=area_code,
                since=since,
            )
        )
    why.extend(crossed)
    if not explained and combine(
        inputs_part(households, visitors, exclusions, taken.as_of), taken.tree
    ) != (taken.digest):
        found = parts(households, visitors, exclusions, taken.as_of)
        # After households crossed the area's edge, every frame differs with them: no use.
        kept = taken.parts if taken.parts and not crossed else {}
        changed = [k for k in _WHAT if kept and kept.get(k) != found[k]]
        if changed:
            said = joined([_WHAT[k](area_code) for k in changed], " and ")
            why.append(Say("%(what)s changed after %(since)s", what=said, since=since))
        else:  # kept no parts (an older proposal), or only the order of rows moved
            why.append(
                Say(
                    "the households, visitors, pairings or exclusions of %(area)s changed "
                    "after %(since)s",
                    area=area_code,
                    since=since,
                )
            )
    # The visitors' sentences come first: the rest name no one.
    unnamed = [*plain, *why[len(plain) :]] if plain else None
    return Changes(why, ids, unnamed)


def _whether_active(was: Value, n: int, today: dt.date) -> Say:
    """The sentence naming the visitors whose being active changed, counting them instead."""
    if n == 1:
        return Say(
            "%(was)s, and whether %(n)s visitor is active changed by %(today)s",
            was=was,
            n=n,
            today=today,
        )
    return Say(
        "%(was)s, and whether %(n)s visitors are active changed by %(today)s",
        was=was,
        n=n,
        today=today,
    )


def _whether_leaving(was: Value, n: int, today: dt.date) -> Say:
    """The sentence naming the visitors whose being leaving changed, counting them instead."""
    if n == 1:
        return Say(
            "%(was)s, and whether %(n)s visitor is leaving changed by %(today)s",
            was=was,
            n=n,
            today=today,
        )
    return Say(
        "%(was)s, and whether %(n)s visitors are leaving changed by %(today)s",
        was=was,
        n=n,
        today=today,
    )


def _span(visitor: dict[str, Any]) -> str:
    """A visitor's active dates as imported: "active_from 2026-01-01, active_to 2026-11-25"."""
    dates = [f"{c} {visitor[c]}" for c in ("active_from", "active_to") if visitor[c]]
    return ", ".join(dates)
