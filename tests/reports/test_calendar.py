"""iCalendar and CSV export of a plan, parsed back and checked event by event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar

from doorstep.engine.planning import PlanningProblemBuilder, PlanResult, VisitRow, plan
from doorstep.reports.calendar import (
    Cancelled,
    calendars_by_visitor,
    ics_filename,
    visit_uid,
    visitor_ics,
    visits_frame,
)

STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def small_plan() -> PlanResult:
    b = PlanningProblemBuilder(date(2027, 1, 4), days=200)
    for v in ("anna", "bo"):
        b.add_visitor(v)
    for i, v in enumerate(["anna", "anna", "bo"]):
        b.add_household(f"h{i}")
        b.add_pairing(f"h{i}", v, home_distance_m=500.0)
    return plan(b.build())


def events(data: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_every_visit_is_one_all_day_event_in_its_visitors_calendar() -> None:
    result = small_plan()
    by_visitor = dict(calendars_by_visitor(result, stamp=STAMP))
    assert set(by_visitor) == {"anna", "bo"}
    for visitor_id, data in by_visitor.items():
        expected = sorted(
            (r.household_id, r.start, r.end) for r in result.rows() if r.visitor_id == visitor_id
        )
        got = []
        for ev in events(data):
            start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
            assert isinstance(start, date) and not isinstance(start, datetime)
            household = str(ev["SUMMARY"]).rsplit(" ", 1)[-1]
            got.append((household, start, end - timedelta(days=1)))  # DTEND is exclusive
            assert ev.decoded("DTSTAMP") == STAMP
            assert str(ev["UID"]) == visit_uid(household, visitor_id, start)
        assert sorted(got) == expected


def test_uids_are_unique_and_stable_across_runs() -> None:
    first = dict(calendars_by_visitor(small_plan(), stamp=STAMP))
    again = dict(calendars_by_visitor(small_plan(), stamp=STAMP))
    uids = [str(ev["UID"]) for data in first.values() for ev in events(data)]
    assert len(uids) == len(set(uids))
    assert first == again


def test_lines_end_in_crlf_and_are_folded_at_75_octets() -> None:
    long_id = "户" * 40 + ",;\\ household"
    row = VisitRow(long_id, "visitor", date(2027, 1, 4), date(2027, 1, 8), False)
    data = visitor_ics("visitor", [row], stamp=STAMP)
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (ev,) = events(data)
    assert str(ev["SUMMARY"]) == f"Home visit: household {long_id}"  # escaping round-trips
    assert ev.decoded("DTEND") == date(2027, 1, 9)


def test_a_calendar_without_visits_is_still_valid() -> None:
    cal = icalendar.Calendar.from_ical(visitor_ics("nobody", [], stamp=STAMP))
    assert str(cal["VERSION"]) == "2.0"
    assert not [c for c in cal.walk() if c.name == "VEVENT"]


def test_file_names_are_safe_and_distinct() -> None:
    assert ics_filename("V1") == "V1.ics"
    odd = ics_filename("../etc/passwd")
    assert "/" not in odd and odd.endswith(".ics")
    assert ics_filename("a/b") != ics_filename("a_b")
    # Never a hidden file (nor "." or ".."), and still distinct from the plain name.
    for dotted in (".hidden", "..", ".", "._x"):
        assert not ics_filename(dotted).startswith(".")
    assert ics_filename(".V1") != ics_filename("_V1")


def test_the_csv_frame_has_iso_dates_and_the_last_day_of_each_stay() -> None:
    result = small_plan()
    frame = visits_frame(result)
    assert frame.columns == ["household_id", "visitor_id", "start", "end"]
    assert frame.height == result.n_planned
    for r in frame.iter_rows(named=True):
        assert r["end"] - r["start"] == timedelta(days=4)  # a 5-day stay
    rows = {(r.household_id, r.visitor_id, r.start, r.end) for r in result.rows()}
    assert set(frame.iter_rows()) == rows


def test_an_event_names_the_households_area_as_its_location_when_given() -> None:
    rows = [
        VisitRow("H1", "v", date(2027, 1, 4), date(2027, 1, 8), False),
        VisitRow("H2", "v", date(2027, 1, 11), date(2027, 1, 15), False),
    ]
    data = visitor_ics("v", rows, stamp=STAMP, locations={"H1": "Xinzhai, Lower; Village"})
    first, second = events(data)
    assert str(first["LOCATION"]) == "Xinzhai, Lower; Village"  # escaping round-trips
    assert "LOCATION" not in second
    assert b"LOCATION" not in visitor_ics("v", rows, stamp=STAMP)


def test_a_location_with_a_lone_carriage_return_or_other_control_characters_stays_one_line() -> (
    None
):
    rows = [VisitRow("H1", "v", date(2027, 1, 4), date(2027, 1, 8), False)]
    area = "Siqu\rBEGIN:VEVENT\x07\x00 Upper\tVillage"
    data = visitor_ics("v", rows, stamp=STAMP, locations={"H1": area})
    assert all(ch in "\r\n\t" or ch >= " " for ch in data.decode("utf-8"))
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 1
    assert data.count(b"\r") == data.count(b"\r\n")  # every CR ends a line
    (event,) = events(data)
    assert str(event["LOCATION"]) == "Siqu\nBEGIN:VEVENT Upper\tVillage"


def test_a_cancelled_visit_keeps_its_uid_and_names_no_household_or_place() -> None:
    kept = VisitRow("h1", "anna", date(2027, 2, 1), date(2027, 2, 5), False)
    gone = Cancelled(visit_uid("h2", "anna", date(2027, 2, 8)), date(2027, 2, 8), date(2027, 2, 12))
    data = visitor_ics(
        "anna", [kept], stamp=STAMP, locations={"h1": "Siqu", "h2": "Xijiang"}, cancelled=[gone]
    )
    by_uid = {str(ev["UID"]): ev for ev in events(data)}
    assert set(by_uid) == {
        visit_uid("h1", "anna", kept.start),
        visit_uid("h2", "anna", gone.start),
    }
    live, cancelled = (
        by_uid[visit_uid("h1", "anna", kept.start)],
        by_uid[visit_uid("h2", "anna", gone.start)],
    )
    assert str(live["STATUS"]) == "CONFIRMED"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("DTSTART") == gone.start
    assert cancelled.decoded("DTEND") == gone.last + timedelta(days=1)
    assert "h2" not in str(cancelled["SUMMARY"]) and "LOCATION" not in cancelled
    assert b"Xijiang" not in data
    assert live["SEQUENCE"] == cancelled["SEQUENCE"] == 0  # none given: the first revision


def test_each_event_carries_the_sequence_given_for_its_uid() -> None:
    kept = VisitRow("h1", "anna", date(2027, 2, 1), date(2027, 2, 5), False)
    made = VisitRow("h3", "anna", date(2027, 1, 20), date(2027, 1, 20), True)
    uid = visit_uid("h2", "anna", date(2027, 2, 8))
    gone = Cancelled(uid, date(2027, 2, 8), date(2027, 2, 12))
    made_uid = visit_uid("h3", "anna", date(2027, 1, 18))  # planned from the 18th
    sequence = {visit_uid("h1", "anna", kept.start): 7, uid: 12, made_uid: 9}
    data = visitor_ics(
        "anna",
        [kept],
        stamp=STAMP,
        cancelled=[gone],
        recorded=[(made, date(2027, 1, 18))],
        sequence=sequence,
    )
    got = {str(ev["UID"]): ev.decoded("SEQUENCE") for ev in events(data)}
    assert got == sequence
