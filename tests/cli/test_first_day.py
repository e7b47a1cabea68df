"""A day typed with a digit missing (0148-05-03) given to a command that writes it is refused
as bad input (exit 2), with the field, the day and the earliest day a record may hold, and
nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

EARLY = "0148-05-03"
TODAY = ("--today", "2027-03-01")

ACTIVITY = ("activity", "add", "ZOO", "--kind", "trip", "--title", "Zoo", "--area", "R-C-V1")
PROJECT = ("project", "add", "WELL", "--title", "Well", "--sponsor", "S1", "--area", "R-C-V1")
REFER = ("referral", "add", "H1", "--to", "JOBS", "--service", "employment")
CONSENT = ("household", "consent", "H1", "--state", "withdrawn", "--evidence", "a letter")

#: Each command, the field its refusal names, and what it would write.
CASES: list[tuple[tuple[str, ...], str, str]] = [
    ((*ACTIVITY, "--starts", EARLY), "the first day", "SELECT * FROM activities"),
    (
        (*ACTIVITY, "--starts", "2027-01-01", "--ends", EARLY),
        "the last day",
        "SELECT * FROM activities",
    ),
    ((*PROJECT, "--starts", EARLY), "the first day", "SELECT * FROM projects"),
    ((*REFER, "--on", EARLY, *TODAY), "the referral's day", "SELECT * FROM referrals"),
    (
        ("referral", "status", "1", "accepted", "--on", EARLY, *TODAY),
        "the status's day",
        "SELECT * FROM referrals",
    ),
    ((*CONSENT, "--on", EARLY), "the act's day", "SELECT * FROM consent_records"),
    (
        ("visits", "record", "H1", "--visitor", "V1", "--start", EARLY, *TODAY),
        "its first day",
        "SELECT * FROM visits",
    ),
    # A what-if plan (file mode) writes no record, but a horizon from 0148 is no what-if.
    (("plan", "--pairings", "pairs.csv", "--start", EARLY), "--start", "SELECT * FROM visits"),
    (
        ("visitor", "end", "V1", "--last-day", EARLY),
        "the visitor's last day",
        "SELECT active_to FROM visitors",
    ),
]


@pytest.fixture
def people(cli: Invoke, with_areas: Engine, tmp_path: Path) -> Engine:
    """Sponsor S1, the job centre JOBS, H1 (consent given), V1, and referral 1 of H1."""
    orgs = [["S1", "Trust", "sponsor"], ["JOBS", "Job centre", "department"]]
    orgs_file = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    run_import(with_areas, "organisations", orgs_file)
    hh = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    run_import(with_areas, "households", hh)
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    referred = cli(*REFER, *TODAY)
    assert referred.exit_code == 0, referred.output
    return with_areas


def _rows(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


@pytest.mark.parametrize(("args", "field", "query"), CASES)
def test_a_day_before_the_first_a_record_may_hold_is_refused_by_the_command(
    cli: Invoke, people: Engine, args: tuple[str, ...], field: str, query: str
) -> None:
    before = _rows(people, query)
    refused = cli(*args)
    assert refused.exit_code == 2, refused.output
    assert (
        f"{field}, {EARLY}, is before 1900-01-01, the earliest day a record may hold: check its "
        "year"
    ) in " ".join(refused.output.split())
    assert _rows(people, query) == before
