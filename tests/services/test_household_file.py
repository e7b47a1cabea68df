"""A household's case file: what it shows (measured as the due list measures), and that it
is a read of the household and of the visitors it names in the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.errors import InvalidInput, NotFound
from doorstep.services import activities, household_consent, household_rights, projects
from doorstep.services import referrals as referral_service
from doorstep.services.household_file import household_file
from doorstep.services.visit_records import MadeVisit, mark_missed, record_visit
from doorstep.services.work_lists import work_list
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import area_tree, run_import
from tests.factories.files import write_csv
from tests.factories.outcomes import INDICATOR_HEADER
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import START, first_planned, plan_three


def _file(engine: Engine, household: str, today: dt.date, **options: Any) -> dict[str, Any]:
    with unit_of_work(engine) as s:
        return household_file(s, household, actor="coord", today=today, **options)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """``plan_three``: H0-H2 with V1 from 2027-01-04, planned for four months."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def test_the_file_shows_the_visits_made_the_next_planned_and_the_deadline_after_the_last(
    planned: Engine,
) -> None:
    first, last = first_planned(planned, "H0")
    second, _ = first_planned(planned, "H1")
    today = max(last, second) + dt.timedelta(days=1)
    with unit_of_work(planned) as s:
        made = MadeVisit(household="H0", visitor="V1", start=first, end=last)
        record_visit(s, made, actor="v1", today=today)
        mark_missed(s, "H1", "V1", second, actor="v1", today=today)
    file = _file(planned, "H0", today, max_gap_days=45)
    h = file["household"]
    assert (h["household"], h["head_name"], h["area"], h["consent"]) == (
        "H0",
        "Wang Fang",
        "R-C-V1",
        "given",
    )
    [row] = file["cadence"]
    # As the due list of the same day and cadence has it.
    with unit_of_work(planned) as s:
        listed = work_list(s, "due", actor="t", today=today, max_gap_days=45, days=366)
    [due] = [r for r in listed if r["household"] == "H0"]
    assert row["deadline"] == due["deadline"] == first + dt.timedelta(days=45)
    assert (row["visitor"], row["last_visit"], row["days_left"]) == (
        "V1",
        first,
        (row["deadline"] - today).days,
    )
    assert file["visits_made"] == [
        {"status": "done", "start": first, "end": last, "visitor": "V1", "visitor_name": "Li Wei"}
    ]
    assert file["visits_made_total"] == 1
    planned_days = [v["start"] for v in file["visits_planned"]]
    assert planned_days == sorted(planned_days) and all(d >= today for d in planned_days)
    assert file["visits_planned_total"] >= len(planned_days) >= 1
    assert [(p["visitor"], p["started_on"], p["ended_on"]) for p in file["pairings"]] == [
        ("V1", START, None)
    ]
    # H1's missed visit is in its own file, not in H0's.
    missed = _file(planned, "H1", today)["visits_made"]
    assert [(v["status"], v["start"]) for v in missed] == [("missed", second)]


def test_a_planned_visit_over_and_never_recorded_shows_as_not_recorded(planned: Engine) -> None:
    first, last = first_planned(planned, "H2")
    file = _file(planned, "H2", last + dt.timedelta(days=1), visits=1)
    assert file["visits_made"] == [
        {
            "status": "not recorded",
            "start": first,
            "end": last,
            "visitor": "V1",
            "visitor_name": "Li Wei",
        }
    ]
    # Only one of each listed, but all counted.
    assert len(file["visits_planned"]) == 1 and file["visits_planned_total"] >= 1


def test_referrals_indicators_activities_and_projects_are_in_the_file(
    planned: Engine, tmp_path: Path
) -> None:
    orgs = [["JOBS", "Job centre", "department"], ["FUND", "A fund", "ngo"]]
    run_import(
        planned, "organisations", write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    )
    rows = [["H0", 2025, 12_000, 1, "health"], ["H0", 2026, 20_000, 2, ""], ["H0", 2024, "", 0, ""]]
    run_import(planned, "indicators", write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows))
    today = dt.date(2027, 3, 1)
    with unit_of_work(planned) as s:
        made = referral_service.add_referral(
            s,
            "H0",
            organisation="JOBS",
            service="employment",
            made_on=dt.date(2027, 2, 1),
            visitor="V1",
            actor="t",
            today=today,
        )
        activities.add_activity(
            s,
            "TRIP",
            kind="trip",
            title="Zoo",
            area="R",
            starts_on=dt.date(2027, 2, 10),
            ends_on=None,
            organiser=None,
            actor="t",
        )
        activities.attend(s, "TRIP", households=["H0"], visitors=[], actor="t")
        projects.add_project(
            s,
            "WELL",
            title="Well",
            sponsor="FUND",
            area="R",
            starts_on=dt.date(2027, 1, 1),
            ends_on=None,
            status="running",
            actor="t",
            today=today,
        )
        projects.benefit(s, "WELL", households=["H0"], actor="t")
    file = _file(planned, "H0", today)
    [referral] = file["referrals"]
    assert (referral["number"], referral["organisation"], referral["status"]) == (
        made.id,
        "JOBS",
        "open",
    )
    assert referral["visitor"] == "V1"
    # The latest year first; four members, so 12,000 is 3,000 a head: below 4,000.
    assert [
        (i["year"], i["income_per_head"], i["below_poverty_line"]) for i in file["indicators"]
    ] == [(2026, 5_000.0, False), (2025, 3_000.0, True), (2024, None, None)]
    higher = _file(planned, "H0", today, poverty_line=6_000.0)["indicators"]
    assert [i["below_poverty_line"] for i in higher] == [True, True, None]
    for line in (0.0, -1.0, float("nan")):
        with pytest.raises(InvalidInput, match="poverty line must be a positive amount"):
            _file(planned, "H0", today, poverty_line=line)
    assert [(a["code"], a["kind"], a["starts_on"]) for a in file["activities"]] == [
        ("TRIP", "trip", dt.date(2027, 2, 10))
    ]
    assert [(p["code"], p["sponsor"], p["status"]) for p in file["projects"]] == [
        ("WELL", "FUND", "running")
    ]
    # H1 has none of these.
    other = _file(planned, "H1", today)
    assert other["referrals"] == other["indicators"] == other["activities"] == []
    assert other["projects"] == []


def test_a_household_that_withdrew_has_no_deadline_and_its_withdrawal_shows(
    planned: Engine,
) -> None:
    today = dt.date(2027, 2, 1)
    with unit_of_work(planned) as s:
        household_consent.record_consent(
            s, "H0", "withdrawn", actor="t", evidence="a letter", on=today, today=today
        )
    file = _file(planned, "H0", today)
    assert file["household"]["consent"] == "withdrawn"
    assert file["cadence"] == []
    assert file["visits_planned"] == []


def test_reading_the_file_is_a_read_of_the_household_and_its_visitors(planned: Engine) -> None:
    mark = last_event_id(planned)
    _file(planned, "H0", dt.date(2027, 2, 1))
    events = [(a, e, i, d) for a, e, i, d in trail(planned, mark)]
    assert events == [
        ("read", "household", "H0", {"file": "household", "today": "2027-02-01"}),
        ("read", "visitor", "V1", {"file": "household"}),
    ]


def test_an_unknown_or_erased_household_has_no_file_and_is_named(planned: Engine) -> None:
    with pytest.raises(NotFound, match="no household with id 'H9'"):
        _file(planned, "H9", dt.date(2027, 2, 1))
    with unit_of_work(planned) as s:
        household_rights.erase_household(s, "H2", actor="t")
    with pytest.raises(NotFound, match="H2 was erased"):
        _file(planned, "H2", dt.date(2027, 2, 1))
