"""Who may see and change what over the API: the one place that decides it.

An account's scope is an area's subtree (a manager with no area: the whole programme), or,
for a visitor's account, the visitor's own work: their work lists and the visits they made.
Every route asks here before it reads or writes anyone's data; a request outside the scope
is refused (:class:`~doorstep.errors.NotPermitted`) before the service runs, so the trail
records no read of data the account could not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import Connection

from doorstep.errors import NotPermitted
from doorstep.say import Code, Say
from doorstep.storage.repositories import accounts as repo
from doorstep.storage.repositories import pairing as pairing_repo


@dataclass(frozen=True)
class Principal:
    """The account a request is made by."""

    name: str
    role: str
    area: str | None  # the code of its area; None: the whole programme or a visitor's own
    area_path: str | None
    visitor: str | None  # a visitor's account: the visitor's id

    @property
    def actor(self) -> str:
        """How the audit trail names it: apart from the operating-system users of the
        command line."""
        return f"api:{self.name}"


def list_area(conn: Connection, who: Principal, area: str | None) -> str | None:
    """The area a list of ``who`` covers: the one asked for, within the account's scope, else
    the account's own (``None``: the whole programme, for a manager with no area)."""
    if who.role == "visitor":
        if area is not None:
            raise NotPermitted(
                Say(
                    "account %(account)s is a visitor's: it lists its visitor's work only "
                    "(leave out area)",
                    account=who.name,
                )
            )
        return None
    if area is None:
        return who.area
    path = pairing_repo.area_by_code(conn, area)[1]
    if who.area_path is not None and not path.startswith(who.area_path):
        raise _outside(who, area)
    return area


def list_visitor(who: Principal, visitor: str | None) -> str | None:
    """The visitor whose work a list is of: a visitor's account may ask for its own only."""
    if who.role != "visitor":
        return visitor
    if visitor is not None and visitor != who.visitor:
        raise NotPermitted(
            Say(
                "account %(account)s lists the work of visitor %(visitor)s only",
                account=who.name,
                visitor=str(who.visitor),
            )
        )
    return who.visitor


def check_visit(conn: Connection, who: Principal, household: str, visitor: str) -> None:
    """Whether ``who`` may record (or mark missed) a visit of ``visitor`` to ``household``:
    a visitor's account its own visits; an area's account those to households in it."""
    if who.role == "visitor":
        if visitor != who.visitor:
            raise NotPermitted(
                Say(
                    "account %(account)s records the visits of visitor %(visitor)s only",
                    account=who.name,
                    visitor=str(who.visitor),
                )
            )
        return
    _in_area(conn, who, household)


def check_household(conn: Connection, who: Principal, household: str) -> None:
    """Whether ``who`` may read why a household has its visitor: an area's account, for a
    household in its area. A visitor's account may not: the answer names other visitors,
    their distances and caseloads."""
    if who.role == "visitor":
        raise _role(who, Say("a pairing's explanation names other visitors"))
    _in_area(conn, who, household)


def _in_area(conn: Connection, who: Principal, household: str) -> None:
    """Refuse a household outside the account's area; an unknown or erased one is left to
    the service, which says which."""
    path = repo.household_area_path(conn, household)
    if who.area_path is not None and path is not None and not path.startswith(who.area_path):
        raise NotPermitted(
            Say(
                "household %(household)s lives outside account %(account)s's area %(area)s",
                household=household,
                account=who.name,
                area=str(who.area),
            )
        )


def check_household_export(conn: Connection, who: Principal, household: str) -> None:
    """Whether ``who`` may hand a household everything held about it: an area's account
    (manager or coordinator: they serve it at its door or answer its request), for a
    household in its area. A visitor's account may not: the export names other visitors."""
    if who.role == "visitor":
        raise _role(
            who,
            Say("a household's export is handed over by its area's coordinator or manager"),
        )
    _in_area(conn, who, household)


def check_household_erasure(conn: Connection, who: Principal, household: str) -> None:
    """Whether ``who`` may erase a household: a manager, of a household in its area."""
    _manager(who, "household")
    _in_area(conn, who, household)


def check_visitor_export(conn: Connection, who: Principal, visitor: str) -> None:
    """Whether ``who`` may hand a visitor everything held about them: the visitor's own
    account, or an area's account (manager or coordinator) whose area holds the visitor's
    home area."""
    if who.role == "visitor":
        if visitor != who.visitor:
            raise NotPermitted(
                Say(
                    "account %(account)s exports the data of visitor %(visitor)s only",
                    account=who.name,
                    visitor=str(who.visitor),
                )
            )
        return
    _visitor_in_area(conn, who, visitor)


def check_visitor_erasure(conn: Connection, who: Principal, visitor: str) -> None:
    """Whether ``who`` may erase a visitor: a manager, of a visitor whose home area is in
    its area (not the visitor's own account: an erasure deletes it)."""
    _manager(who, "visitor")
    _visitor_in_area(conn, who, visitor)


def check_exclusion(conn: Connection, who: Principal, household: str | None) -> None:
    """Whether ``who`` may keep a household and a visitor apart, let them be paired again
    or list such pairs: an area's account, for a household in its area. A visitor's account
    may not: a conflict of interest is told to the area's coordinator, who decides."""
    if who.role == "visitor":
        raise _role(who, Say("pairs are kept apart by the area's coordinator or manager"))
    if household is not None:
        _in_area(conn, who, household)


def check_import(who: Principal, entity: str | None = None) -> None:
    """Whether ``who`` may import a registry file of ``entity`` rows: a manager of the whole
    programme (no area), as the operator at the command line, any; an area's account (a
    coordinator, an area's manager) the rows of its own area, which the import checks row by
    row (``services.importing.scope``), but not organisations, the whole programme's. A
    visitor's account may not: a file names other people."""
    if who.role == "visitor":
        raise _role(who, Say("files are imported by an area's coordinator or manager"))
    if who.area is not None and entity == "organisations":  # None: before a file is chosen
        raise NotPermitted(
            Say(
                "account %(account)s is area %(area)s's, and organisations are the whole "
                "programme's: they are imported by a manager of the whole programme (an "
                "account with no area), or with `doorstep import` on the server",
                account=who.name,
                area=who.area,
            )
        )


def check_accounts(who: Principal) -> str | None:
    """Whether ``who`` may list, make, give tokens to and disable accounts: a manager. The
    area path whose accounts it keeps (``None``: every account, for a manager with no area)."""
    if who.role != "manager":
        raise _role(who, Say("accounts are kept by a manager"))
    return who.area_path


def check_cadence(who: Principal) -> None:
    """Whether ``who`` may set the programme's cadence: a manager of the whole programme
    (it is every area's)."""
    if who.role != "manager" or who.area is not None:
        raise NotPermitted(
            Say(
                "account %(account)s is not a manager of the whole programme: the cadence is "
                "every area's, set by one",
                account=who.name,
            )
        )


def audit_area(conn: Connection, who: Principal, area: str | None) -> str | None:
    """The area whose events ``who`` may read in the audit trail: a manager's, the one
    asked for within its own (default: its own; ``None``: the whole trail, for a manager
    with no area). The trail names every person's data: coordinators and visitors read
    theirs in a person's export instead."""
    if who.role != "manager":
        raise _role(
            who,
            Say("the audit trail is read by a manager (a person's own events are in their export)"),
        )
    return list_area(conn, who, area)


def check_new_account(
    conn: Connection, who: Principal, role: str, area: str | None, visitor: str | None
) -> None:
    """Whether ``who`` may make an account of ``role``: a manager, one that sees no more than
    it does: an area within its own, or a visitor whose home area is in it. An unknown area
    or visitor is left to the service, which says which."""
    check_accounts(who)
    if who.area_path is None:
        return
    if role == "visitor":
        if visitor is not None:  # none: the service says what a visitor's account needs
            _visitor_in_area(conn, who, visitor)
    elif area is None:
        raise NotPermitted(
            Say(
                "account %(account)s keeps the accounts of area %(area)s: an account with no "
                "area would see the whole programme",
                account=who.name,
                area=str(who.area),
            )
        )
    else:
        found = repo.area_path(conn, area)
        if found is not None:
            _within(who, area, found)


def check_account(conn: Connection, who: Principal, name: str) -> None:
    """Whether ``who`` may give a token to the account ``name`` or disable it: a manager,
    for an account whose area (a visitor's: their home area) is within its own. An unknown
    account is left to the service."""
    scope = check_accounts(who)
    if scope is None:
        return
    row = repo.by_name(conn, name)
    if row is None:
        return
    path = row.area_path
    if row.visitor is not None:
        home = repo.visitor_home_path(conn, row.visitor)
        path = None if home is None else home[0]
    if path is None or not path.startswith(scope):
        raise NotPermitted(
            Say(
                "account %(name)s is outside account %(account)s's area %(area)s",
                name=name,
                account=who.name,
                area=str(who.area),
            )
        )


def _manager(who: Principal, whom: str) -> None:
    if who.role != "manager":
        erased = (
            Say("a household is erased by a manager")
            if whom == "household"
            else Say("a visitor is erased by a manager")
        )
        raise _role(who, erased)


def _role(who: Principal, why: Say) -> NotPermitted:
    """``who``'s account refused for its role (a visitor's, a coordinator's), and ``why``."""
    return NotPermitted(
        Say(
            "account %(account)s is a %(role)s's: %(why)s",
            account=who.name,
            role=Code(who.role),
            why=why,
        )
    )


def _visitor_in_area(conn: Connection, who: Principal, visitor: str) -> None:
    """Refuse a visitor whose home area is outside the account's area, or who has none (a
    visitor who works anywhere is the whole programme's); an unknown or erased one is left
    to the service, which says which."""
    if who.area_path is None:
        return
    found = repo.visitor_home_path(conn, visitor)
    if found is None or found[1]:
        return
    if not _home_within(who, found[0]):
        raise NotPermitted(
            Say(
                "visitor %(visitor)s's home area is outside account %(account)s's area %(area)s",
                visitor=visitor,
                account=who.name,
                area=str(who.area),
            )
        )


def _home_within(who: Principal, home: str | None) -> bool:
    """Whether a visitor whose home area has the path ``home`` is in ``who``'s area: any,
    for an account of the whole programme; else one whose home area is within its area (one
    with none works anywhere: the whole programme's)."""
    return who.area_path is None or (home is not None and home.startswith(who.area_path))


def visitors_seen(conn: Connection, who: Principal, visitors: Collection[str]) -> frozenset[str]:
    """Of ``visitors``, those whose data ``who`` may see beside a household's (a pairing's
    explanation lists the visitors near it): every one, for an account of the whole
    programme; for an area's account, those whose home area is in its area, as it may open
    their files (:func:`check_visitor_file`); for a visitor's account, its own. Any other,
    an unknown or erased one too, is withheld: the caller shows it without its id, or not at
    all, and records no read of it."""
    if who.role == "visitor":
        return frozenset(v for v in visitors if v == who.visitor)
    if who.area_path is None:
        return frozenset(visitors)
    homes = repo.visitor_home_paths(conn, visitors)
    return frozenset(v for v, home in homes.items() if _home_within(who, home))


def seer(conn: Connection, who: Principal) -> Callable[[Collection[str]], frozenset[str]]:
    """:func:`visitors_seen` for ``who``, as the pairing services take it (``sees``): an
    explanation, a proposal's page or diff, a refused commit name only those visitors."""

    def sees(visitors: Collection[str]) -> frozenset[str]:
        return visitors_seen(conn, who, visitors)

    return sees


def check_consent(conn: Connection, who: Principal, household: str, today: dt.date) -> None:
    """Whether ``who`` may record a household's consent act: a visitor's account for a
    household its visitor looks after today (an act is often given at the door); an area's
    account for a household in its area."""
    _served(
        conn,
        who,
        household,
        today,
        Say(
            "account %(account)s records the consent of visitor %(visitor)s's households "
            "only, and %(household)s is not one of them today",
            account=who.name,
            visitor=str(who.visitor),
            household=household,
        ),
    )


def check_household_file(conn: Connection, who: Principal, household: str, today: dt.date) -> None:
    """Whether ``who`` may read a household's case file: a visitor's account for a household
    its visitor looks after today (it goes there); an area's account for a household in its
    area."""
    _served(
        conn,
        who,
        household,
        today,
        Say(
            "account %(account)s reads the files of visitor %(visitor)s's households only, "
            "and %(household)s is not one of them today",
            account=who.name,
            visitor=str(who.visitor),
            household=household,
        ),
    )


def check_visitor_file(conn: Connection, who: Principal, visitor: str) -> None:
    """Whether ``who`` may read a visitor's file: the visitor's own account; an area's
    account, for a visitor whose home area is in its area (the file then shows their work
    within the area only)."""
    if who.role == "visitor":
        if visitor != who.visitor:
            raise NotPermitted(
                Say(
                    "account %(account)s reads the file of visitor %(visitor)s only",
                    account=who.name,
                    visitor=str(who.visitor),
                )
            )
        return
    _visitor_in_area(conn, who, visitor)


def check_visitor_search(who: Principal) -> None:
    """Whether ``who`` may search the visitors: an area's account (a visitor's opens its own
    file only)."""
    _area_account(who, Say("it opens its own visitor's file only"))


def _served(conn: Connection, who: Principal, household: str, today: dt.date, no: Say) -> None:
    """A visitor's account for a household its visitor looks after today (else refused,
    saying ``no``: a whole sentence, as a translation needs); an area's account for a
    household in its area."""
    if who.role == "visitor":
        assert who.visitor is not None
        if not repo.paired_on(conn, household, who.visitor, today):
            raise NotPermitted(no)
        return
    _in_area(conn, who, household)


def check_referral_household(
    conn: Connection, who: Principal, household: str, today: dt.date
) -> None:
    """Whether ``who`` may refer a household, or read its referrals: a visitor's account for
    a household its visitor looks after today (referrals are made at the door); an area's
    account for a household in its area."""
    _served(
        conn,
        who,
        household,
        today,
        Say(
            "account %(account)s keeps the referrals of visitor %(visitor)s's households "
            "only, and %(household)s is not one of them today",
            account=who.name,
            visitor=str(who.visitor),
            household=household,
        ),
    )


def referral_visitor(who: Principal, visitor: str | None) -> str | None:
    """Who made a referral ``who`` records: a visitor's account, its own visitor (no other);
    an area's account, the visitor it names, if any."""
    if who.role != "visitor":
        return visitor
    if visitor is not None and visitor != who.visitor:
        raise NotPermitted(
            Say(
                "account %(account)s records the referrals of visitor %(visitor)s",
                account=who.name,
                visitor=str(who.visitor),
            )
        )
    return who.visitor


def check_referral(conn: Connection, who: Principal, number: int, today: dt.date) -> None:
    """Whether ``who`` may move referral ``number`` on: as for its household
    (:func:`check_referral_household`); an unknown one is left to the service."""
    household = repo.referral_household(conn, number)
    if household is not None:
        check_referral_household(conn, who, household, today)


def calendar_visitor(who: Principal, visitor: str | None) -> str:
    """Whose calendar ``who`` may draw: a visitor's account its own; a manager of the whole
    programme anyone's. A calendar lists every household its visitor goes to, in any area,
    so an area's account may not."""
    if who.role == "visitor":
        assert who.visitor is not None
        return list_visitor(who, visitor) or who.visitor
    if who.role == "manager" and who.area_path is None:
        if visitor is None:
            raise NotPermitted(Say("give visitor: whose calendar"))
        return visitor
    raise NotPermitted(
        Say(
            "account %(account)s sees area %(area)s, and a visitor's calendar lists households "
            "in any area: a visitor's own account, or a manager of the whole programme, draws "
            "it",
            account=who.name,
            area=str(who.area),
        )
    )


def check_report(who: Principal) -> None:
    """Reports are the programme's figures by area: an area's accounts read them."""
    if who.role == "visitor":
        raise _role(who, Say("reports are for coordinators"))


def check_sizes(who: Principal) -> None:
    """Whether ``who`` may list the stored years of households with more members in work
    than members (`doorstep check sizes`), of an area within its own (:func:`list_area`): an
    area's account. A visitor's account may not: the list is an area's households and their
    figures, which an import corrects, and a visitor's account imports nothing."""
    if who.role == "visitor":
        raise _role(
            who, Say("stored figures are checked and corrected by an area's coordinator or manager")
        )


def pairing_scope(who: Principal) -> str | None:
    """The area path whose proposals ``who`` may list (``None``: every area): an area's
    accounts. A visitor's account may not: a proposal names other visitors and households."""
    _not_a_visitor(who)
    return who.area_path


def check_pairing_area(conn: Connection, who: Principal, area: str) -> None:
    """Whether ``who`` may pair ``area`` (make a proposal for it): a manager or coordinator
    whose area contains it; an unknown area is not found."""
    _not_a_visitor(who)
    _within(who, area, pairing_repo.area_by_code(conn, area)[1])


def check_proposal(conn: Connection, who: Principal, proposal: int) -> None:
    """Whether ``who`` may read, commit or discard a proposal: a manager or coordinator whose
    area contains the proposal's; an unknown proposal is left to the service, which says so."""
    _not_a_visitor(who)
    found = pairing_repo.proposal_area(conn, proposal)
    if found is not None:
        _within(who, *found)


def may_read_proposal(conn: Connection, who: Principal, proposal: int) -> bool:
    """Whether ``who`` may open a proposal's page (:func:`check_proposal`): a page that names
    a proposal an account may not open (a household's pairing explained from the proposal
    of an area above the account's) names it without a link to a refusal."""
    try:
        check_proposal(conn, who, proposal)
    except NotPermitted:
        return False
    return True


def check_plan_area(conn: Connection, who: Principal, area: str) -> None:
    """Whether ``who`` may plan ``area`` (write its planned visits, read which households
    miss their cadence): a manager or coordinator whose area contains it; an unknown area
    is not found."""
    check_planner(who)
    _within(who, area, pairing_repo.area_by_code(conn, area)[1])


def check_planner(who: Principal) -> None:
    """Whether ``who`` may plan at all: an area's account. A visitor's account may not: a
    plan moves other visitors' visits, and its list of unmet pairings names them."""
    if who.role == "visitor":
        raise _role(who, Say("planning an area's visits is for coordinators"))


def check_activity_area(conn: Connection, who: Principal, area: str) -> None:
    """Whether ``who`` may add a group activity held in ``area``: an area's account whose
    area contains it; an unknown area is not found."""
    _area_account(who, Say("group activities are added by coordinators"))
    _within(who, area, pairing_repo.area_by_code(conn, area)[1])


def check_attendance(
    conn: Connection, who: Principal, activity: str, households: list[str], visitors: list[str]
) -> None:
    """Whether ``who`` may record who took part in ``activity``: an area's account whose area
    holds the activity, for households living in it and visitors whose home area is in it
    (a refusal of the service would tell others' consent). Unknown ones are left to the
    service, which says which."""
    _area_account(who, Say("attendance is recorded by coordinators"))
    found = repo.activity_area_path(conn, activity)
    if found is not None:
        _within(who, *found)
    for household in households:
        _in_area(conn, who, household)
    for visitor in visitors:
        _visitor_in_area(conn, who, visitor)


def check_project_area(conn: Connection, who: Principal, area: str) -> None:
    """Whether ``who`` may add a development project in ``area``: an area's account whose
    area contains it; an unknown area is not found."""
    _area_account(who, _PROJECTS)
    _within(who, area, pairing_repo.area_by_code(conn, area)[1])


def check_project(
    conn: Connection, who: Principal, project: str, households: list[str] | None = None
) -> None:
    """Whether ``who`` may move a project on or record the households it benefits: an area's
    account whose area holds the project, for households living in it. Unknown ones are
    left to the service, which says which."""
    _area_account(who, _PROJECTS)
    found = repo.project_area_path(conn, project)
    if found is not None:
        _within(who, *found)
    for household in households or []:
        _in_area(conn, who, household)


#: Why a visitor's account keeps no projects.
_PROJECTS = Say("projects are kept by coordinators")


def _area_account(who: Principal, why: Say) -> None:
    if who.role == "visitor":
        raise _role(who, why)


def _not_a_visitor(who: Principal) -> None:
    if who.role == "visitor":
        raise _role(who, Say("pairing proposals are for coordinators"))


def _within(who: Principal, area: str, path: str) -> None:
    if who.area_path is not None and not path.startswith(who.area_path):
        raise _outside(who, area)


def _outside(who: Principal, area: str) -> NotPermitted:
    return NotPermitted(
        Say(
            "area %(area)s is outside account %(account)s's area %(own)s",
            area=area,
            account=who.name,
            own=str(who.area),
        )
    )
