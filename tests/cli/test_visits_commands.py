"""Work lists and calendars at the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import icalendar
from sqlalchemy import Engine, text

from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke, calendar_of
from tests.factories.db import import_teams, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import pair_and_plan

START = dt.date(2027, 1, 4)


def _planned(engine: Engine, tmp_path: Path) -> None:
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(3)]
    vv = [visitor(visitor_id="V1", capacity=3)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pair_and_plan(engine, START)


def test_overdue_lists_households_past_their_deadline_as_csv(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    result = cli("visits", "overdue", "--today", "2027-03-10", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert sorted(r["household"] for r in rows) == ["H0", "H1", "H2"]
    assert {r["deadline"] for r in rows} == {"2027-03-05"}
    assert {r["days_left"] for r in rows} == {"-5"}


def test_an_empty_work_list_says_so_and_stays_a_header_for_a_script(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    empty = cli("visits", "overdue", "--today", "2027-01-10")
    assert empty.exit_code == 0, empty.output
    assert empty.output.strip() == "No overdue visits as of 2027-01-10."
    as_csv = cli("visits", "overdue", "--today", "2027-01-10", "--format", "csv")
    assert as_csv.output.splitlines()[0].startswith("deadline,days_left,visitor")
    assert len(as_csv.output.splitlines()) == 1
    assert cli("visits", "due", "--today", "2027-01-10", "--format", "json").output.strip() == "[]"


def test_a_visitor_calendar_parses_back_with_every_planned_visit(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    out = tmp_path / "v1.ics"
    result = cli(
        "visits", "calendar", "--visitor", "V1", "--out", str(out), "--since", "2027-01-01"
    )
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    upcoming = cli(
        "visits",
        "upcoming",
        "--visitor",
        "V1",
        "--today",
        "2027-01-01",
        "--days",
        "200",
        "--format",
        "json",
    )
    listed = json.loads(upcoming.output)
    assert len(events) == len(listed) > 0
    for event, row in zip(sorted(events, key=lambda e: e.get("DTSTART").dt), listed, strict=True):
        assert event.get("DTSTART").dt.isoformat() == row["start"]
        last = dt.date.fromisoformat(row["end_day"])
        assert event.get("DTEND").dt == last + dt.timedelta(days=1)
        assert row["household"] in str(event.get("SUMMARY"))
        assert str(event.get("LOCATION")) == row["area"]  # where the visitor is going


def test_a_team_gets_each_members_calendar_as_one_visitors_would_be(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    """`--team T1 --out-dir DIR`: a file for each member, the same events (UIDs, days and
    SEQUENCE) as each one's own calendar, each read in the audit trail; not a non-member's."""
    import_teams(with_areas, tmp_path, "T1")
    vv = [
        visitor(visitor_id="V1", capacity=2, team_code="T1"),
        visitor(visitor_id="V2", capacity=2, team_code="T1", lat=26.61),
        visitor(visitor_id="V3", capacity=2, lat=26.62),
    ]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 100) for i in range(5)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pair_and_plan(with_areas, START)
    since = ("--since", "2027-01-01")
    folder = tmp_path / "calendars"
    team = cli("visits", "calendar", "--team", "T1", "--out-dir", str(folder), *since)
    assert team.exit_code == 0, team.output
    assert sorted(p.name for p in folder.iterdir()) == ["V1.ics", "V2.ics"]
    total = 0
    for v in ("V1", "V2"):
        own = calendar_of(cli, v, tmp_path / f"own-{v}.ics", dt.date(2027, 1, 1))
        theirs = icalendar.Calendar.from_ical((folder / f"{v}.ics").read_bytes())
        events = {
            str(e["UID"]): (e["DTSTART"].dt, int(e["SEQUENCE"])) for e in theirs.walk("VEVENT")
        }
        assert events == {uid: (ev[1], ev[3]) for uid, ev in own.items()}
        total += len(events)
    assert total > 0
    assert team.output.strip() == f"Wrote 2 calendars of team T1 to {folder}: {total} visits."
    with with_areas.connect() as conn:
        reads = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity = 'visits' AND action = 'read'")
        ).scalars()
        calendars = [
            json.loads(d)["calendar"] if isinstance(d, str) else d["calendar"] for d in reads
        ]
    assert calendars.count("V1") == 2 and calendars.count("V2") == 2 and "V3" not in calendars


def test_a_calendar_asks_for_a_visitor_and_a_file_or_a_team_and_a_folder(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    import_teams(with_areas, tmp_path, "T1")
    for args, said in [
        (("--visitor", "V1", "--team", "T1"), "give --visitor ID with --out FILE, or --team"),
        ((), "give --visitor ID with --out FILE, or --team"),
        (("--team", "T1", "--out", "x.ics"), "--team writes a file for each member"),
        (("--visitor", "V1", "--out-dir", "x"), "--visitor writes one file: give --out FILE"),
    ]:
        refused = cli("visits", "calendar", *args)
        assert refused.exit_code == 2 and said in refused.output, (args, refused.output)
    empty = cli("visits", "calendar", "--team", "T1", "--out-dir", str(tmp_path / "c"))
    assert empty.exit_code == 0 and "Team T1 has no members" in empty.output
    assert not (tmp_path / "c").exists()
    unknown = cli("visits", "calendar", "--team", "NOPE", "--out-dir", str(tmp_path / "c"))
    assert unknown.exit_code == 1 and "no team with code 'NOPE'" in unknown.output


def test_a_day_that_is_not_a_date_is_refused_naming_its_option(cli: Invoke) -> None:
    for kind in ("overdue", "due", "upcoming"):
        for day in ("2027-13-01", "yesterday"):
            result = cli("visits", kind, "--today", day)
            assert result.exit_code == 2, result.output
            assert f"--today is not a date (YYYY-MM-DD): {day!r}" in result.output
    result = cli("visits", "calendar", "--visitor", "V1", "--out", "v.ics", "--since", "2027/01/01")
    assert result.exit_code == 2
    assert "--since is not a date (YYYY-MM-DD): '2027/01/01'" in result.output


def test_work_lists_refuse_spans_past_ten_years_and_stop_at_the_last_date(cli: Invoke) -> None:
    result = cli("visits", "due", "--days", "100000000000")
    assert result.exit_code == 2
    assert "3660" in result.output
    result = cli("visits", "overdue", "--max-gap-days", "100000000000")
    assert result.exit_code == 2
    # The window stops at the calendar's last day, as the API's list does: it was refused.
    result = cli("visits", "upcoming", "--today", "9999-12-30")
    assert result.exit_code == 0, result.output
    assert "No upcoming visits as of 9999-12-30." in result.output


def test_a_calendar_that_cannot_be_written_is_refused_before_reading_and_folders_are_made(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    a_file = tmp_path / "v.csv"
    assert a_file.exists()
    result = cli("visits", "calendar", "--visitor", "V1", "--out", str(a_file / "v1.ics"))
    assert result.exit_code == 2
    assert f"{a_file} is a file, not a folder" in result.output
    result = cli("visits", "calendar", "--visitor", "V1", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert f"--out {tmp_path} is a folder; give a file name, e.g. {tmp_path / 'V1.ics'}" in (
        result.output
    )
    out = tmp_path / "new" / "folder" / "v1.ics"
    result = cli(
        "visits", "calendar", "--visitor", "V1", "--out", str(out), "--since", "2027-01-01"
    )
    assert result.exit_code == 0, result.output
    assert icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")


def test_an_unknown_visitor_or_team_is_one_red_line_like_an_unknown_area(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    out = tmp_path / "nope.ics"
    result = cli("visits", "calendar", "--visitor", "NOPE", "--out", str(out))
    assert result.exit_code == 1
    assert "error: no visitor with id 'NOPE'" in result.output
    assert not out.exists()
    for kind in ("overdue", "due", "upcoming"):
        result = cli("visits", kind, "--visitor", "NOPE")
        assert result.exit_code == 1
        assert "error: no visitor with id 'NOPE'" in result.output
        result = cli("visits", kind, "--team", "NOPE")
        assert result.exit_code == 1
        assert "error: no team with code 'NOPE'" in result.output
    assert cli("visits", "overdue", "--area", "NOPE").output.strip() == (
        "error: no area with code 'NOPE'"
    )
    # Codes are told apart by case; one typed in the wrong case is pointed to.
    assert cli("visits", "overdue", "--area", "r-c").output.strip() == (
        "error: no area with code 'r-c'; did you mean 'R-C'?"
    )


def test_csv_lists_keep_a_spreadsheet_from_running_a_name(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    with with_areas.begin() as conn:
        conn.execute(
            text("UPDATE households SET head_name = :n WHERE external_id = 'H0'"),
            {"n": '=HYPERLINK("http://x","click")'},
        )
    result = cli("visits", "overdue", "--today", "2027-03-10", "--format", "csv")
    assert result.exit_code == 0, result.output
    names = {r["household"]: r["head_name"] for r in csv.DictReader(io.StringIO(result.output))}
    assert names["H0"] == '\'=HYPERLINK("http://x","click")'  # as `export` writes it
    assert not names["H1"].startswith("'")


def test_a_leavers_households_stay_on_the_overdue_list_marked_for_a_new_visitor(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _planned(with_areas, tmp_path)
    with with_areas.begin() as conn:
        conn.execute(
            text("UPDATE visitors SET active_to = :d WHERE external_id = 'V1'"),
            {"d": dt.date(2027, 2, 1)},
        )
    result = cli("visits", "overdue", "--today", "2027-03-10", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert sorted(r["household"] for r in rows) == ["H0", "H1", "H2"]
    assert {r["status"] for r in rows} == {"visitor left on 2027-02-01"}
    assert {r["next_planned"] for r in rows} == {""}  # nothing V1 is to make after leaving
    listed = cli("visits", "due", "--today", "2027-02-20", "--visitor", "V1", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert [r["status"] for r in json.loads(listed.output)] == ["visitor left on 2027-02-01"] * 3


def test_a_household_paired_anew_while_its_leavers_pairing_is_open_is_listed_once(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # V1 left on 2027-02-01 with its pairings open; H0 has had V2 since 2027-02-10.
    _planned(with_areas, tmp_path)
    run_import(
        with_areas,
        "visitors",
        write_csv(tmp_path / "v2.csv", VISITOR_HEADER, [visitor(visitor_id="V2")]),
    )
    with with_areas.begin() as conn:
        conn.execute(
            text("UPDATE visitors SET active_to = :d WHERE external_id = 'V1'"),
            {"d": dt.date(2027, 2, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :d FROM households h, visitors v "
                "WHERE h.external_id = 'H0' AND v.external_id = 'V2'"
            ),
            {"d": dt.date(2027, 2, 10)},
        )
    expected = [
        ("H0", "V2", ""),
        ("H1", "V1", "visitor left on 2027-02-01"),
        ("H2", "V1", "visitor left on 2027-02-01"),
    ]
    args = ("visits", "overdue", "--today", "2027-03-10", "--format")
    as_csv = cli(*args, "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert sorted((r["household"], r["visitor"], r["status"]) for r in rows) == expected
    as_json = cli(*args, "json")
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert sorted((r["household"], r["visitor"], r["status"]) for r in rows) == expected
    as_table = cli(*args, "table")
    assert as_table.exit_code == 0, as_table.output
    assert "Overdue visits (3)" in as_table.output


def test_due_shows_the_incoming_visitors_planned_visit_for_a_household_handed_over(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # H0 passes from V1 to V2 on 2027-02-11; planned afresh from 2027-02-10, only V2 can
    # visit it (no 5-day stay of V1's fits before then). On 2027-02-10 H0 is still V1's,
    # and V1's stay planned from 2027-02-09 is under way (not yet recorded): H0 is due 60
    # days after it began, on 2027-04-10, and its next visit is V2's.
    _planned(with_areas, tmp_path)
    vv = [visitor(visitor_id="V2", capacity=3)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v2.csv", VISITOR_HEADER, vv))
    today, handover = dt.date(2027, 2, 10), dt.date(2027, 2, 11)
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "UPDATE pairings SET ended_on = :d WHERE household_id = "
                "(SELECT id FROM households WHERE external_id = 'H0')"
            ),
            {"d": handover},
        )
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :d FROM households h, visitors v "
                "WHERE h.external_id = 'H0' AND v.external_id = 'V2'"
            ),
            {"d": handover},
        )
    settings = planning.PlanSettings(start=today, months=3, keep_unaffected=False)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    with with_areas.connect() as conn:
        first = conn.execute(
            text(
                "SELECT MIN(vi.planned_start) FROM visits vi JOIN visitors v "
                "ON v.id = vi.visitor_id WHERE v.external_id = 'V2'"
            )
        ).scalar_one()
    result = cli("visits", "due", "--today", str(today), "--days", "60", "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = (r for r in json.loads(result.output) if r["household"] == "H0")
    assert (row["visitor"], row["next_planned"], row["next_visitor"]) == ("V1", str(first), "V2")
    assert (row["under_way"], row["deadline"]) == ("2027-02-09", "2027-04-10")
    listed = cli("visits", "due", "--today", str(today), "--days", "60", "--format", "csv")
    rows = {r["household"]: r for r in csv.DictReader(io.StringIO(listed.output))}
    assert (rows["H0"]["next_planned"], rows["H0"]["next_visitor"]) == (str(first), "V2")
    assert rows["H0"]["under_way"] == "2027-02-09"
