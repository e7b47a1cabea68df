"""`doorstep referral add|status|list`: a household referred by hand, moved on, and listed
for follow-up; refused in the command's words, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def _people(engine: Engine, tmp_path: Path) -> None:
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(engine, "organisations", orgs)
    hh = [household(household_id="H1"), household(household_id="H2", consent="withdrawn")]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))


def test_a_referral_made_moved_on_and_listed_for_follow_up(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    today = ("--today", "2027-03-01")
    made = cli(
        "referral",
        "add",
        "H1",
        "--to",
        "JOBS",
        "--service",
        "Employment",
        "--on",
        "2027-01-10",
        *today,
    )
    assert made.exit_code == 0, made.output
    assert "Referral 1: H1 referred to JOBS for employment on 2027-01-10 (open)." in made.output
    listed = cli("referral", "list", "--area", "R-C", "--follow-up", "--format", "json", *today)
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["household"], row["days"], row["follow_up"]) == ("H1", 50, True)
    table = cli("referral", "list", *today)
    assert "1 open; 1 referral open 30 days or more." in " ".join(table.output.split())
    moved = cli("referral", "status", "1", "completed", "--on", "2027-02-20", *today)
    assert moved.exit_code == 0, moved.output
    assert "Referral 1: open -> completed on 2027-02-20." in moved.output
    again = cli("referral", "status", "1", "withdrawn", *today)
    assert again.exit_code == 1 and "completed for good" in again.output
    none = cli("referral", "list", "--follow-up", *today)
    assert "No referrals." in none.output


def test_a_household_that_withdrew_is_not_referred(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    refused = cli("referral", "add", "H2", "--to", "JOBS", "--service", "health")
    assert refused.exit_code == 2, refused.output
    assert "household H2's consent is withdrawn, not given" in " ".join(refused.output.split())
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM referrals")).scalar_one() == 0


def test_the_referrals_are_exported_by_area_and_each_household_read_in_the_trail(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.audit import last_event_id, trail
    from tests.factories.files import VISITOR_HEADER, visitor

    _people(with_areas, tmp_path)
    far = household(household_id="H3", area_code="R-C-V2")
    run_import(with_areas, "households", write_csv(tmp_path / "h3.csv", HOUSEHOLD_HEADER, [far]))
    vv = [visitor(visitor_id="V1")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    for hh, by in (("H1", ("--visitor", "V1")), ("H3", ())):
        added = cli("referral", "add", hh, "--to", "JOBS", "--service", "health", *by)
        assert added.exit_code == 0, added.output
    out = tmp_path / "referrals.csv"
    mark = last_event_id(with_areas)
    done = cli("export", "referrals", str(out), "--area", "R-C-V1", "--quiet")
    assert done.exit_code == 0, done.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "referral,household_id,organisation_code,service,made_on,visitor_id,status,status_on"
    )
    assert [ln.split(",")[1:4] + ln.split(",")[5:7] for ln in lines[1:]] == [
        ["H1", "JOBS", "health", "V1", "open"]
    ]
    named = {(e[1], e[2]) for e in trail(with_areas, mark) if e[0] == "export"}
    assert {("household", "H1"), ("visitor", "V1")} <= named
    assert ("household", "H3") not in named
    whole = tmp_path / "all.csv"
    assert cli("export", "referrals", str(whole), "--quiet").exit_code == 0
    assert len(whole.read_text(encoding="utf-8").splitlines()) == 3


def test_a_referral_added_again_under_its_id_is_made_once(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _people(with_areas, tmp_path)
    add = ("referral", "add", "H1", "--to", "JOBS", "--service", "employment", "--today")
    given = ("2027-03-01", "--id", "3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E6F")
    first = cli(*add, *given)
    assert first.exit_code == 0, first.output
    again = cli(*add, *given)
    assert again.exit_code == 0, again.output
    assert "Referral 1 (made already): H1 referred to JOBS" in again.output
    other = cli(*add[:-2], "health", "--today", *given)
    assert other.exit_code == 1
    assert "a new referral needs a new id" in other.output
    assert cli(*add, "2027-03-01", "--id", "nope").exit_code == 2
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT client_id FROM referrals")).scalars().all()
    assert ids == ["3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"]
