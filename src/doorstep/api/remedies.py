"""The services' remedies as an API client takes them: by the route that does it.

The command line's words (``run `doorstep pair --area X` again``) name a command a client
of the API has no use for; here each :class:`~doorstep.remedies.Remedy` is worded by its
route and the field that carries its value (in English, as the API answers), and
:func:`said` is a sentence as the API answers it.
"""

from __future__ import annotations

from collections.abc import Callable

from doorstep.errors import DoorstepError
from doorstep.remedies import Remedy
from doorstep.say import Act, Say

_PROPOSE = "POST /api/v1/pairing/proposals"
_COMMIT = "POST /api/v1/pairing/proposals/{proposal}/commit"

_WORDS: dict[str, Callable[[Act], str]] = {
    Remedy.PAIR_AGAIN: lambda act: f"make a new proposal for {act.value('area')} ({_PROPOSE})",
    Remedy.PAIR_FIRST: lambda _: f"make a proposal for its area first ({_PROPOSE})",
    Remedy.HAND_OVER: lambda act: (
        f"give the visitor an active_to before today ({act.value('yesterday')} or earlier: "
        "their row of visitors, POST /api/v1/imports/visitors), then make a proposal for "
        f"their area with new_only ({_PROPOSE}), commit it ({_COMMIT}) and plan the area "
        "(POST /api/v1/plans)"
    ),
    Remedy.HAND_OVER_STEPS: lambda _: (
        f"a proposal for the area with new_only ({_PROPOSE}), then its commit ({_COMMIT}) and "
        "a plan of the area (POST /api/v1/plans)"
    ),
    Remedy.PROPOSE_AND_COMMIT: lambda _: f"{_PROPOSE}, then {_COMMIT}",
    Remedy.EXCLUDE: lambda _: "POST /api/v1/exclusions",
    Remedy.UNEXCLUDE: lambda _: "DELETE /api/v1/exclusions",
    Remedy.NEXT_PROPOSAL: lambda _: f"proposal ({_PROPOSE})",
    Remedy.PLAN: lambda _: "a plan (POST /api/v1/plans)",
    Remedy.REPLACE: lambda _: "replace=true",
    Remedy.IMPORT_FILE: lambda act: f"POST /api/v1/imports/{act.value('table')}",
    Remedy.IMPORT_BY: lambda act: f"POST /api/v1/imports/{act.value('table')}",
    Remedy.LISTED: lambda act: f"GET /api/v1/{act.value('table')} lists them",
    Remedy.DATABASE: lambda _: "the programme's database",
    Remedy.IMPORT_FIRST: lambda act: (
        f"import them first (POST /api/v1/imports/{act.value('table')})"
    ),
}

#: The remedies the API words: every one (a test holds it).
WORDED = frozenset(_WORDS)


def words(act: Act) -> str | None:
    """An act as the API words it (``None``: a name it does not know: the command's)."""
    worded = _WORDS.get(act.name)
    return None if worded is None else worded(act)


def said(says: Say) -> str:
    """A sentence in English, its acts worded as the API takes them."""
    return says.english(words)


def said_or_none(says: Say | None) -> str | None:
    """:func:`said` of a sentence that may be missing (why a proposal is stale)."""
    return None if says is None else said(says)


def message(exc: DoorstepError) -> str:
    """An error's message as the API answers it: its acts worded by their routes."""
    return exc.message if exc.says is None else said(exc.says)
