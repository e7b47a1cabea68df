"""A visitor's rights: everything held about them exported, and their data erased on
request, the households they looked after keeping their own records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import Conflict, NotFound
from doorstep.services import (
    calendars,
    household_rights,
    pairing,
    planning,
    visit_records,
    visitor_rights,
    work_lists,
)
from doorstep.services.exporting import export_entity
from doorstep.services.registry import programme_summary
from doorstep.storage.base import Base
from doorstep.storage.repositories.visitor_data import ERASED, KEPT, referencing
from doorstep.storage.session import unit_of_work
from tests.factories.db import import_teams, query_plan, rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.sides import Side

START = dt.date(2027, 1, 4)
LEFT = dt.date(2027, 2, 28)  # V1's last day
AFTER = LEFT + dt.timedelta(days=1)  # H1 re-paired and planned again from here
LATER = dt.date(2027, 12, 1)  # past the plan's six months: every household overdue
NAME = "Qiu Xiaohong"
NOTE = "grandmother unwell"  # about H1: its own, not V1's
# V1's home: values no other row holds, looked for in every table after the erasure.
LAT, LON = 26.5812, 107.9799


def _visitors(tmp_path: Path, **v1: Any) -> Path:
    rows = [
        visitor(
            visitor_id="V1",
            name=NAME,
            lat=LAT,
            lon=LON,
            languages="zh;hmn",
            team_code="T1",
            is_team_lead="true",
            **v1,
        ),
        visitor(visitor_id="V2", name="Zhou Min"),
    ]
    return write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows)


@pytest.fixture
def paired(with_areas: Engine, tmp_path: Path) -> Engine:
    """V1 (team T1's lead, one leave, excluded from H2) looks after H1, V2 after H2, both
    planned from START; V1 made H1's first visit."""
    import_teams(with_areas, tmp_path, "T1")
    run_import(with_areas, "visitors", _visitors(tmp_path))
    rows = [household(household_id="H1"), household(household_id="H2", head_name="Li Na")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
                "SELECT id, '2027-08-01', '2027-08-14' FROM visitors WHERE external_id = 'V1'"
            )
        )
        conn.execute(
            text(
                "INSERT INTO exclusions (visitor_id, household_id, reason) "
                "SELECT v.id, h.id, 'neighbours' FROM visitors v, households h "
                "WHERE v.external_id = 'V1' AND h.external_id = 'H2'"
            )
        )
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=6), actor="test", today=START
        )
    with with_areas.connect() as conn:
        first = conn.execute(
            text(
                "SELECT v.planned_start FROM visits v JOIN households h ON h.id = v.household_id "
                "WHERE h.external_id = 'H1' ORDER BY v.planned_start LIMIT 1"
            )
        ).scalar_one()
    day = first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first)[:10])
    with unit_of_work(with_areas) as s:
        made = visit_records.MadeVisit("H1", "V1", day, note=NOTE)
        visit_records.record_visit(s, made, actor="V1's phone", today=day)
    return with_areas


def _left(engine: Engine, tmp_path: Path) -> None:
    """V1 leaves on LEFT: H1 is paired with V2 and planned again from the next day."""
    run_import(engine, "visitors", _visitors(tmp_path, active_to=LEFT.isoformat()), today=START)
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=AFTER)
        pairing.commit(s, view.id, actor="test", today=AFTER)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=AFTER, months=6), actor="test", today=AFTER
        )


def _lists(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """The area's work lists on AFTER and a while later, by kind."""
    with unit_of_work(engine) as s:
        return {
            kind: work_lists.work_list(s, kind, actor="test", today=today, days=90, area="R")
            for kind, today in (("due", AFTER), ("upcoming", AFTER), ("overdue", LATER))
        }


def _all_rows(engine: Engine) -> str:
    """Every row of every table, as text; but the count of the pairing lock's takes, which
    a call refused after taking the lock adds to when its caller commits anyway (a plan
    reading meanwhile reads again, which is all the count is for)."""
    with engine.connect() as conn:
        return "\n".join(
            str(tuple(row))
            for table in Base.metadata.sorted_tables
            if table.name != "pairing_lock_takes"
            for row in conn.execute(text(f"SELECT * FROM {table.name}"))
        )


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_every_table_that_refers_to_a_visitor_is_erased_or_kept(paired: Engine) -> None:
    # Read from the migrated database: a table added later must be given one of the two.
    found = set()
    inspector = inspect(paired)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "visitors":
                found |= {(table, c) for c in fk["constrained_columns"]}
    assert found == {(t.name, c.name) for t, c in referencing()}
    assert {t for t, _ in found} == set(ERASED) | set(KEPT)


def test_a_visitor_gets_everything_held_about_them_households_named_by_id_only(
    paired: Engine,
) -> None:
    with unit_of_work(paired) as s:
        data = visitor_rights.export_visitor(s, "V1", actor="officer")
    json.dumps(data)
    records = data["records"]
    (me,) = records["visitors"]
    assert (me["name"], me["lat"], me["languages"]) == (NAME, LAT, "zh;hmn")
    assert [t["code"] for t in records["teams"]] == ["T1"]
    assert records["team_members"][0]["is_lead"] in (True, 1)
    assert records["visitor_leave"][0]["starts_on"] == "2027-08-01"
    assert [e["reason"] for e in records["exclusions"]] == ["neighbours"]
    assert len(records["pairings"]) == 1 and records["proposed_pairs"]
    assert {v["status"] for v in records["visits"]} == {"done", "planned"}
    # What a visit found and did for the household is the household's, not the visitor's.
    assert not {"notes", "outcome_codes", "activities"} & set(records["visits"][0])
    assert NOTE not in json.dumps(data)
    assert [p["id"] for p in records["pairing_proposals"]] == [
        records["pairings"][0]["proposal_id"]
    ]
    # Households by id, nothing of theirs: H1 (paired, visited) and H2 (excluded).
    assert records["households"] == [
        {"id": h, "external_id": e}
        for h, e in sorted((r["id"], r["external_id"]) for r in records["households"])
    ]
    assert sorted(r["external_id"] for r in records["households"]) == ["H1", "H2"]
    assert "Wang Fang" not in json.dumps(data, ensure_ascii=False)
    assert {a["code"] for a in records["areas"]} >= {"R-C-V1"}
    with paired.connect() as conn:
        last = conn.execute(
            text(
                "SELECT action, entity, entity_id FROM audit_events WHERE entity = 'visitor' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert tuple(last) == ("subject_export", "visitor", "V1")  # (then one under each household)
    # The next export holds the trail about V1: imported, read by the proposal, given H1
    # by its commit, its visits planned, the visit V1 recorded (an event of H1's, naming
    # V1), the first export, a calendar drawn for V1.
    with unit_of_work(paired) as s:
        calendars.calendar_events(s, "V1", actor="officer", since=START)
    with unit_of_work(paired) as s:
        again = visitor_rights.export_visitor(s, "V1", actor="officer")
    trail = [(e["action"], e["entity"]) for e in again["records"]["audit_events"]]
    assert trail == [
        ("create", "visitor"),
        ("read", "visitor"),  # the proposal
        ("update", "visitor"),  # its commit
        ("update", "visitor"),  # the plan
        ("update", "household"),  # the planned visit of that day, recorded as made
        ("subject_export", "visitor"),
        ("read", "visits"),  # the calendar
    ]


def test_a_visitor_who_still_looks_after_a_household_is_not_erased(paired: Engine) -> None:
    before = _all_rows(paired)
    with (
        unit_of_work(paired) as s,
        pytest.raises(Conflict, match=r"1 current pairing\(s\), \d+ visit\(s\) planned"),
    ):
        visitor_rights.erase_visitor(s, "V1", actor="test", today=START)
    assert _all_rows(paired) == before


def test_erasing_a_visitor_leaves_no_value_of_theirs_and_the_households_their_records(
    paired: Engine, tmp_path: Path
) -> None:
    _left(paired, tmp_path)
    with unit_of_work(paired) as s:  # an export, whose details the erasure clears
        visitor_rights.export_visitor(s, "V1", actor="officer")
    visits = "SELECT COUNT(*) FROM visits v JOIN visitors p ON p.id = v.visitor_id "
    done = _count(paired, visits + "WHERE p.external_id = 'V1' AND v.status = 'done'")
    assert done == 1
    pairings = _count(paired, "SELECT COUNT(*) FROM pairings")
    cancelled = _count(
        paired,
        "SELECT COUNT(*) FROM cancelled_visits c JOIN visitors v ON v.id = c.visitor_id "
        "WHERE v.external_id = 'V1'",
    )
    assert NAME in _all_rows(paired)

    lists = _lists(paired)
    assert lists["due"] or lists["upcoming"]
    with unit_of_work(paired) as s:
        erased = visitor_rights.erase_visitor(s, "V1", actor="manager", today=AFTER)
    # H1 is due as it was (from the visit V1 made), and the work lists read the same.
    assert _lists(paired) == lists
    # The import of V1's last day cancelled their visits after it: their calendar's
    # cancellations go too.
    own = {"visitors": 1, "team_members": 1, "visitor_leave": 1, "exclusions": 1}
    assert erased.erased == {**own, **({"cancelled_visits": cancelled} if cancelled else {})}
    assert erased.kept["pairings"] == 1 and erased.kept["visits"] >= 1
    everything = _all_rows(paired)
    for value in (NAME, str(LAT), str(LON), "zh;hmn", "neighbours"):
        assert value not in everything, value
    # The households keep their pairing history and the visit V1 made, under V1's id.
    assert _count(paired, "SELECT COUNT(*) FROM pairings") == pairings
    assert _count(paired, visits + "WHERE p.external_id = 'V1' AND v.status = 'done'") == 1
    for table in ("team_members", "visitor_leave", "exclusions"):
        assert _count(paired, f"SELECT COUNT(*) FROM {table}") == 0, table
    with unit_of_work(paired) as s:
        h1 = household_rights.export_household(s, "H1", actor="test")["records"]
    assert {v["external_id"]: v["name"] for v in h1["visitors"]} == {"V1": "", "V2": "Zhou Min"}
    # The trail: the erasure with its counts only; V1's own earlier events without details.
    with paired.connect() as conn:
        events = conn.execute(
            text(
                "SELECT actor, action, detail, area_path FROM audit_events "
                "WHERE entity = 'visitor' AND entity_id = 'V1' ORDER BY id"
            )
        ).all()
    details = [json.loads(d) if isinstance(d, str) else d for _, _, d, _ in events]
    # Where V1 lived went with their details: their events are the whole programme's now.
    assert {path for *_, path in events} == {None}
    assert [(a, b) for a, b, _, _ in events] == [
        ("test", "create"),
        ("test", "read"),  # the first proposal
        ("test", "update"),  # its commit: H1
        ("test", "update"),  # the first plan
        ("test", "update"),  # the import of V1's last day, which took V1's visits off
        ("test", "read"),  # the second proposal
        ("test", "update"),  # its commit: H1 gone to V2 (the plan then had none of V1's)
        ("officer", "subject_export"),
        ("manager", "delete"),
    ]
    assert details[:8] == [{"redacted": "visitor erased"}] * 8
    assert details[8] == {"erased": erased.erased, "kept": erased.kept}
    # The area pairs and plans on without the erased row, which nothing takes for a visitor.
    with unit_of_work(paired) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=AFTER)
        assert view.figures["paired"] == 2
        planning.plan_area(
            s, "R", planning.PlanSettings(start=AFTER, months=6), actor="test", today=AFTER
        )
    ahead = f"WHERE p.external_id = 'V1' AND v.status = 'planned' AND v.planned_start >= '{AFTER}'"
    assert _count(paired, visits + ahead) == 0
    # Nothing to export or erase any more; the id is not given to someone else.
    for act in (visitor_rights.export_visitor, visitor_rights.erase_visitor):
        with unit_of_work(paired) as s, pytest.raises(NotFound, match="V1 was erased"):
            act(s, "V1", actor="test")


def test_an_erased_visitor_leaves_no_value_in_the_planners_statistics(
    with_areas: Engine, tmp_path: Path
) -> None:
    if with_areas.dialect.name != "postgresql":
        pytest.skip("SQLite's statistics (sqlite_stat1) hold no column values")
    rows = [visitor(visitor_id=f"V{i}", name=f"Name {i:03d}") for i in range(40)]
    rows.append(visitor(visitor_id="VX", name=NAME))
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))

    def sampled() -> bool:
        with with_areas.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT 1 FROM pg_stats WHERE tablename = 'visitors' AND attname = 'name' "
                "AND (most_common_vals::text LIKE %(n)s OR histogram_bounds::text LIKE %(n)s)",
                {"n": f"%{NAME}%"},
            ).first()
        return found is not None

    with with_areas.connect() as conn:
        conn.exec_driver_sql("ANALYZE visitors")
        conn.commit()
    assert sampled()
    with unit_of_work(with_areas) as s:
        visitor_rights.erase_visitor(s, "VX", actor="test")
    assert not sampled()


def test_an_erased_visitors_id_is_not_imported_again_nor_exported_nor_counted(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = _visitors(tmp_path)
    import_teams(with_areas, tmp_path, "T1")
    run_import(with_areas, "visitors", path)
    with unit_of_work(with_areas) as s:
        visitor_rights.erase_visitor(s, "V1", actor="test")
    # The old registry file again: V1's id would hand the erased row, and the households'
    # records it is kept for, to whoever the row now names.
    assert rejected(with_areas, "visitors", path) == [
        "row 2, column visitor_id (value 'V1'): is the id of an erased visitor, kept for the "
        "households' records; give this visitor another id"
    ]
    out = tmp_path / "out.csv"
    with unit_of_work(with_areas) as s:
        pending = export_entity(s, "visitors", out, actor="test")
        today = dt.date.today()  # the visitors are open-ended: active on any day
        assert programme_summary(s, actor="test", today=today).totals["visitors"] == 1
    assert pending.write() == 1
    assert [r.split(",")[0] for r in out.read_text(encoding="utf-8").splitlines()] == [
        "visitor_id",
        "V2",
    ]


def test_an_export_beside_an_erasure_waits_for_it_then_finds_the_visitor_erased(
    with_areas: Engine, tmp_path: Path, db_url: str
) -> None:
    # Without the erasure's lock, the export would read V1's rows while the erasure ran
    # and write its event, with their counts, after the erasure had redacted the trail.
    import_teams(with_areas, tmp_path, "T1")
    run_import(with_areas, "visitors", _visitors(tmp_path))

    def export(engine: Engine) -> None:
        with unit_of_work(engine) as s:
            visitor_rights.export_visitor(s, "V1", actor="reader")

    reader = Side(db_url, export)
    with unit_of_work(with_areas) as s:
        visitor_rights.erase_visitor(s, "V1", actor="test")
        waited = reader.waits()
    reader.join(60)
    assert waited, f"the export did not wait for the erasure: {reader.outcome}"
    assert isinstance(reader.outcome, NotFound), reader.outcome
    assert "V1 was erased" in str(reader.outcome)
    assert _count(with_areas, "SELECT COUNT(*) FROM audit_events WHERE actor = 'reader'") == 0


def test_an_open_proposal_that_considered_an_erased_visitor_is_not_committed(
    with_areas: Engine, tmp_path: Path
) -> None:
    import_teams(with_areas, tmp_path, "T1")
    run_import(with_areas, "visitors", _visitors(tmp_path))
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
    with unit_of_work(with_areas) as s:  # not paired yet: nothing holds the erasure back
        visitor_rights.erase_visitor(s, "V1", actor="test", today=START)
    with unit_of_work(with_areas) as s, pytest.raises(Conflict, match="stale"):
        pairing.commit(s, view.id, actor="test", today=START)
    assert _count(with_areas, "SELECT COUNT(*) FROM pairings") == 0


def test_a_visitors_export_finds_their_events_through_the_trails_index(paired: Engine) -> None:
    # The trail grows by a region's households with each work list: read whole, it takes
    # a visitor's export seconds (bench/audit_events.py, "visitor").
    with unit_of_work(paired) as s:
        calendars.calendar_events(s, "V1", actor="officer", since=START)
        work_lists.work_list(s, "upcoming", actor="officer", today=START, days=90, visitor="V1")
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM audit_events" in statement:
            statements.append((statement, parameters))

    event.listen(paired, "before_cursor_execute", keep)
    try:
        with unit_of_work(paired) as s:
            data = visitor_rights.export_visitor(s, "V1", actor="officer")
    finally:
        event.remove(paired, "before_cursor_execute", keep)
    assert [(e["action"], e["entity"]) for e in data["records"]["audit_events"]] == [
        ("create", "visitor"),
        ("read", "visitor"),  # the proposal
        ("update", "visitor"),  # its commit
        ("update", "visitor"),  # the plan
        ("update", "household"),  # the visit V1 recorded
        ("read", "visits"),  # the calendar
        ("read", "visits"),  # the work list
    ]
    assert statements
    for statement, parameters in statements:
        plan = query_plan(paired, statement, parameters)
        assert "ix_audit_events_entity_id" in plan, plan
        assert "SCAN audit_events" not in plan and "Seq Scan on audit_events" not in plan, plan
        assert "pk_audit_events" not in plan, plan  # nor every row in the key's order


def test_an_erased_households_events_kept_for_a_calendar_are_the_visitors_own(
    paired: Engine,
) -> None:
    with unit_of_work(paired) as s:
        shown = calendars.calendar_events(s, "V1", actor="test", since=START)
    assert shown.planned and shown.recorded
    with unit_of_work(paired) as s:
        household_rights.erase_household(s, "H1", actor="test", today=START)
    with unit_of_work(paired) as s:
        cancelled = calendars.calendar_events(s, "V1", actor="test", since=START).cancelled
    assert len(cancelled) == len(shown.planned) + len(shown.recorded)
    # The visitor's export holds them (they are their calendar's), with nothing of H1's.
    with unit_of_work(paired) as s:
        records = visitor_rights.export_visitor(s, "V1", actor="officer")["records"]
    kept = records["erased_visit_events"]
    assert sorted((e["uid"], e["starts_on"], e["ends_on"]) for e in kept) == sorted(
        (c.uid, c.start.isoformat(), c.last.isoformat()) for c in cancelled
    )
    assert not {"household_id", "household"} & set(kept[0])
    # Erasing the visitor deletes them with the rest of their own rows.
    with unit_of_work(paired) as s:
        erased = visitor_rights.erase_visitor(s, "V1", actor="manager", today=START)
    assert erased.erased["erased_visit_events"] == len(cancelled)
    assert _count(paired, "SELECT COUNT(*) FROM erased_visit_events") == 0
    everything = _all_rows(paired)
    assert not any(c.uid in everything for c in cancelled)
