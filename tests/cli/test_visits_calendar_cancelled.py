"""A visitor's calendar cancels, under the same UID, every visit an earlier one listed that
is no longer planned, so a calendar app that imported the earlier file drops it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
from sqlalchemy import Engine, text

from doorstep.engine.planning import CadencePolicy
from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke, calendar_of
from tests.factories.db import area_tree, run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import PLAN_START, START, plan_three


def _calendar(cli: Invoke, path: Path) -> dict[str, tuple[str, str]]:
    """UID: (STATUS, SUMMARY) of each event of V1's calendar from START."""
    return {uid: (e[0], e[4]) for uid, e in calendar_of(cli, "V1", path, START).items()}


def _replan(engine: Engine, gap: int) -> None:
    """Plan every visit again, with a cadence of ``gap`` days (60: the first plan's)."""
    policy = CadencePolicy(max_gap_days=gap)
    settings = planning.PlanSettings(start=START, months=4, policy=policy, keep_unaffected=False)
    with unit_of_work(engine) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)


def test_uids_are_stable_and_a_re_plan_cancels_what_it_moved(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _calendar(cli, tmp_path / "1.ics")
    assert first and {s for s, _ in first.values()} == {"CONFIRMED"}
    assert _calendar(cli, tmp_path / "again.ics") == first  # the same UIDs, file to file
    _replan(with_areas, gap=30)
    second = _calendar(cli, tmp_path / "2.ics")
    # Every event of the first file is in the second: planned still, or cancelled.
    assert set(first) <= set(second)
    cancelled = {u for u, (s, _) in second.items() if s == "CANCELLED"}
    confirmed = {u for u, (s, _) in second.items() if s == "CONFIRMED"}
    assert cancelled and cancelled <= set(first)
    assert all(" H" not in second[u][1] for u in cancelled)  # no household named
    with with_areas.connect() as conn:  # one read of the calendar, counting both
        reads = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity = 'visits' ORDER BY id")
        ).scalars()
        last = [d if isinstance(d, dict) else json.loads(d) for d in reads][-1]
    assert (last["rows"], last["cancelled"]) == (len(confirmed), len(cancelled))
    # Planned back on a day it was cancelled from: the event stands again, not cancelled.
    _replan(with_areas, gap=60)
    third = _calendar(cli, tmp_path / "3.ics")
    assert {u for u, (s, _) in third.items() if s == "CONFIRMED"} == set(first)
    assert {u for u, (s, _) in third.items() if s == "CANCELLED"} == (cancelled | confirmed) - set(
        first
    )


def test_a_household_that_withdrew_has_its_visits_cancelled_without_its_id(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    before = _calendar(cli, tmp_path / "1.ics")
    h2 = {u for u, (_, summary) in before.items() if summary.endswith("H2")}
    assert h2
    withdrawn = [household(household_id="H2", consent="withdrawn", consent_date="2026-12-01")]
    path = write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, withdrawn)
    run_import(with_areas, "households", path, today=dt.date(2026, 12, 1))
    after = _calendar(cli, tmp_path / "2.ics")
    assert {u for u, (s, _) in after.items() if s == "CANCELLED"} == h2
    assert b"H2" not in (tmp_path / "2.ics").read_bytes()


def test_cancelled_visits_go_with_an_erased_household_and_once_their_days_are_past(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    _replan(with_areas, gap=30)

    def count() -> int:
        with with_areas.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM cancelled_visits")).scalar_one())

    assert count() > 0
    with with_areas.connect() as conn:
        # Each household, visitor and first day once, however often it is cancelled.
        twice = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT 1 FROM cancelled_visits "
                "GROUP BY household_id, visitor_id, starts_on HAVING COUNT(*) > 1) t"
            )
        ).scalar_one()
    assert twice == 0
    with with_areas.connect() as conn:
        of_h0 = conn.execute(
            text(
                "SELECT COUNT(*) FROM cancelled_visits c JOIN households h "
                "ON h.id = c.household_id WHERE h.external_id = 'H0'"
            )
        ).scalar_one()
    n = count()
    assert cli("household", "erase", "H0", "--yes").exit_code == 0
    assert count() == n - of_h0
    with unit_of_work(with_areas) as s:
        later = planning.PlanSettings(start=dt.date(2027, 6, 1), months=1)
        planning.plan_area(s, "R", later, actor="test", today=later.start)
    assert count() == 0  # all were over before the plan's start


def _days(cli: Invoke, path: Path, since: dt.date) -> dict[str, tuple[str, dt.date, dt.date]]:
    """UID: (STATUS, first day, last day) of each event of V1's calendar from ``since``."""
    return {uid: e[:3] for uid, e in calendar_of(cli, "V1", path, since).items()}


def test_a_stay_under_way_is_listed_and_cancelled_like_one_to_come(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    first = _days(cli, tmp_path / "1.ics", START)
    uid, (_, a, z) = next((u, e) for u, e in first.items() if e[2] > e[1])
    # From its second day on, it is under way: a fresh calendar still lists it.
    assert _days(cli, tmp_path / "2.ics", a + dt.timedelta(days=1))[uid] == ("CONFIRMED", a, z)
    _replan(with_areas, gap=30)
    later = _days(cli, tmp_path / "3.ics", START)
    gone = {u: e for u, e in later.items() if e[0] == "CANCELLED" and e[2] > e[1]}
    assert gone
    for u, (_, a, z) in gone.items():
        # One the phone shows as under way is cancelled too, not left beside its successor.
        assert _days(cli, tmp_path / "4.ics", z)[u] == ("CANCELLED", a, z)


def test_a_visit_recorded_over_a_planned_one_updates_its_event_to_the_days_made(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    before = _days(cli, tmp_path / "1.ics", START)
    uid, (_, a, z) = next((u, e) for u, e in before.items() if e[2] > e[1])
    summary = _calendar(cli, tmp_path / "s.ics")[uid][1]
    household = summary.rsplit(" ", 1)[-1]
    made = a + dt.timedelta(days=1)  # a day later, and one day only
    recorded = cli(
        "visits", "record", household, "--visitor", "V1", "--start", str(made),
        "--today", "2027-03-31",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    after = _days(cli, tmp_path / "2.ics", START)
    assert after[uid] == ("CONFIRMED", made, made)  # the phone's event, as it was made
    assert set(after) == set(before)  # no other event came or went
    assert _calendar(cli, tmp_path / "3.ics")[uid][1] == summary
    # From a day after it was made, the event is still updated while its planned days last.
    assert _days(cli, tmp_path / "4.ics", z)[uid] == ("CONFIRMED", made, made)
    assert uid not in _days(cli, tmp_path / "5.ics", z + dt.timedelta(days=1))


def _only_neutral(path: Path, uids: set[str], *, household: str) -> None:
    """The events ``uids`` of the file are cancelled and hold only UID, dates, status and a
    neutral summary; the file names ``household`` nowhere."""
    data = path.read_bytes()
    assert household.encode() not in data
    for ev in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        if str(ev["UID"]) in uids:
            assert str(ev["STATUS"]) == "CANCELLED"
            assert str(ev["SUMMARY"]) == "Cancelled: home visit"
            assert not {"LOCATION", "DESCRIPTION", "ATTENDEE", "GEO"} & set(ev)


def test_a_visit_made_at_a_household_that_withdrew_is_cancelled_without_its_data(
    cli: Invoke, with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    before = _days(cli, tmp_path / "1.ics", START)
    h2 = {u for u, (_, summary) in _calendar(cli, tmp_path / "s.ics").items() if "H2" in summary}
    uid = min(h2, key=lambda u: before[u][1])
    _, a, z = before[uid]
    recorded = cli(
        "visits", "record", "H2", "--visitor", "V1", "--start", str(a), "--end", str(z),
        "--note", "Mrs Li, by the well", "--today", str(z),
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert _days(cli, tmp_path / "2.ics", START)[uid] == ("CONFIRMED", a, z)
    left = z + dt.timedelta(days=1)
    withdrawn = [household(household_id="H2", consent="withdrawn", consent_date=str(left))]
    path = write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, withdrawn)
    run_import(with_areas, "households", path, today=left)
    after = _days(cli, tmp_path / "3.ics", START)
    assert after[uid] == ("CANCELLED", a, z)  # the phone drops it, as the planned ones
    assert {u for u, (s, _, _) in after.items() if s == "CANCELLED"} == h2
    _only_neutral(tmp_path / "3.ics", h2, household="H2")
    assert b"Mrs Li" not in (tmp_path / "3.ics").read_bytes()


def _erased_events(engine: Engine) -> list[tuple[str, str, dt.date, dt.date]]:
    """(visitor, UID, first day, last day) of every event kept for calendars past an
    erasure."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, e.uid, e.starts_on, e.ends_on FROM erased_visit_events e "
                "JOIN visitors v ON v.id = e.visitor_id ORDER BY e.id"
            )
        ).all()
    day = dt.date.fromisoformat
    return [(v, u, day(str(a)[:10]), day(str(z)[:10])) for v, u, a, z in rows]


def test_an_erased_households_visits_are_cancelled_without_its_data(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # Planned from today at the earliest: the erasure keeps for the calendars only the
    # visits not over on the day it is made.
    start = dt.date.fromisoformat(PLAN_START)
    plan_three(with_areas, tmp_path, start=start)

    def events(name: str) -> dict[str, tuple[str, str]]:
        path = tmp_path / name
        result = cli(
            "visits", "calendar", "--visitor", "V1", "--out", str(path), "--since", str(start)
        )
        assert result.exit_code == 0, result.output
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        return {str(e["UID"]): (str(e["STATUS"]), str(e["SUMMARY"])) for e in cal.walk("VEVENT")}

    before = events("1.ics")
    h2 = {u for u, (_, summary) in before.items() if summary.endswith("H2")}
    assert h2
    days = _days(cli, tmp_path / "d.ics", start)
    assert cli("household", "erase", "H2", "--yes").exit_code == 0
    after = events("2.ics")
    assert set(after) == set(before)
    assert {u for u, (s, _) in after.items() if s == "CANCELLED"} == h2
    _only_neutral(tmp_path / "2.ics", h2, household="H2")
    # Kept in their own table, under V1 and with nothing of H2's, with the days sent.
    assert sorted(_erased_events(with_areas)) == sorted(
        ("V1", u, days[u][1], days[u][2]) for u in h2
    )
    # The trail, which keeps H2's id in the erasure's event and is never cleared, holds
    # none of the UIDs (digests of household, visitor and day a reader could hash guesses
    # against) nor of the days: V1's event says how many were kept, nothing more.
    with with_areas.connect() as conn:
        trail = conn.execute(
            text("SELECT entity, entity_id, action, detail FROM audit_events ORDER BY id")
        ).all()
    for uid in h2:
        assert not any(uid.split("@")[0] in str(d) for *_, d in trail), uid
    of_v1 = [_detail(d) for e, i, a, d in trail if (e, i, a) == ("visitor", "V1", "update")]
    of_v1 = [d for d in of_v1 if isinstance(d, dict) and d.get("table") == "calendar"]
    assert of_v1 == [{"table": "calendar", "kept": len(h2)}]
    of_h2 = {days[u][1].isoformat() for u in h2} | {days[u][2].isoformat() for u in h2}
    assert not any(day in str(of_v1) for day in of_h2)


def _detail(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def test_an_erased_households_events_are_forgotten_once_over(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    start = dt.date.fromisoformat(PLAN_START)
    plan_three(with_areas, tmp_path, start=start)
    assert cli("household", "erase", "H2", "--yes").exit_code == 0
    kept = _erased_events(with_areas)
    assert kept
    # A plan from a day after the first one's last day forgets it, and keeps the others.
    first = min(z for *_, z in kept)
    settings = planning.PlanSettings(start=first + dt.timedelta(days=1), months=1)
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert _erased_events(with_areas) == [e for e in kept if e[3] > first]
    # One from after them all forgets every one: no calendar from then sends them.
    settings = planning.PlanSettings(start=max(z for *_, z in kept) + dt.timedelta(days=1))
    with unit_of_work(with_areas) as s:
        planning.plan_area(s, "R", settings, actor="test", today=settings.start)
    assert _erased_events(with_areas) == []
