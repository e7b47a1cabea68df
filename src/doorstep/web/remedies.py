"""The services' remedies as a page's user takes them: on a page, with its button.

The command line's words (``run `doorstep pair --area X` again``) name a command someone at
a page has no use for; here each :class:`~doorstep.remedies.Remedy` is worded by the page
(as the site's menu names it) and the button or box that does it, translated with the page.
"""

from __future__ import annotations

from collections.abc import Callable

from doorstep.remedies import Remedy
from doorstep.say import Act, Say

#: The pages that list what a refusal names by code or number, as the menu names them.
_LISTS = {
    "referrals": Say("the Referrals page lists them"),
    "projects": Say("the Projects page lists them"),
    "activities": Say("the Activities page lists them"),
}

#: The imports a refusal points to, each named in the page's language.
_IMPORTS = {
    "households": Say("an import of households on the Import page"),
    "organisations": Say("an import of organisations on the Import page"),
    "projects": Say("an import of projects on the Import page"),
    "visits": Say("an import of visits on the Import page"),
}

_WORDS: dict[str, Callable[[Act], Say]] = {
    Remedy.PAIR_AGAIN: lambda act: Say(
        "make a new proposal for %(area)s on the Pairing page", area=act.value("area")
    ),
    Remedy.PAIR_FIRST: lambda _: Say("make a proposal for its area on the Pairing page first"),
    Remedy.HAND_OVER: lambda act: Say(
        "give the visitor an active_to before today (%(yesterday)s or earlier: their row of "
        "visitors, on the Import page), then on the Pairing page make a proposal for their "
        "area with “Pair only the households without a visitor” ticked and commit it, and "
        "plan the area on the Planning page",
        yesterday=act.value("yesterday"),
    ),
    Remedy.HAND_OVER_STEPS: lambda _: Say(
        "a proposal for the area on the Pairing page with “Pair only the households without "
        "a visitor” ticked, then its commit and a plan of the area on the Planning page"
    ),
    Remedy.PROPOSE_AND_COMMIT: lambda _: Say("a proposal on the Pairing page, then its commit"),
    Remedy.EXCLUDE: lambda _: Say("kept apart on the Kept apart page"),
    Remedy.UNEXCLUDE: lambda _: Say("“May be paired again” on the Kept apart page"),
    Remedy.NEXT_PROPOSAL: lambda _: Say("proposal (on the Pairing page)"),
    Remedy.PLAN: lambda _: Say("a plan (on the Planning page)"),
    Remedy.REPLACE: lambda _: Say(
        "the box “the file is the whole set of its people's periods from today on” ticked"
    ),
    Remedy.IMPORT_FILE: lambda _: Say("on the Import page"),
    Remedy.IMPORT_BY: lambda act: (
        _IMPORTS.get(str(act.value("table")))
        or Say("an import of %(table)s on the Import page", table=act.value("table"))
    ),
    Remedy.LISTED: lambda act: _LISTS[str(act.value("table"))],
    Remedy.IMPORT_FIRST: lambda _: Say("import them first on the Import page"),
    Remedy.DATABASE: lambda _: Say("the programme's database"),
}

#: The remedies the pages word: every one (a test holds it).
WORDED = frozenset(_WORDS)


def words(act: Act) -> Say | None:
    """An act as the pages word it (``None``: a name they do not know: the command's)."""
    worded = _WORDS.get(act.name)
    return None if worded is None else worded(act)
