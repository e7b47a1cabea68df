"""Import files whose rows the database refuses (visits, referrals, exclusions, leave and
blackouts, team leads), and files whose import says a note (visitors who cannot keep their
households, excluded pairs still paired, visits made during leave): one of each, for the
tests that check what the import says (in English, and on a Chinese page).

Each scenario runs on :func:`~tests.factories.visits.plan_three`'s programme (H0-H2 paired
with V1 and planned from 2027-01-04; V2 paired with nobody), imports what it needs first,
and returns the import to make: its entity and file. The import's day is :data:`TODAY`,
the web app's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine

from tests.factories.db import import_teams, run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv
from tests.factories.visits import START, first_planned

#: The day of every import here (tests/api/conftest.py's, the web app's today).
TODAY = dt.date(2027, 3, 1)


class Sent(NamedTuple):
    entity: str
    path: Path
    replace: bool = False


Scenario = Callable[[Engine, Path], Sent]

_VISITS = ["visit_id", "household_id", "visitor_id", "start"]
_REFERRALS = [
    "referral",
    "household_id",
    "organisation_code",
    "service",
    "made_on",
    "visitor_id",
    "status",
    "status_on",
]
_PERIOD = ["starts_on", "ends_on"]


def visits(engine: Engine, folder: Path) -> Sent:
    day = first_planned(engine, "H0")[0].isoformat()
    rows = [
        ["d-1", "H9", "V1", day],  # no such household
        ["d-2", "H0", "V9", day],  # no such visitor
        ["d-3", "H0", "V1", day],
        ["d-4", "H1", "V1", day],  # V1 on two visits that day
        ["d-5", "H0", "V2", "2027-02-10"],  # V2 is not H0's visitor
    ]
    return Sent("visits", write_csv(folder / "visits.csv", _VISITS, rows))


def referrals(engine: Engine, folder: Path) -> Sent:
    orgs = write_csv(folder / "o.csv", ["code", "name", "kind"], [["S1", "Job centre", "other"]])
    run_import(engine, "organisations", orgs, today=TODAY)
    rows = [
        ["", "H9", "S1", "employment", "2027-02-01", "", "", ""],
        ["", "H0", "S1", "employment", "2027-02-01", "V9", "", ""],
        ["", "H0", "S1", "employment", "2027-03-05", "", "", ""],
        ["", "H0", "S1", "housing", "2027-02-01", "", "accepted", ""],
        ["", "H1", "S1", "benefits", "2027-02-01", "", "open", "2027-02-02"],
        ["", "H2", "S1", "health", "2027-02-01", "", "accepted", "2027-01-30"],
        ["7", "H0", "S1", "training", "2027-02-01", "", "", ""],
    ]
    return Sent("referrals", write_csv(folder / "referrals.csv", _REFERRALS, rows))


def exclusions(engine: Engine, folder: Path) -> Sent:
    rows = [["H9", "V1"], ["H0", "V9"]]
    path = write_csv(folder / "exclusions.csv", ["household_id", "visitor_id"], rows)
    return Sent("exclusions", path)


def leave(engine: Engine, folder: Path) -> Sent:
    rows = [
        ["V1", "2027-04-01", "2027-04-10"],
        ["V1", "2027-04-05", "2027-04-12"],  # overlaps the row above
    ]
    return Sent("leave", write_csv(folder / "leave.csv", ["visitor_id", *_PERIOD], rows))


def stored_leave(engine: Engine, folder: Path) -> Sent:
    header = ["visitor_id", *_PERIOD]
    stored = write_csv(folder / "l0.csv", header, [["V1", "2027-05-01", "2027-05-10"]])
    run_import(engine, "leave", stored, today=TODAY)
    rows = [["V1", "2027-05-05", "2027-05-12"]]  # overlaps the leave stored
    return Sent("leave", write_csv(folder / "leave.csv", header, rows))


def blackouts(engine: Engine, folder: Path) -> Sent:
    header = ["household_id", *_PERIOD, "reason"]
    rows = [["H0", "2027-04-01", "2027-04-10", "exams"], ["H0", "2027-04-05", "2027-04-12", ""]]
    return Sent("blackouts", write_csv(folder / "blackouts.csv", header, rows))


def past_blackout(engine: Engine, folder: Path) -> Sent:
    """A row over a blackout that ended before today, which --replace keeps."""
    header = ["household_id", *_PERIOD, "reason"]
    stored = write_csv(folder / "b0.csv", header, [["H0", "2027-02-01", "2027-02-10", "harvest"]])
    run_import(engine, "blackouts", stored, today=START)
    rows = [["H0", "2027-02-05", "2027-03-20", "harvest"]]
    return Sent("blackouts", write_csv(folder / "blackouts.csv", header, rows), replace=True)


def team_leads(engine: Engine, folder: Path) -> Sent:
    import_teams(engine, folder, "T1")
    rows = [
        visitor(visitor_id="V1", capacity=3, team_code="T1", is_team_lead="true"),
        visitor(visitor_id="V2", capacity=0, team_code="T1", is_team_lead="true"),
    ]
    return Sent("visitors", write_csv(folder / "leads.csv", VISITOR_HEADER, rows))


#: Files refused row by row: name -> scenario.
REFUSED: dict[str, Scenario] = {
    "visits": visits,
    "referrals": referrals,
    "exclusions": exclusions,
    "leave": leave,
    "leave stored": stored_leave,
    "blackouts": blackouts,
    "a past blackout": past_blackout,
    "team leads": team_leads,
}


def unkept(engine: Engine, folder: Path) -> Sent:
    rows = [visitor(visitor_id="V1", capacity=1)]  # V1 holds H0-H2
    return Sent("visitors", write_csv(folder / "v.csv", VISITOR_HEADER, rows))


def excluded_pair(engine: Engine, folder: Path) -> Sent:
    path = write_csv(folder / "x.csv", ["household_id", "visitor_id"], [["H0", "V1"]])
    return Sent("exclusions", path)


def during_leave(engine: Engine, folder: Path) -> Sent:
    day = first_planned(engine, "H0")[0]
    period = [["V1", (day - dt.timedelta(days=3)).isoformat(), day.isoformat()]]
    run_import(
        engine, "leave", write_csv(folder / "l.csv", ["visitor_id", *_PERIOD], period), today=START
    )
    rows = [["d-1", "H0", "V1", day.isoformat()]]
    return Sent("visits", write_csv(folder / "visits.csv", _VISITS, rows))


#: Files imported with a note: name -> scenario.
NOTED: dict[str, Scenario] = {
    "unkept households": unkept,
    "an excluded pair": excluded_pair,
    "a visit during leave": during_leave,
}
