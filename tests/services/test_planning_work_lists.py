"""The coordinators' work lists: one row per household, each household shown audited."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import calendars, household_rights, reporting, visitor_rights, work_lists
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)  # a Monday


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _sql(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _pair(engine: Engine, h: str, v: str, since: dt.date) -> None:
    _sql(
        engine,
        "INSERT INTO pairings (household_id, visitor_id, started_on) "
        "SELECT h.id, v.id, :s FROM households h, visitors v "
        "WHERE h.external_id = :h AND v.external_id = :v",
        h=h,
        v=v,
        s=since,
    )


@pytest.fixture
def paired(with_areas: Engine, tmp_path: Path) -> Engine:
    """H0 and H1 paired with V1, H2 and H3 with V2, from START; V3 paired with none."""
    vv = [visitor(visitor_id=v) for v in ("V1", "V2", "V3")]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(4)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    for h, v in (("H0", "V1"), ("H1", "V1"), ("H2", "V2"), ("H3", "V2")):
        _pair(with_areas, h, v, START)
    return with_areas


def test_a_household_paired_anew_while_its_leavers_pairing_is_open_is_listed_once(
    paired: Engine,
) -> None:
    # V2 left on day 10 and its pairings stay open. H2 has had V1 since day 20, and H3
    # has had V3 since day 30, though V3 begins only on day 100: each has a visitor, so it
    # is listed once, on that pairing's row, due when the household is (never visited:
    # 60 days after its first pairing began).
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V2'", d=_day(10))
    _sql(paired, "UPDATE visitors SET active_from = :d WHERE external_id = 'V3'", d=_day(100))
    _pair(paired, "H2", "V1", _day(20))
    _pair(paired, "H3", "V3", _day(30))
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=_day(70))
        due = work_lists.work_list(s, "due", actor="test", today=_day(50), days=30)
        of_v2 = work_lists.work_list(s, "overdue", actor="test", today=_day(70), visitor="V2")
    for rows in (overdue, due):
        assert sorted((r["household"], r["visitor"], r["status"]) for r in rows) == [
            ("H0", "V1", ""),
            ("H1", "V1", ""),
            ("H2", "V1", ""),
            ("H3", "V3", f"visitor starts on {_day(100)}"),
        ]
        assert {r["deadline"] for r in rows} == {_day(60)}
    assert of_v2 == []  # none of V2's households is waiting for a new visitor
    # Before H2 was paired anew, it was on the list as its leaver's, to be re-paired.
    with unit_of_work(paired) as s:
        before = work_lists.work_list(s, "due", actor="test", today=_day(15), days=60)
    assert ("H2", "V2", f"visitor left on {_day(10)}") in {
        (r["household"], r["visitor"], r["status"]) for r in before
    }


def _reads(engine: Engine) -> list[tuple[str, str | None, dict[str, object]]]:
    """``(entity, entity_id, detail)`` of the read events, in the order written."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity, entity_id, detail FROM audit_events WHERE action = 'read' "
                "ORDER BY id"
            )
        ).all()
    return [(e, i, d if isinstance(d, dict) else json.loads(d)) for e, i, d in rows]


def test_each_household_a_work_list_or_calendar_shows_is_audited_once_after_the_list(
    paired: Engine,
) -> None:
    # H1 withdrew, so it is on no list. H0 has two planned visits within the upcoming
    # list's days: one read of H0, not two.
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H1'")
    for a in (_day(75), _day(80)):
        _sql(
            paired,
            "INSERT INTO visits (household_id, visitor_id, pairing_id, status, "
            "planned_start, planned_end) SELECT p.household_id, p.visitor_id, p.id, "
            "'planned', :a, :a FROM pairings p JOIN households h ON h.id = p.household_id "
            "WHERE h.external_id = 'H0'",
            a=a,
        )
    with unit_of_work(paired) as s:
        overdue = work_lists.work_list(s, "overdue", actor="test", today=_day(70))
    assert sorted(r["household"] for r in overdue) == ["H0", "H2", "H3"]
    assert "household_id" not in overdue[0]
    reads = _reads(paired)
    # The list's event holds what chose its rows: its filters, the day, the cadence.
    nobody = {"visitor": None, "team": None, "area": None}
    today = {"today": _day(70).isoformat()}
    assert reads[0] == (
        "visits",
        None,
        {"list": "overdue", "rows": 3, **nobody, **today, "max_gap_days": 60},
    )
    assert sorted(reads[1:]) == [
        *(("household", h, {"list": "overdue"}) for h in ("H0", "H2", "H3")),
        *(("visitor", v, {"list": "overdue"}) for v in ("V1", "V2")),
    ]
    for kind, day, cadence in (("upcoming", _day(70), {}), ("due", _day(0), {"max_gap_days": 50})):
        with unit_of_work(paired) as s:
            rows = work_lists.work_list(s, kind, actor="test", today=day, days=30, **cadence)
        shown = {r["household"] for r in rows}
        assert shown == ({"H0"} if kind == "upcoming" else set()), kind
        new = _reads(paired)[len(reads) :]
        # Upcoming visits are listed whatever the cadence, overdue ones whatever the days.
        asked = {"today": day.isoformat(), "days": 30, **cadence}
        assert new[0] == ("visits", None, {"list": kind, "rows": len(rows), **nobody, **asked})
        assert new[1:] == [
            *(("household", h, {"list": kind}) for h in sorted(shown)),
            *(("visitor", "V1", {"list": kind}) for _ in shown),  # H0's visitor
        ]
        reads += new
    with unit_of_work(paired) as s:
        assert len(calendars.visitor_calendar(s, "V1", actor="test", since=_day(0))) == 2
    new = _reads(paired)[len(reads) :]
    assert new == [
        ("visits", None, {"calendar": "V1", "rows": 2, "cancelled": 0}),
        ("household", "H0", {"calendar": "V1"}),
    ]
    # The reads are part of the household's trail: its export hands them over.
    with unit_of_work(paired) as s:
        trail = household_rights.export_household(s, "H0", actor="test")["records"]
    assert sum(e["action"] == "read" for e in trail["audit_events"]) == 3


def test_each_visitor_a_work_list_shows_is_audited_once_and_in_their_export(
    paired: Engine,
) -> None:
    # H0 passes from V1 to V3 on day 50: V1's list on day 45 shows V3 as its next visitor.
    _sql(
        paired,
        "UPDATE pairings SET ended_on = :d WHERE household_id = "
        "(SELECT id FROM households WHERE external_id = 'H0')",
        d=_day(50),
    )
    _pair(paired, "H0", "V3", _day(50))
    _sql(
        paired,
        "INSERT INTO visits (household_id, visitor_id, pairing_id, status, planned_start, "
        "planned_end) SELECT p.household_id, p.visitor_id, p.id, 'planned', :a, :a "
        "FROM pairings p JOIN visitors v ON v.id = p.visitor_id WHERE v.external_id = 'V3'",
        a=_day(52),
    )
    before = len(_reads(paired))
    with unit_of_work(paired) as s:
        area = work_lists.work_list(s, "overdue", actor="officer", today=_day(70), area="R")
        of_v1 = work_lists.work_list(
            s, "due", actor="officer", today=_day(45), days=30, visitor="V1"
        )
    assert {r["visitor"] for r in area} == {"V1", "V2", "V3"}
    assert [r["next_visitor"] for r in of_v1 if r["household"] == "H0"] == ["V3"]
    visitors = [(i, d) for e, i, d in _reads(paired)[before:] if e == "visitor"]
    # A list of an area names no visitor in its own event: each it shows is read under
    # their id. A list drawn for V1 names V1; it shows V3 too, as H0's next visitor.
    assert visitors == [
        ("V1", {"list": "overdue"}),
        ("V2", {"list": "overdue"}),
        ("V3", {"list": "overdue"}),
        ("V3", {"list": "due"}),
    ]
    with unit_of_work(paired) as s:
        trail = visitor_rights.export_visitor(s, "V2", actor="officer")["records"]
    assert [e["detail"] for e in trail["audit_events"] if e["action"] == "read"] == [
        {"list": "overdue"}
    ]


def _noon(n: int) -> dt.datetime:
    return dt.datetime.combine(_day(n), dt.time(12), tzinfo=dt.UTC)


def test_an_undated_consent_entered_before_0028_counts_from_its_row_s_writes(
    paired: Engine,
) -> None:
    # Acts entered before migration 0028, which keeps the day each act was entered: the
    # row's moments are all that is known of them.
    # H0's row was created on day 30 with a consent given but not dated. H1 was pending
    # before; its undated consent replaced that act at some moment up to its row's last
    # write, on day 40. H2's undated withdrawal counts on every day, H3's dated consent
    # (2026-01-02) on every day after it.
    _sql(
        paired,
        "UPDATE households SET consent_since = NULL, consent_entered_on = NULL, created_at = :c "
        "WHERE external_id IN ('H0', 'H2')",
        c=_noon(30),
    )
    _sql(paired, "UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H2'")
    _sql(
        paired,
        "UPDATE households SET consent_since = NULL, consent_entered_on = NULL, "
        "created_at = :c, updated_at = :u WHERE external_id = 'H1'",
        c=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC),
        u=_noon(40),
    )
    _sql(
        paired,
        "INSERT INTO consent_records (household_id, action, scope, recorded_on, recorded_by, "
        "evidence) SELECT id, 'pending', 'programme', :d, 'import', '' FROM households "
        "WHERE external_id = 'H1'",
        d=dt.date(2026, 1, 1),
    )
    listed = {}
    for n in (29, 30, 39, 40):
        with unit_of_work(paired) as s:
            rows = work_lists.work_list(s, "due", actor="test", today=_day(n), days=60)
        listed[n] = sorted(r["household"] for r in rows)
    assert listed == {
        29: ["H3"],
        30: ["H0", "H3"],
        39: ["H0", "H3"],
        40: ["H0", "H1", "H3"],
    }


def test_a_household_left_by_two_visitors_is_listed_once_under_the_latest(
    paired: Engine,
) -> None:
    # H2 had V2 from the start and V3 from day 5 as well; both left (V2 on day 10, V3 on
    # day 12) and both pairings stay open: H2 waits for one new visitor, listed once,
    # under the later pairing.
    _pair(paired, "H2", "V3", _day(5))
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V2'", d=_day(10))
    _sql(paired, "UPDATE visitors SET active_to = :d WHERE external_id = 'V3'", d=_day(12))
    with unit_of_work(paired) as s:
        due = work_lists.work_list(s, "due", actor="test", today=_day(15), days=60)
    assert [(r["visitor"], r["status"]) for r in due if r["household"] == "H2"] == [
        ("V3", f"visitor left on {_day(12)}")
    ]


def test_the_next_planned_visit_is_the_households_whoever_is_to_make_it(
    paired: Engine,
) -> None:
    # H0 passes from V1 to V3 on day 50. On day 45 it is listed on V1's row (due on day
    # 60), and its next visit is V3's on day 52: V1's visit planned for day 51, after its
    # pairing ends, is nobody's to make. H1's next visit is V1's own.
    _pair(paired, "H0", "V3", _day(50))
    _sql(
        paired,
        "UPDATE pairings SET ended_on = :d WHERE visitor_id = "
        "(SELECT id FROM visitors WHERE external_id = 'V1') AND household_id = "
        "(SELECT id FROM households WHERE external_id = 'H0')",
        d=_day(50),
    )
    for h, v, a in (("H0", "V1", 51), ("H0", "V3", 52), ("H1", "V1", 53)):
        _sql(
            paired,
            "INSERT INTO visits (household_id, visitor_id, pairing_id, status, "
            "planned_start, planned_end) SELECT p.household_id, p.visitor_id, p.id, "
            "'planned', :a, :a FROM pairings p JOIN households h ON h.id = p.household_id "
            "JOIN visitors v ON v.id = p.visitor_id "
            "WHERE h.external_id = :h AND v.external_id = :v",
            h=h,
            v=v,
            a=_day(a),
        )
    with unit_of_work(paired) as s:
        due = work_lists.work_list(s, "due", actor="test", today=_day(45), days=30, visitor="V1")
    assert [(r["household"], r["next_planned"], r.get("next_visitor")) for r in due] == [
        ("H0", _day(52), "V3"),
        ("H1", _day(53), "V1"),
    ]


def test_days_n_lists_a_deadline_n_days_away_and_a_visit_starting_then_as_the_report_counts(
    paired: Engine,
) -> None:
    # "Deadlines within 60 days" left out the deadline 60 days away, whose row would say
    # "days left 60": freshly paired households (deadline: pairing day + 60) were missing
    # from `visits due --days 60`. The report's due column counts the same households.
    _sql(
        paired,
        "INSERT INTO visits (household_id, visitor_id, pairing_id, status, planned_start, "
        "planned_end) SELECT household_id, visitor_id, id, 'planned', :a, :a FROM pairings "
        "WHERE household_id = (SELECT id FROM households WHERE external_id = 'H0')",
        a=_day(30),
    )
    listed = {}
    for days in (59, 60):
        with unit_of_work(paired) as s:
            due = work_lists.work_list(s, "due", actor="test", today=START, days=days)
            report = reporting.programme_report(s, actor="test", today=START, days=days)
        listed[days] = (sorted(r["household"] for r in due), report.areas[0].due)
    assert listed == {59: ([], 0), 60: (["H0", "H1", "H2", "H3"], 4)}
    assert {r["days_left"] for r in due} == {60}
    for days, shown in ((29, []), (30, ["H0"])):
        with unit_of_work(paired) as s:
            rows = work_lists.work_list(s, "upcoming", actor="test", today=START, days=days)
        assert [r["household"] for r in rows] == shown
