"""A visitor's calendar sends each event's revisions with a growing ``SEQUENCE`` (RFC 5545
3.8.7.4), so that phones take a move or a cancellation under one UID; an unchanged event
keeps its number from file to file, so that phones see no update where there is none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
from sqlalchemy import Engine

from doorstep.engine.planning import CadencePolicy
from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import CalendarEvent, Invoke, calendar_of
from tests.factories.db import area_tree, run_import
from tests.factories.files import AREA_HEADER, HOUSEHOLD_HEADER, area_rows, household, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import PLAN_START, START, plan_three


def _events(cli: Invoke, path: Path) -> dict[str, CalendarEvent]:
    """UID: (STATUS, first day, last day, SEQUENCE, SUMMARY) of V1's calendar from START."""
    return calendar_of(cli, "V1", path, START)


def test_an_unchanged_event_keeps_its_sequence_and_a_changed_one_gets_a_higher_one(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _events(cli, tmp_path / "1.ics")
    assert _events(cli, tmp_path / "2.ics") == first  # a second export changes nothing
    # H0's first stay of several days, made on one day of it: the same UID, other days.
    uid, (_, a, _, seq, _) = next(
        (u, e) for u, e in first.items() if e[4].endswith("H0") and e[2] > e[1]
    )
    made = a + dt.timedelta(days=1)
    recorded = cli(
        "visits", "record", "H0", "--visitor", "V1", "--start", str(made),
        "--today", "2027-03-31",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    second = _events(cli, tmp_path / "3.ics")
    assert second[uid][:3] == ("CONFIRMED", made, made)
    assert second[uid][3] > seq
    # The other households' events did not change, and keep their numbers.
    others = {u for u, e in first.items() if not e[4].endswith("H0")}
    assert others and all(second[u] == first[u] for u in others)
    assert _events(cli, tmp_path / "4.ics") == second
    # A re-plan that moves visits cancels the old ones with a higher number still.
    settings = planning.PlanSettings(
        start=START, months=4, policy=CadencePolicy(max_gap_days=30), keep_unaffected=False
    )
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    third = _events(cli, tmp_path / "5.ics")
    cancelled = {u for u, e in third.items() if e[0] == "CANCELLED"}
    assert cancelled and cancelled <= set(second)
    assert all(third[u][3] > second[u][3] for u in cancelled)


def test_a_visit_marked_missed_is_cancelled_with_a_higher_sequence(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    before = _events(cli, tmp_path / "1.ics")
    uid, (_, a, z, seq, _) = next((u, e) for u, e in before.items() if e[4].endswith("H1"))
    missed = cli("visits", "missed", "H1", "--visitor", "V1", "--start", str(a), "--today", str(a))
    assert missed.exit_code == 0, missed.output
    after = _events(cli, tmp_path / "2.ics")
    status, a2, z2, seq2, summary = after[uid]
    assert (status, a2, z2) == ("CANCELLED", a, z)
    assert seq2 > seq and "H1" not in summary
    assert set(after) == set(before)  # no other event came or went
    # A stay under way on its last day is still sent cancelled, none after it.
    assert cli(
        "visits", "calendar", "--visitor", "V1", "--out", str(tmp_path / "3.ics"),
        "--since", str(z),
    ).exit_code == 0  # fmt: skip
    late = icalendar.Calendar.from_ical((tmp_path / "3.ics").read_bytes())
    assert {str(e["UID"]): str(e["STATUS"]) for e in late.walk("VEVENT")}[uid] == "CANCELLED"


def test_a_withdrawal_and_an_erasure_cancel_with_higher_sequences(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # From today at the earliest: an erasure keeps only the visits not over that day.
    start = dt.date.fromisoformat(PLAN_START)
    plan_three(with_areas, tmp_path, start=start)

    def events(name: str) -> dict[str, tuple[str, int, str]]:
        path = tmp_path / name
        result = cli(
            "visits", "calendar", "--visitor", "V1", "--out", str(path), "--since", str(start)
        )
        assert result.exit_code == 0, result.output
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        return {
            str(e["UID"]): (str(e["STATUS"]), int(e["SEQUENCE"]), str(e["SUMMARY"]))
            for e in cal.walk("VEVENT")
        }

    first = events("1.ics")
    of = {h: {u for u, e in first.items() if e[2].endswith(h)} for h in ("H1", "H2")}
    assert of["H1"] and of["H2"]
    withdrawn = [household(household_id="H1", consent="withdrawn", consent_date=str(start))]
    path = write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, withdrawn)
    run_import(with_areas, "households", path, today=start)
    second = events("2.ics")
    assert all(second[u][0] == "CANCELLED" and second[u][1] > first[u][1] for u in of["H1"])
    assert cli("household", "erase", "H2", "--yes").exit_code == 0
    third = events("3.ics")
    assert all(third[u][0] == "CANCELLED" and third[u][1] > second[u][1] for u in of["H2"])
    assert events("4.ics") == third  # and they keep them from file to file


def _locations(path: Path) -> dict[str, str]:
    """UID: LOCATION of the listed events of a calendar written by ``_events``."""
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(ev["UID"]): str(ev["LOCATION"]) for ev in cal.walk("VEVENT") if "LOCATION" in ev}


def test_an_area_renamed_raises_the_sequence_of_its_households_events_only(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    # An event's LOCATION is its household's area's name: a phone takes the new name only
    # with a higher SEQUENCE. H0 and H1 live in village one, H2 (moved) in village two.
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    moved = [household(household_id="H2", lat=26.582, area_code="R-C-V2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h2.csv", HOUSEHOLD_HEADER, moved))
    first = _events(cli, tmp_path / "1.ics")
    assert _locations(tmp_path / "1.ics")
    renamed = [
        {**row, "name": "Village one, renamed"} if row["code"] == "R-C-V1" else row
        for row in area_rows()
    ]
    run_import(with_areas, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, renamed))
    second = _events(cli, tmp_path / "2.ics")
    where = _locations(tmp_path / "2.ics")
    ours = {u for u, e in first.items() if not e[4].endswith("H2")}
    theirs = set(first) - ours
    assert ours and theirs and set(second) == set(first)
    assert {where[u] for u in ours} == {"Village one, renamed"}
    assert all(second[u][3] > first[u][3] and second[u][:3] == first[u][:3] for u in ours)
    assert {where[u] for u in theirs} == {"Village two"}
    assert all(second[u] == first[u] for u in theirs)
    # Unchanged from then on; an areas file that renames nothing raises nothing.
    run_import(with_areas, "areas", write_csv(tmp_path / "b.csv", AREA_HEADER, renamed))
    assert _events(cli, tmp_path / "3.ics") == second
