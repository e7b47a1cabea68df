"""The refusals a coordinator or a manager meets on the other pages (planning, the cadence,
group activities and projects, pairs kept apart, accounts and signing in, and the access
checks of those pages) carry their sentence as a :class:`doorstep.say.Say` too; their
English message is the template rendered in English, and the very text the command line,
the API and the audit trail have always written (each expected text below is the text as
it was)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.services import accounts, activities, cadence, exclusions, projects
from doorstep.services.planning_settings import area_settings
from tests.services.test_refusals_said import (  # noqa: F401 - programme: a fixture
    TODAY,
    programme,
    refused_said,
)

V2 = Principal("v2", "visitor", None, None, "V2")
COORD = Principal("c1", "coordinator", "R-C-V1", "/1/2/3/", None)
DAY = dt.date(2027, 3, 10)

Refuse = Callable[[Session], object]


def _activity(**given: object) -> Refuse:
    def refuse(s: Session) -> None:
        said = {
            "kind": "trip",
            "title": "Zoo",
            "area": "R-C-V1",
            "starts_on": DAY,
            "ends_on": None,
            "organiser": None,
        }
        activities.add_activity(s, "TRIP", **(said | given), actor="test")  # type: ignore[arg-type]

    return refuse


def _project(**given: object) -> Refuse:
    def refuse(s: Session) -> None:
        said = {
            "title": "Well",
            "sponsor": "NOPE",
            "area": "R-C-V1",
            "starts_on": DAY,
            "ends_on": None,
            "status": "planned",
        }
        projects.add_project(s, "WELL", **(said | given), actor="test", today=TODAY)  # type: ignore[arg-type]

    return refuse


CASES: dict[str, tuple[Refuse, str]] = {
    "access, a visitor imports": (
        lambda s: access.check_import(V2),
        "account v2 is a visitor's: files are imported by an area's coordinator or manager",
    ),
    "access, an area's organisations": (
        lambda s: access.check_import(COORD, "organisations"),
        "account c1 is area R-C-V1's, and organisations are the whole programme's: they are "
        "imported by a manager of the whole programme (an account with no area), or with "
        "`doorstep import` on the server",
    ),
    "access, a coordinator keeps accounts": (
        lambda s: access.check_accounts(COORD),
        "account c1 is a coordinator's: accounts are kept by a manager",
    ),
    "access, a coordinator sets the cadence": (
        lambda s: access.check_cadence(COORD),
        "account c1 is not a manager of the whole programme: the cadence is every area's, set "
        "by one",
    ),
    "access, a visitor plans": (
        lambda s: access.check_planner(V2),
        "account v2 is a visitor's: planning an area's visits is for coordinators",
    ),
    "access, a coordinator erases": (
        lambda s: access.check_household_erasure(s.connection(), COORD, "H0"),
        "account c1 is a coordinator's: a household is erased by a manager",
    ),
    "access, an unknown area to plan": (
        lambda s: access.check_plan_area(s.connection(), COORD, "r-c-v1"),
        "no area with code 'r-c-v1'; did you mean 'R-C-V1'?",
    ),
    "access, a visitor's proposals": (
        lambda s: access.pairing_scope(V2),
        "account v2 is a visitor's: pairing proposals are for coordinators",
    ),
    "cadence, nothing to set": (
        lambda s: cadence.set_cadence(
            s, max_gap_days=None, stay_days=None, actor="test", today=TODAY
        ),
        "give max_gap_days, stay_days or both: there is nothing to set",
    ),
    "cadence, a stay longer than the gap": (
        lambda s: cadence.set_cadence(s, max_gap_days=5, stay_days=10, actor="test", today=TODAY),
        "a stay of 10 days is longer than the 5 days between visits: a household's stays would "
        "overlap",
    ),
    "cadence, out of range": (
        lambda s: cadence.set_cadence(s, max_gap_days=0, stay_days=None, actor="test", today=TODAY),
        "max_gap_days must be from 1 to 3660 days, not 0",
    ),
    "plan, before today": (
        lambda s: area_settings(start=dt.date(2027, 2, 1), today=TODAY),
        "start 2027-02-01 is before today (2027-03-01): plan from today or later",
    ),
    "plan, an unknown country": (
        lambda s: area_settings(start=TODAY, today=TODAY, country="XX"),
        "country 'XX' is not a country with known holidays (give an ISO 3166 code such as CN "
        "or US)",
    ),
    "plan, a country in lower case": (
        lambda s: area_settings(start=TODAY, today=TODAY, country="cn"),
        "country 'cn' is not a country with known holidays; did you mean 'CN'?",
    ),
    "activity, an unknown kind": (
        _activity(kind="party"),
        "the kind must be one of trip, contest, summer_camp, training, other: 'party'",
    ),
    "activity, no title": (
        _activity(title=" "),
        "the title is empty; give the activity a title",
    ),
    "activity, ends before it starts": (
        _activity(ends_on=dt.date(2027, 3, 9)),
        "the last day, 2027-03-09, is before the first, 2027-03-10",
    ),
    "activity, an unknown area": (
        _activity(area="r-c-v1"),
        "no area with code 'r-c-v1'; did you mean 'R-C-V1'?",
    ),
    "attendance, an unknown activity": (
        lambda s: activities.attend(s, "NOPE", households=["H0"], visitors=[], actor="test"),
        "no activity with code 'NOPE' (`doorstep activity list` shows them)",
    ),
    "project, an unknown sponsor": (
        _project(),
        "no organisation with code 'NOPE'",
    ),
    "project, under way before it starts": (
        _project(status="running"),
        "the project starts on 2027-03-10, after today (2027-03-01), so it cannot be running "
        "yet: add it as planned, or give the day it began as its first day",
    ),
    "exclusion, none to remove": (
        lambda s: exclusions.unexclude(s, "H0", "V2", actor="test"),
        "H0 and V2 are not excluded; nothing to remove",
    ),
    "exclusion, an unknown visitor": (
        lambda s: exclusions.unexclude(s, "H0", "V9", actor="test"),
        "no visitor with id 'V9'",
    ),
    "account, an unknown role": (
        lambda s: accounts.add_account(s, "x", "boss", actor="test"),
        "unknown role 'boss': one of manager, coordinator, visitor",
    ),
    "account, a coordinator with no area": (
        lambda s: accounts.add_account(s, "x", "coordinator", actor="test"),
        "a coordinator's account needs an area: the one it coordinates",
    ),
    "account, a visitor for a manager": (
        lambda s: accounts.add_account(s, "x", "manager", actor="test", visitor="V1"),
        "a visitor is given to a visitor's account, not a manager's",
    ),
    "sign in, an unknown token": (
        lambda s: accounts.authenticate(s, "dst_nope"),
        "unknown token",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refusal_s_english_is_its_template_rendered_in_english_as_it_always_read(
    programme: Engine,  # noqa: F811
    case: str,
) -> None:
    refuse, english = CASES[case]
    assert refused_said(programme, refuse) == english
