"""What the services tell people to do, named once and worded by each front door.

A refusal that tells its reader what to do (pair the area again, lift an exclusion, import
with the periods replaced) names the action as an :class:`~doorstep.say.Act`: its
:class:`Remedy` and values, with the command line's words, which English writes by
default, so the command line and the audit trail say what they always have. The API words
each remedy by its route (:mod:`doorstep.api.remedies`) and the pages by their page and
button (:mod:`doorstep.web.remedies`): their users have no command line. A test holds
every remedy to a wording in both.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from doorstep.say import Act


class Remedy(StrEnum):
    """The actions a service's words tell people to take (and the one place they name
    that is the command line's alone: the database it opened)."""

    #: Make a new proposal for the area (value ``area``): the stale one cannot commit.
    PAIR_AGAIN = "pair_again"
    #: Make a proposal for the household's area first (no values).
    PAIR_FIRST = "pair_first"
    #: Hand a visitor's households over (values ``visitor``, ``yesterday``): a last day
    #: before today, then a proposal of the new households only, its commit and a plan.
    HAND_OVER = "hand_over"
    #: How a household and a visitor are kept apart.
    EXCLUDE = "exclude"
    #: What lets them be paired again.
    UNEXCLUDE = "unexclude"
    #: An area's next proposal, whose commit ends the pairings it must.
    NEXT_PROPOSAL = "next_proposal"
    #: A plan of an area.
    PLAN = "plan"
    #: Importing leave or blackouts as the whole set of their people's periods from today.
    REPLACE = "replace"
    #: The steps that hand leaving visitors' households over: a proposal of the new
    #: households only, its commit and a plan.
    HAND_OVER_STEPS = "hand_over_steps"
    #: A proposal for the area, then its commit.
    PROPOSE_AND_COMMIT = "propose_and_commit"
    #: Importing a file of the rows named (value ``table``: what is imported).
    IMPORT_FILE = "import_file"
    #: An import of a file of the rows named (value ``table``), which does what the
    #: sentence says (adds them, changes one, files an earlier act).
    IMPORT_BY = "import_by"
    #: Where the records named (value ``table``: referrals, projects, activities) are listed
    #: with the codes or numbers a refusal did not find (a part: "... shows them").
    LISTED = "listed"
    #: Importing the rows named (value ``table``) before the rows that refer to them, where
    #: the database holds none of them (the command line may have opened the wrong one).
    IMPORT_FIRST = "import_first"
    #: The database the rows were looked for in (value ``where``): the command line names
    #: the one it opened, which may be the wrong one (a relative path run from elsewhere);
    #: the API and the pages serve the programme's own, and never show its path or URL.
    DATABASE = "database"


def pair_again(area: str) -> Act:
    return Act(Remedy.PAIR_AGAIN, f"run `doorstep pair --area {area}` again", area=area)


def pair_first() -> Act:
    return Act(Remedy.PAIR_FIRST, "run `doorstep pair --area CODE` first")


def hand_over(visitor: str, yesterday: dt.date) -> Act:
    return Act(
        Remedy.HAND_OVER,
        f"give the visitor a last day before today (`doorstep visitor end {visitor} "
        f"--last-day {yesterday}` or earlier: the last day is a working one), then "
        "`doorstep pair --area ... --new-only`, `pair commit` and `plan --area`",
        visitor=visitor,
        yesterday=yesterday,
    )


def hand_over_steps() -> Act:
    return Act(
        Remedy.HAND_OVER_STEPS, "pair --area AREA --new-only, then pair commit and plan --area"
    )


def propose_and_commit() -> Act:
    return Act(Remedy.PROPOSE_AND_COMMIT, "pair --area ..., then pair commit")


def exclude() -> Act:
    return Act(Remedy.EXCLUDE, "doorstep pair exclude")


def unexclude() -> Act:
    return Act(Remedy.UNEXCLUDE, "doorstep pair unexclude")


def next_proposal() -> Act:
    return Act(Remedy.NEXT_PROPOSAL, "`doorstep pair --area`")


def plan() -> Act:
    return Act(Remedy.PLAN, "`doorstep plan`")


def replace() -> Act:
    return Act(Remedy.REPLACE, "--replace")


def import_file(table: str) -> Act:
    return Act(Remedy.IMPORT_FILE, f"doorstep import {table} FILE", table=table)


def import_first(table: str, command: str | None = None) -> Act:
    """Import the rows of ``table`` before what refers to them; ``command``: the command
    line's words, where a sentence has always given them otherwise."""
    return Act(
        Remedy.IMPORT_FIRST,
        command
        or f"import them first (doorstep import {table} FILE), or set DOORSTEP_DATABASE_URL "
        "to the database that holds them",
        table=table,
    )


def import_by(table: str, command: str) -> Act:
    """An import of ``table``; ``command``: the command line's words for it, as the sentence
    has always given them (with ``FILE`` or without)."""
    return Act(Remedy.IMPORT_BY, command, table=table)


def listed(table: str, command: str) -> Act:
    """Where ``table`` is listed; ``command``: the command line's words, with their verb."""
    return Act(Remedy.LISTED, command, table=table)


def database(where: str) -> Act:
    """The database the command line opened, ``where`` (its path, or URL without the
    password), as the sentence names it: "the database WHERE"."""
    return Act(Remedy.DATABASE, f"the database {where}", where=where)
