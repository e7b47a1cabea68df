"""`doorstep visits record` and `visits missed` at the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services.exclusions import exclude
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke
from tests.factories.audit import events_about
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import START, first_planned, plan_three


def _first_planned(engine: Engine, household_id: str) -> str:
    return str(first_planned(engine, household_id)[0])


def test_a_visit_recorded_leaves_the_upcoming_list_and_counts_as_the_last_visit(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    result = cli(
        "visits", "record", "H0", "--visitor", "V1", "--start", first, "--note", "ok",
        "--today", "2027-03-31",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Recorded the visit of V1 to H0 from {first} to {first} (planned from {first})." in (
        " ".join(result.output.split())
    )
    due = cli("visits", "due", "--today", first, "--days", "200", "--format", "json")
    assert {r["household"]: r["last_visit"] for r in json.loads(due.output)}["H0"] == first
    upcoming = cli("visits", "upcoming", "--today", first, "--days", "1", "--format", "json")
    assert "H0" not in {r["household"] for r in json.loads(upcoming.output)}


def test_a_visit_recorded_elsewhere_says_which_planned_visit_it_cancelled(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    result = cli("visits", "record", "H1", "--visitor", "V1", "--start", first, "--today", first)
    assert result.exit_code == 0, result.output
    assert f"Cancelled the visit of V1 to H0 planned from {first}: V1 was at H1 then." in " ".join(
        result.output.split()
    )
    calendar = tmp_path / "v1.ics"
    assert (
        cli(
            "visits", "calendar", "--visitor", "V1", "--since", first, "--out", str(calendar)
        ).exit_code
        == 0
    )
    assert "STATUS:CANCELLED" in calendar.read_text(encoding="utf-8")


def test_a_refused_visit_is_one_red_line_and_the_exit_code_of_its_kind(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    for args, code, words in (
        (("H9", "--visitor", "V1", "--start", "2027-02-01"), 1, "no household with id 'H9'"),
        (("H0", "--visitor", "V1", "--start", "2026-12-01"), 1, "not paired with this visitor"),
        (("H0", "--visitor", "V1", "--start", "2099-01-01"), 2, "is after today"),
        (("H0", "--visitor", "V1", "--start", "2027-02-02", "--end", "2027-02-01"), 2, "ends"),
        (("H0", "--visitor", "V1", "--start", "someday"), 2, "--start is not a date"),
    ):
        result = cli("visits", "record", *args)
        assert result.exit_code == code, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
        assert words in result.output


def test_a_missed_visit_is_marked_and_an_unplanned_day_refused(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H1")
    result = cli("visits", "missed", "H1", "--visitor", "V1", "--start", first, "--today", first)
    assert result.exit_code == 0, result.output
    assert "as missed" in result.output
    with with_areas.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM visits WHERE planned_start = :d AND household_id = "
                 "(SELECT id FROM households WHERE external_id = 'H1')"),
            {"d": dt.date.fromisoformat(first)},
        ).scalar_one()  # fmt: skip
    assert status == "missed"
    # Marked again (sent twice): said, and nothing written.
    before = _events(with_areas)
    again = cli("visits", "missed", "H1", "--visitor", "V1", "--start", first, "--today", first)
    assert again.exit_code == 0, again.output
    assert f"planned from {first} was marked missed already; nothing" in again.output
    assert _events(with_areas) == before
    other = str(dt.date.fromisoformat(first) + dt.timedelta(days=1))
    refused = cli("visits", "missed", "H1", "--visitor", "V1", "--start", other, "--today", first)
    assert refused.exit_code == 1
    assert f"error: no planned visit of H1 by V1 starts on {other}" in refused.output


def _events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT COUNT(*) FROM audit_events WHERE action <> 'read'")
            ).scalar_one()
        )


def test_a_visit_recorded_as_made_is_not_marked_missed_and_says_so(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H2")
    made = (dt.date.fromisoformat(first) + dt.timedelta(days=1)).isoformat()
    recorded = cli(
        "visits", "record", "H2", "--visitor", "V1", "--start", made, "--today", "2027-03-31"
    )
    assert recorded.exit_code == 0, recorded.output
    for day in (first, made):  # its planned first day, or the day it was made
        result = cli("visits", "missed", "H2", "--visitor", "V1", "--start", day, "--today", made)
        assert result.exit_code == 1, result.output
        line = " ".join(result.output.split())
        assert f"error: the visit of H2 by V1 from {day} was recorded as made (on {made})" in line


def test_import_visits_says_what_it_did_and_a_second_sync_adds_nothing(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # The programme is planned from four months ago: its visits are past on the real date.
    plan_three(with_areas, tmp_path, start=dt.date.today() - dt.timedelta(days=120))
    first = _first_planned(with_areas, "H0")
    path = tmp_path / "sync.csv"
    path.write_text(f"visit_id,household_id,visitor_id,start\nd-1,H0,V1,{first}\n")
    result = cli("import", "visits", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 1 visit from sync.csv: 1 new, 0 updated, 0 unchanged." in result.output
    result = cli("import", "visits", str(path))
    assert "0 new, 0 updated, 1 unchanged." in result.output
    path.write_text("visit_id,household_id,visitor_id,start\nd-2,H0,V1,2099-01-01\n")
    result = cli("import", "visits", str(path))
    assert result.exit_code == 2
    assert "row 2, column start" in result.output and "is after today" in result.output


def _visits_and_events(engine: Engine) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with engine.connect() as conn:
        visits = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
        events = conn.execute(text("SELECT * FROM audit_events ORDER BY id")).all()
    return [tuple(map(str, r)) for r in visits], [tuple(map(str, r)) for r in events]


def test_a_visit_recorded_with_activities_and_outcomes_keeps_their_codes_for_the_household(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    result = cli(
        "visits", "record", "H0", "--visitor", "V1", "--start", first, "--today", "2027-03-31",
        "--activity", "Training", "--activity", "job_search;TRAINING",
        "--outcome", "referral_made",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Activities: job_search, training." in result.output
    assert "Outcomes: referral_made." in result.output
    # Stored in their own spelling, each once, in the lists' order: the household's export
    # shows them on its visit, and its audit event names the columns written, not the codes.
    out = tmp_path / "h0.json"
    assert cli("household", "export", "H0", "--out", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    (done,) = [v for v in data["records"]["visits"] if v["status"] == "done"]
    assert (done["activities"], done["outcome_codes"]) == ("job_search;training", "referral_made")
    (event,) = [
        e for e in data["records"]["audit_events"] if (e["detail"] or {}).get("status") == "done"
    ]
    assert event["detail"]["codes"] == ["activities", "outcome_codes"]
    # The visitor's export holds nothing of what the visit did and found: the household's.
    mine = tmp_path / "v1.json"
    assert cli("visitor", "export", "V1", "--out", str(mine)).exit_code == 0
    text_of_mine = mine.read_text(encoding="utf-8")
    assert "referral_made" not in text_of_mine and "job_search" not in text_of_mine


def test_an_unknown_code_is_one_red_line_listing_the_codes_and_nothing_is_written(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    before = _visits_and_events(with_areas)
    for option, value, words in (
        ("--activity", "prayer", "unknown activity code 'prayer'; use one of: job_search, "),
        ("--outcome", "Arrested", "unknown outcome code 'Arrested'; use one of: job_found, "),
        ("--outcome", "none;job_found", "outcome code 'none' says there is none: give it alone"),
    ):
        result = cli(
            "visits", "record", "H0", "--visitor", "V1", "--start", first, "--today", first,
            "--activity", "training", option, value,
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output
        assert words in " ".join(result.output.split())
        assert _visits_and_events(with_areas) == before


def _excluded_on(engine: Engine, household: str, visitor: str, day: dt.date) -> None:
    """Keep the two apart, as made on ``day`` (the trail's clock is the real one: its
    events are dated so, as the trail dates an exclusion)."""
    with engine.connect() as conn:
        last = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_events")).scalar_one()
    with unit_of_work(engine) as s:
        exclude(s, household, visitor, reason="conflict", actor="test", today=day)
    at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET at = :at WHERE id > :last"), {"at": at, "last": last}
        )


def test_a_visit_by_a_visitor_excluded_from_the_household_since_is_refused_and_audited(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    since = START + dt.timedelta(days=30)
    _excluded_on(with_areas, "H0", "V1", since)
    with with_areas.connect() as conn:
        last = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
        visits = conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one()
    later = str(since + dt.timedelta(days=40))
    for first, end in ((since, since), (since - dt.timedelta(days=1), since)):
        result = cli(
            "visits", "record", "H0", "--visitor", "V1", "--start", str(first), "--end", str(end),
            "--today", later,
        )  # fmt: skip
        assert result.exit_code == 1
        said = " ".join(result.output.split())
        assert said.startswith(
            f"error: cannot record the visit of V1 to H0 from {first}: the household and the "
            f"visitor are excluded since {since} (doorstep pair exclude)"
        )
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one() == visits
        events = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events WHERE id > :last "
                "ORDER BY id"
            ),
            {"last": last},
        ).all()
    parsed = [(a, e, i, d if isinstance(d, dict) else json.loads(d)) for a, e, i, d in events]
    # Each refusal: the attempt under the household, and a read of the exclusion it showed
    # under the visitor (found by their export, renamed by the household's erasure).
    assert [(a, e, i) for a, e, i, _ in parsed] == [
        ("create", "household", "H0"),
        ("read", "visitor", "V1"),
    ] * 2
    assert parsed[0][3]["outcome"] == "refused" and str(since) in parsed[0][3]["error"]
    assert parsed[1][3] == {"table": "exclusions", "household": "H0"}
    # A visit made before the exclusion is still a visit made.
    before = since - dt.timedelta(days=3)
    result = cli(
        "visits", "record", "H0", "--visitor", "V1", "--start", str(before), "--end",
        str(since - dt.timedelta(days=1)), "--today", later,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_visit_recorded_prints_the_visit_id_it_is_stored_and_exported_under(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    result = cli("visits", "record", "H0", "--visitor", "V1", "--start", first, "--today", first)
    assert result.exit_code == 0, result.output
    with with_areas.connect() as conn:
        stored = conn.execute(
            text("SELECT client_uuid FROM visits WHERE status = 'done' AND actual_start = :d"),
            {"d": dt.date.fromisoformat(first)},
        ).scalar_one()
    assert f"Visit id: {stored}." in result.output
    out = tmp_path / "visits.csv"
    assert cli("export", "visits", str(out)).exit_code == 0
    assert f"{stored},H0,V1," in out.read_text(encoding="utf-8")


def test_import_takes_today_as_visits_record_does_and_its_event_says_so(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    # The docs' tour syncs a visit of the demo's 2027 plan: refused on the real calendar,
    # taken with --today as `visits record --today` takes it, the day kept in the trail.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H0")
    path = tmp_path / "sync.csv"
    path.write_text(f"visit_id,household_id,visitor_id,start\nd-1,H0,V1,{first}\n")
    later = (dt.date.fromisoformat(first) + dt.timedelta(days=3)).isoformat()
    if dt.date.fromisoformat(first) > dt.date.today():
        refused = cli("import", "visits", str(path))
        assert refused.exit_code == 2 and "is after today" in refused.output
    done = cli("import", "visits", str(path), "--today", later)
    assert done.exit_code == 0, done.output
    assert "1 new, 0 updated, 0 unchanged." in done.output
    with with_areas.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_events WHERE action = 'import' ORDER BY id DESC")
        ).first()
    assert detail is not None
    parsed = detail[0] if isinstance(detail[0], dict) else json.loads(detail[0])
    assert parsed["today"] == later
    bad = cli("import", "visits", str(path), "--today", "2027-13-01")
    assert bad.exit_code == 2


def test_a_visit_made_during_the_visitors_recorded_leave_is_kept_and_said(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    # Both happened on paper: the visit is recorded (the leave record may be the wrong
    # one), and the coordinator hears of it, as the planner keeps the visitor free then.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    a, _ = first_planned(with_areas, "H0")
    b, _ = first_planned(with_areas, "H1")
    first, last = min(a, b) - dt.timedelta(days=30), max(a, b)
    leave = tmp_path / "leave.csv"
    leave.write_text(f"visitor_id,starts_on,ends_on\nV1,{first},{last}\n")
    assert cli("import", "leave", str(leave), "--today", str(START)).exit_code == 0
    today = str(last + dt.timedelta(days=9))
    done = cli("visits", "record", "H0", "--visitor", "V1", "--start", str(a), "--today", today)
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert f"Note: V1 is on leave from {first} to {last} by the records" in said
    sync = tmp_path / "sync.csv"
    sync.write_text(f"visit_id,household_id,visitor_id,start\nd-1,H1,V1,{b}\n")
    synced = cli("import", "visits", str(sync), "--today", today)
    assert synced.exit_code == 0, synced.output
    assert "1 visit made during the visitor's recorded leave (row 2)" in " ".join(
        synced.output.split()
    )
    # The leave each note showed was read under V1, once a command.
    reads = [e for e in events_about(with_areas, "visitor") if e[2].get("met_by")]
    assert reads == [("read", "V1", {"table": "visitor_leave", "met_by": "a visit made"})] * 2


def test_the_unrecorded_list_asks_for_each_visit_gone_by(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _first_planned(with_areas, "H1")
    today = str(dt.date.fromisoformat(first) + dt.timedelta(days=20))
    args = ("visits", "unrecorded", "--area", "R", "--today", today, "--days", "30")
    listed = cli(*args, "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["household"] for r in rows if r["start"] == first] == ["H1"]
    assert all(r["end_day"] < today for r in rows)
    table = cli(*args)
    assert "Unrecorded visits" in table.output
    cli("visits", "missed", "H1", "--visitor", "V1", "--start", first, "--today", today)
    after = json.loads(cli(*args, "--format", "json").output)
    assert [r for r in after if r["household"] == "H1" and r["start"] == first] == []
    none = cli("visits", "unrecorded", "--area", "R", "--today", str(START), "--days", "5")
    assert f"No unrecorded visits as of {START}." in none.output
    # Looking back past the calendar's first day stops there (it was refused).
    early = cli("visits", "unrecorded", "--today", "0001-01-02", "--days", "5")
    assert early.exit_code == 0, early.output
    assert "No unrecorded visits as of 0001-01-02." in early.output
