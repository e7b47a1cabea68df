"""The refusals of the other services a page shows (the work lists' and the search's
filters, the audit trail's, the referral list's, a visit's codes, a visitor's export,
erasure and last day, reports and outcomes, calendars' teams, a pairing's explanation, the
engine's refusals of a pairing's settings and an area read twice paired) carry their
sentence as a :class:`doorstep.say.Say` too; their English message is the template rendered
in English, and the very text the command line, the API and the audit trail have always
written (each expected text below is the text as it was)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.api.routes.accounts import disable_account
from doorstep.api.routes.rights import check_confirmed
from doorstep.errors import DoorstepError
from doorstep.privacy.access import Principal
from doorstep.services import (
    accounts,
    audit_trail,
    finding,
    household_file,
    list_pages,
    outcomes,
    referrals,
    reporting,
    visitor_days,
    visitor_rights,
)
from doorstep.services.pairing.explanations import explain_household
from doorstep.services.pairing.scope import _one_open_pairing_each
from doorstep.services.pairing.settings import FLAGS, solve_params
from doorstep.services.visit_records import MadeVisit
from doorstep.storage.repositories.lookups import team_by_code
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.services.test_refusals_said import (  # noqa: F401 - programme: a fixture
    TODAY,
    programme,
    refused_said,
)

DAY = dt.date(2027, 2, 1)
BOSS = Principal("boss", "manager", None, None, None)
ACTIVITIES = (
    "job_search, benefit_claim, service_referral, training, health_check, school_support, "
    "home_repair, other"
)

Refuse = Callable[[Session], object]

CASES: dict[str, tuple[Refuse, str]] = {
    "work list, a cursor of nowhere": (
        lambda s: list_pages.position("due", "zz"),
        "after: 'zz' is not a place in the due list: send a page's next as it came, or no "
        "after for the first page",
    ),
    "search, nothing typed": (
        lambda s: finding.find_households(s, "  ", actor="test", today=TODAY),
        "give an id, or part of a name or an address, to search for",
    ),
    "search, a limit too large": (
        lambda s: finding.find_households(s, "H", actor="test", today=TODAY, limit=0),
        f"limit must be from 1 to {finding.MOST_FOUND}, not 0",
    ),
    "audit trail, an unknown action": (
        lambda s: audit_trail.read_trail(s, actor="test", action="dance"),
        f"no event records 'dance': give one of {', '.join(audit_trail.ACTIONS)}",
    ),
    "audit trail, days the wrong way round": (
        lambda s: audit_trail.read_trail(s, actor="test", since=TODAY, until=DAY),
        "the last day (2027-02-01) is before the first (2027-03-01)",
    ),
    "audit trail, a page too long": (
        lambda s: audit_trail.read_trail(s, actor="test", limit=0),
        f"a page shows 1 to {audit_trail.MAX_LISTED} events, not 0",
    ),
    "referral list, an unknown status": (
        lambda s: referrals.list_referrals(s, actor="test", today=TODAY, status="lost"),
        "the status must be one of open, accepted, completed, declined, withdrawn: 'lost'",
    ),
    "referral list, follow-up days negative": (
        lambda s: referrals.list_referrals(s, actor="test", today=TODAY, follow_up_days=-1),
        "the days before a follow-up cannot be negative: -1",
    ),
    "visit, an unknown activity code": (
        lambda s: MadeVisit("H0", "V1", DAY, activities=("dance",)),
        f"unknown activity code 'dance'; use one of: {ACTIVITIES}",
    ),
    "visit, an unknown outcome code": (
        lambda s: MadeVisit("H0", "V1", DAY, outcome_codes=("rich",)),
        "unknown outcome code 'rich'; use one of: job_found, benefit_granted, referral_made, "
        "service_received, income_raised, none",
    ),
    "visit, none beside an outcome": (
        lambda s: MadeVisit("H0", "V1", DAY, outcome_codes=("none", "job_found")),
        "outcome code 'none' says there is none: give it alone",
    ),
    "visitor export, an unknown visitor": (
        lambda s: visitor_rights.export_visitor(s, "V9", actor="test"),
        "no visitor with id 'V9'",
    ),
    "visitor erasure, households still looked after": (
        lambda s: visitor_rights.erase_visitor(s, "V1", actor="test", today=TODAY),
        "visitor V1 still looks after households: 3 current pairing(s), {planned} visit(s) "
        "planned from 2027-03-01; re-pair them first: give the visitor a last day before "
        "today (`doorstep visitor end V1 --last-day 2027-02-28` or earlier: the last day is "
        "a working one), then `doorstep pair --area ... --new-only`, `pair commit` and `plan "
        "--area`; then erase",
    ),
    "erasure, not confirmed": (
        lambda s: check_confirmed("H0", "H1"),
        "erasing H0 cannot be undone: to confirm, give its id (H0) as confirm",
    ),
    "last day, an unknown visitor": (
        lambda s: visitor_days.end_visitor(s, "V9", DAY, actor="test", today=TODAY),
        "no visitor with id 'V9'",
    ),
    "report, ends after today": (
        lambda s: reporting.programme_report(s, actor="test", today=TODAY, end=dt.date(2027, 3, 2)),
        "to 2027-03-02 is after today (2027-03-01): a report counts what happened",
    ),
    "report, ends before it starts": (
        lambda s: reporting.programme_report(s, actor="test", today=TODAY, start=TODAY, end=DAY),
        "from 2027-03-01 is after to 2027-02-01",
    ),
    "report, too many months": (
        lambda s: reporting.programme_report(
            s, actor="test", today=TODAY, start=dt.date(2010, 1, 15), end=DAY
        ),
        f"from 2010-01-15 to 2027-02-01 covers 206 calendar months; a report covers at most "
        f"{reporting.MAX_MONTHS}: from "
        f"{reporting.months_back(DAY, reporting.MAX_MONTHS - 1)} at the earliest",
    ),
    "outcomes, a poverty line of nothing": (
        lambda s: outcomes.household_outcomes(s, actor="test", poverty_line=float("inf")),
        "the poverty line must be a positive amount, at most 1,000,000,000,000 a head a year, "
        "not inf",
    ),
    "outcomes, a poverty line past any currency's": (
        # Past 1.8e308 times a household's members: PostgreSQL's overflow, once a 500.
        lambda s: outcomes.household_outcomes(s, actor="test", poverty_line=1.2e308),
        "the poverty line must be a positive amount, at most 1,000,000,000,000 a head a year, "
        "not 1.2e+308",
    ),
    "case file, a poverty line of nothing": (
        lambda s: household_file.household_file(
            s, "H0", actor="test", today=TODAY, poverty_line=0.0
        ),
        "the poverty line must be a positive amount, at most 1,000,000,000,000 a head a year, "
        "not 0.0",
    ),
    "calendars, an unknown team": (
        lambda s: team_by_code(s.connection(), "NOPE"),
        "no team with code 'NOPE'",
    ),
    "accounts, a page too long": (
        lambda s: accounts.accounts_within(s, None, actor="test", limit=0),
        f"a page lists 1 to {accounts.MAX_LISTED} accounts, not 0",
    ),
    "accounts, a manager disables itself": (
        lambda s: disable_account("boss", s.get_bind(), BOSS),  # type: ignore[arg-type]
        "account boss does not disable itself: another manager does, or `doorstep account "
        "disable` on the server",
    ),
    "accounts, a token for ever": (
        lambda s: accounts.issue_token(s, "x", actor="test", days=0),
        f"a token lasts 1 to {accounts.MAX_TOKEN_DAYS} days, not 0",
    ),
    "pairing settings, no distance": (
        lambda s: solve_params(max_km=0.0, keep_km=None, balance_m=0),
        "max_km must be a positive number, not 0.0",
    ),
    "pairing settings, continuity below nothing, named as flags": (
        lambda s: solve_params(max_km=30.0, keep_km=-1.0, balance_m=0, names=FLAGS),
        "--keep-km must be between 0 and --max-km, not -1.0",
    ),
    "pairing settings, balance of a fraction of a metre": (
        lambda s: solve_params(max_km=30.0, keep_km=None, balance_m=0.5),
        "balance_m must be a whole number of metres, not 0.5",
    ),
    "pairing settings, no time at all": (
        lambda s: solve_params(max_km=30.0, keep_km=None, balance_m=0, time_limit_s=-1.0),
        "time_limit_s must be a positive number, not -1.0",
    ),
    "pairing, a household paired twice": (
        lambda s: _one_open_pairing_each(
            pl.DataFrame({"id": [7, 7], "external_id": ["H0", "H0"]}), "R-C-V1"
        ),
        "household H0 of R-C-V1 has more than one open pairing (1 household(s) do); end all "
        "but one of them before pairing again",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refusal_s_english_is_its_template_rendered_in_english_as_it_always_read(
    programme: Engine,  # noqa: F811
    case: str,
) -> None:
    refuse, english = CASES[case]
    said = refused_said(programme, refuse)
    if "{planned}" in english:  # the visits plan_three planned, as many as they are
        planned = said.split("pairing(s), ")[1].split(" ")[0]
        english = english.replace("{planned}", planned)
    assert said == english


def test_a_household_in_no_proposal_is_explained_by_a_sentence_a_page_translates(
    programme: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    run_import(
        programme,
        "households",
        write_csv(tmp_path / "h9.csv", HOUSEHOLD_HEADER, [household(household_id="H9")]),
    )
    with pytest.raises(DoorstepError) as raised, unit_of_work(programme) as s:
        explain_household(s, "H9", actor="test", today=TODAY)
    said = "household 'H9' is in no pairing proposal yet; run `doorstep pair --area CODE` first"
    assert raised.value.message == said
    assert raised.value.says is not None


def test_a_household_paired_twice_is_said_to_a_page_and_kept_in_the_trail_naming_no_one() -> None:
    with pytest.raises(DoorstepError) as raised:
        _one_open_pairing_each(pl.DataFrame({"id": [7, 7], "external_id": ["H0", "H0"]}), "A")
    assert raised.value.says is not None
    assert raised.value.stored_line == (
        "a household of A has more than one open pairing (1 household(s) do); end all but "
        "one of them before pairing again"
    )
