"""`doorstep project add|list|status|benefit`: projects one at a time, the households they
benefit audited under each household and refused, whole, for one without consent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import events_about
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

ADD = ("--title", "Well", "--sponsor", "S1", "--area", "R-C-V1", "--starts", "2026-10-01")


def _people(engine: Engine, tmp_path: Path) -> None:
    """Sponsor S1; H1 (consent given), H2 (pending)."""
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(engine, "organisations", orgs)
    hh = [household(household_id="H1"), household(household_id="H2", consent="pending")]
    hh[1]["consent_date"] = ""
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))


def _benefits(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM project_households")).scalar_one())


def test_a_project_added_by_hand_moves_on_and_lists_with_its_households_counted(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    added = cli("project", "add", "WELL", *ADD)
    assert added.exit_code == 0, added.output
    assert "Added project WELL (planned)." in added.output
    again = cli("project", "add", "WELL", *ADD)
    assert again.exit_code == 1 and "exists already" in again.output
    done = cli("project", "benefit", "WELL", "--household", "H1")
    assert done.exit_code == 0, done.output
    assert "Recorded 1 household for WELL." in done.output
    detail = {"table": "project_households", "project": "WELL"}
    assert events_about(with_areas, "household")[-1] == ("create", "H1", detail)
    repeat = cli("project", "benefit", "WELL", "--household", "H1")
    assert "Recorded 0 households for WELL; H1 recorded already." in repeat.output
    assert events_about(with_areas, "household")[-1] == ("read", "H1", detail)
    assert _benefits(with_areas) == 1
    moved = cli("project", "status", "WELL", "running")
    assert moved.exit_code == 0 and "Project WELL is running (was planned)." in moved.output
    back = cli("project", "status", "WELL", "planned")
    assert back.exit_code == 1 and "not back" in back.output
    listed = cli("project", "list", "--area", "R-C-V1")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "WELL" in line)
    assert [c.strip() for c in row.split("│")][-3:-1] == ["running", "1"]
    assert "H1" not in listed.output
    # The village's project is its county's and its region's too, not its neighbour's.
    for area, shown in (("R", True), ("R-C", True), ("R-C-V2", False)):
        out = cli("project", "list", "--area", area, "--format", "csv").output
        assert ("WELL" in out) is shown, (area, out)


def test_a_household_without_consent_refuses_the_whole_benefit(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    assert cli("project", "add", "WELL", *ADD).exit_code == 0
    refused = cli("project", "benefit", "WELL", "--household", "H1", "--household", "H2")
    assert refused.exit_code == 2  # bad input
    assert "household H2's consent is pending, not given" in " ".join(refused.output.split())
    unknown = cli("project", "benefit", "WELL", "--household", "H1", "--household", "H9")
    assert unknown.exit_code == 1 and "no household with id 'H9'" in unknown.output
    assert _benefits(with_areas) == 0
    # The attempt is the project's, without the line that says a household's consent.
    attempt = events_about(with_areas, "project")[-2]
    assert attempt[1] == "WELL" and attempt[2]["outcome"] == "refused"
    assert "H2" not in json.dumps(attempt[2])
    # Whoever was shown the refusal read H2's consent: a read under H2 says so.
    about_h2 = [e for e in events_about(with_areas, "household") if e[1] == "H2"]
    assert about_h2[-1][0] == "read" and about_h2[-1][2]["field"] == "consent_state"
    bad = cli("project", "add", "X", *ADD[:6], "--starts", "2026-13-01")
    assert bad.exit_code != 0 and "--starts is not a date" in bad.output
    wrong = cli("project", "status", "WELL", "finished")
    assert wrong.exit_code == 2 and "status must be one of planned, running, done" in wrong.output


def test_an_unknown_project_is_refused_with_where_to_find_the_codes(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    hint = "no project with code 'NOPE' (`doorstep project list` shows them)"
    for args in (("benefit", "NOPE", "--household", "H1"), ("status", "NOPE", "done")):
        refused = cli("project", *args)
        assert refused.exit_code == 1 and hint in refused.output, refused.output
    assert _benefits(with_areas) == 0


def test_a_project_is_neither_running_nor_done_before_its_first_day(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    later = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    soon = [a if a != "2026-10-01" else later for a in ADD]
    early = cli("project", "add", "WELL", *soon, "--status", "running")
    assert early.exit_code == 2, early.output
    assert f"the project starts on {later}, after today" in early.output
    assert "WELL" not in cli("project", "list", "--format", "csv").output
    assert cli("project", "add", "WELL", *soon).exit_code == 0
    for status in ("running", "done"):
        moved = cli("project", "status", "WELL", status)
        assert moved.exit_code == 1, moved.output
        assert f"starts on {later}" in moved.output and f"cannot be {status}" in moved.output
    listed = cli("project", "list", "--format", "json").output
    assert [p["status"] for p in json.loads(listed)] == ["planned"]


def test_projects_past_their_last_day_and_not_done_are_named_below_the_list(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    ended = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    ends_today = dt.date.today().isoformat()
    base = ("--sponsor", "S1", "--area", "R-C-V1", "--starts", "2026-01-05")
    for code, ends, status in (
        ("LATE", ended, "running"),
        ("OVER", ended, "done"),
        ("NOW", ends_today, "running"),
        ("OPEN", None, "running"),
    ):
        last = () if ends is None else ("--ends", ends)
        made = cli("project", "add", code, "--title", code, *base, *last, "--status", status)
        assert made.exit_code == 0, made.output
    listed = cli("project", "list")
    assert listed.exit_code == 0, listed.output
    assert "1 project past its last day and not done: LATE" in listed.output
    # Machines read every row and its days; the note is for people.
    as_csv = cli("project", "list", "--format", "csv").output
    assert "past its last day" not in as_csv
    cli("project", "status", "LATE", "done")
    assert "past" not in cli("project", "list").output
