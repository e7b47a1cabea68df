"""`doorstep activity add|list|attend`: group activities one at a time, attendance audited
under each person and refused, whole, for a household without consent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import events_about
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def _people(engine: Engine, tmp_path: Path) -> None:
    """H1 (consent given), H2 (pending), V1, the households imported on 2026-09-01, before
    October's activities: H2's undated act counts from the day it was entered."""
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    hh = [household(household_id="H1"), household(household_id="H2", consent="pending")]
    hh[1]["consent_date"] = ""
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh)
    run_import(engine, "households", path, today=dt.date(2026, 9, 1))


def _attendance(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM activity_attendance")).scalar_one())


def test_an_activity_added_by_hand_lists_with_who_took_part_counted(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    args = ("--kind", "trip", "--title", "Zoo trip", "--area", "R-C-V1", "--starts", "2026-10-01")
    added = cli("activity", "add", "ZOO", *args)
    assert added.exit_code == 0, added.output
    assert "Added activity ZOO." in added.output
    again = cli("activity", "add", "ZOO", *args)
    assert again.exit_code == 1 and "exists already" in again.output
    done = cli("activity", "attend", "ZOO", "--household", "H1", "--visitor", "V1")
    assert done.exit_code == 0, done.output
    assert "Recorded 2 attendance rows for ZOO." in done.output
    detail = {"table": "activity_attendance", "activity": "ZOO"}
    assert events_about(with_areas, "household")[-1] == ("create", "H1", detail)
    assert events_about(with_areas, "visitor")[-1] == ("create", "V1", detail)
    repeat = cli("activity", "attend", "ZOO", "--household", "H1")
    assert "Recorded 0 attendance rows for ZOO; H1 recorded already." in repeat.output
    assert events_about(with_areas, "household")[-1] == ("read", "H1", detail)
    listed = cli("activity", "list", "--area", "R-C-V1")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "ZOO" in line)
    assert [c.strip() for c in row.split("│")][-3:-1] == ["1", "1"]  # households, visitors


def test_an_areas_activities_are_those_held_in_it_and_in_the_areas_within_it(
    cli: Invoke, with_areas: Engine
) -> None:
    # A county's list holds its villages' camps (it listed only those held at the county).
    for code, area in (("ZOO", "R-C-V1"), ("CAMP", "R-C"), ("CLASS", "R-C-V2"), ("FAIR", "R")):
        args = ("--kind", "trip", "--title", code, "--area", area, "--starts", "2026-10-01")
        assert cli("activity", "add", code, *args).exit_code == 0
    listed = {}
    for area in ("R", "R-C", "R-C-V1"):
        out = cli("activity", "list", "--area", area, "--format", "csv").output
        listed[area] = sorted(line.split(",")[0] for line in out.splitlines()[1:])
    assert listed == {
        "R": ["CAMP", "CLASS", "FAIR", "ZOO"],
        "R-C": ["CAMP", "CLASS", "ZOO"],
        "R-C-V1": ["ZOO"],
    }


def test_a_household_without_consent_refuses_the_whole_attendance(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    args = ("--kind", "training", "--title", "Class", "--area", "R", "--starts", "2026-10-01")
    assert cli("activity", "add", "CLASS", *args).exit_code == 0
    refused = cli("activity", "attend", "CLASS", "--household", "H1", "--household", "H2")
    assert refused.exit_code == 2  # bad input
    assert "household H2's consent was pending on the activity's first day (2026-10-01), " in (
        " ".join(refused.output.split())
    )
    assert _attendance(with_areas) == 0
    # The attempt is the activity's, without the line that says a household's consent.
    attempt = events_about(with_areas, "activity")[-1]
    assert attempt[1] == "CLASS" and attempt[2]["outcome"] == "refused"
    assert "H2" not in json.dumps(attempt[2])
    # Whoever was shown the refusal read H2's consent: a read under H2 says so.
    about_h2 = [e for e in events_about(with_areas, "household") if e[1] == "H2"]
    assert about_h2[-1][0] == "read" and about_h2[-1][2]["field"] == "consent_state"
    bad = cli("activity", "add", "X", *args[:4], "--area", "R", "--starts", "2026-13-01")
    assert bad.exit_code != 0 and "--starts is not a date" in bad.output


def test_an_unknown_activity_is_refused_with_where_to_find_the_codes(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    refused = cli("activity", "attend", "NOPE", "--household", "H1")
    assert refused.exit_code == 1
    assert "no activity with code 'NOPE' (`doorstep activity list` shows them)" in refused.output
    assert _attendance(with_areas) == 0
