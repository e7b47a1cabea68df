"""`doorstep import visits`: devices' visits, idempotent by visit_id, all rows or none."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.domain.visit_codes import NOTE_MAX
from doorstep.services.exclusions import exclude
from doorstep.services.household_rights import erase_household
from doorstep.services.importing import ImportRejected
from doorstep.services.importing.errors import errors_csv_path
from doorstep.services.importing.validate import LOOSE_DATE, NUL_REASON
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.db import area_tree, rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import START, first_planned, plan_three

HEADER = ["visit_id", "household_id", "visitor_id", "start", "end", "note"]
TODAY = dt.date(2027, 4, 30)
A = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a01"
B = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a02"
C = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a03"


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """:func:`plan_three` over ``with_areas`` (built once, ``prebuilt``)."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _visits(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.client_uuid, h.external_id, vi.status, vi.planned_start, "
                "vi.actual_start, vi.actual_end, vi.notes FROM visits vi "
                "JOIN households h ON h.id = vi.household_id ORDER BY vi.id"
            )
        ).all()
    return [tuple(str(v) for v in r) for r in rows]


def _events(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity, entity_id FROM audit_events ORDER BY id")
        ).all()
    return [(str(a), str(e), i) for a, e, i in rows]


def _rows(planned: Engine) -> list[dict[str, Any]]:
    """Visits to H0 and H1 on their first planned days (V1 is never planned on two)."""
    a, z = first_planned(planned, "H0")
    a1, z1 = first_planned(planned, "H1")
    return [
        {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z},
        {
            "visit_id": B,
            "household_id": "H1",
            "visitor_id": "V1",
            "start": a1,
            "end": z1,
            "note": "bring forms",
        },
    ]


def test_a_file_synced_twice_or_overlapping_adds_each_visit_once(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    before = len(_visits(planned))
    first = run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    # Each visit on planned days became the planned one, not a second row.
    after = _visits(planned)
    assert len(after) == before
    assert sum(v[0] == A and v[2] == "done" for v in after) == 1
    events = len(_events(planned))
    again = run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _visits(planned) == after
    assert _events(planned)[events:] == [("import", "visits", None)]  # nothing written
    third = {"visit_id": C, "household_id": "H2", "visitor_id": "V1", "start": TODAY}
    overlapping = [rows[1], third]
    path = write_csv(tmp_path / "b.csv", HEADER, overlapping)
    summary = run_import(planned, "visits", path, today=TODAY)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 1)
    assert len(_visits(planned)) == before + 1  # C, on no planned day of H2's
    assert _events(planned)[-1] == ("create", "household", "H2")


def test_a_row_changed_since_updates_its_visit_and_is_audited(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    n = len(_visits(planned))
    rows[1] = rows[1] | {"end": rows[1]["start"] + dt.timedelta(days=2), "note": "done"}
    summary = run_import(
        planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY
    )
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    visits = _visits(planned)
    assert len(visits) == n
    changed = next(v for v in visits if v[0] == B)
    assert changed[5:] == (str(rows[1]["end"]), "done")
    assert _events(planned)[-2:] == [("import", "visits", None), ("update", "household", "H1")]


def test_a_uuid_in_capitals_is_the_same_visit_and_is_stored_in_lower_case(
    planned: Engine, tmp_path: Path
) -> None:
    rows = [r | {"visit_id": str(r["visit_id"]).upper()} for r in _rows(planned)]
    rows[1] |= {"visit_id": "Device-7"}  # not a UUID: kept as given
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert {v[0] for v in _visits(planned)} >= {A, "Device-7"}
    n = len(_visits(planned))
    rows[0] |= {"visit_id": A, "end": rows[0]["start"], "note": "short"}
    summary = run_import(
        planned, "visits", write_csv(tmp_path / "b.csv", HEADER, rows[:1]), today=TODAY
    )
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    assert len(_visits(planned)) == n
    # One file naming a visit in both cases names it twice: refused as a duplicate.
    twice = [rows[0], rows[0] | {"visit_id": A.upper()}]
    path = write_csv(tmp_path / "c.csv", HEADER, twice)
    assert "duplicate" in " ".join(rejected(planned, "visits", path, today=TODAY))


def test_a_parquet_file_is_read_like_a_csv(planned: Engine, tmp_path: Path) -> None:
    rows = [{k: str(r.get(k) or "") or None for k in HEADER} for r in _rows(planned)]
    path = tmp_path / "visits.parquet"
    pl.DataFrame(rows, schema=dict.fromkeys(HEADER, pl.String)).write_parquet(path)
    summary = run_import(planned, "visits", path, today=TODAY)
    assert (summary.created, summary.updated) == (2, 0)


def test_every_bad_row_is_named_in_the_errors_file_without_its_values_and_nothing_changes(
    planned: Engine, tmp_path: Path
) -> None:
    withdrawn = [household(household_id="H2", consent="withdrawn", consent_date="2027-02-10")]
    run_import(
        planned,
        "households",
        write_csv(tmp_path / "w.csv", HOUSEHOLD_HEADER, withdrawn),
        today=TODAY,
    )
    ok = _rows(planned)
    day = ok[1]["start"]
    rows: list[dict[str, Any]] = [
        *ok,  # rows 2-3
        {"visit_id": "x1", "household_id": "SECRET-H", "visitor_id": "V1", "start": day},  # 4
        {"visit_id": "x2", "household_id": "H1", "visitor_id": "SECRET-V", "start": day},  # 5
        {"visit_id": "x3", "household_id": "H0", "visitor_id": "V2", "start": day},  # 6
        {"visit_id": "x4", "household_id": "H2", "visitor_id": "V1", "start": "2027-02-12"},  # 7
        {"visit_id": "x5", "household_id": "H0", "visitor_id": "V1", "start": "2027-05-01"},  # 8
        {
            "visit_id": "x6",
            "household_id": "H0",
            "visitor_id": "V1",
            "start": "2027-02-26",
            "end": "2027-02-25",
            "note": "SECRET NOTE",
        },  # 9
        {"visit_id": "x7", "household_id": "H2", "visitor_id": "V1", "start": day},  # 10: as row 3
        ok[0] | {"start": dt.date(2027, 1, 5)},  # 11: the visit_id of row 2
        {"visit_id": "y" * 37, "household_id": "H0", "visitor_id": "V1", "start": day},  # 12
    ]
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    before, events = _visits(planned), _events(planned)
    with pytest.raises(ImportRejected) as info:
        run_import(planned, "visits", path, today=TODAY)
    assert (_visits(planned), _events(planned)) == (before, events)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert "36" in found[(12, "visit_id")]
    assert "row 2" in found[(11, "visit_id")]
    # The rows whose cells pass are checked against the database in the same run.
    assert found[(4, "household_id")] == "unknown household"
    assert "ends before it starts" in found[(9, "end")]
    assert "not paired with this visitor" in found[(6, "visitor_id")]
    # Fixed, the same rows are named as they were.
    path = write_csv(tmp_path / "bad.csv", HEADER, rows[:-2])
    with pytest.raises(ImportRejected) as info:
        run_import(planned, "visits", path, today=TODAY)
    assert (_visits(planned), _events(planned)) == (before, events)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert found[(4, "household_id")] == "unknown household"
    assert found[(5, "visitor_id")] == "unknown visitor"
    assert "not paired with this visitor" in found[(6, "visitor_id")]
    assert "consent is not given on 2027-02-12" in found[(7, "household_id")]
    assert "after today" in found[(8, "start")]
    assert "ends before it starts" in found[(9, "end")]
    assert "visit on row 3 of the same visitor" in found[(10, "start")]
    written = errors_csv_path(path).read_text(encoding="utf-8")
    assert "row,column,value,reason" in written
    for secret in ("SECRET", "H2", "2027-02-26", "2027-02-12", "withdrawn"):
        assert secret not in written


def test_a_day_or_month_of_one_digit_is_refused_by_row_and_column_and_nothing_changes(
    planned: Engine, tmp_path: Path
) -> None:
    # 2027-1-20 was read as 2027-01-20: the column promises YYYY-MM-DD, as every import's.
    rows = _rows(planned)
    rows[1] |= {"start": "2027-1-20", "end": "2027-01-2"}
    errors = rejected(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert sorted(errors) == [
        f"row 3, column end (value '2027-01-2'): {LOOSE_DATE}",
        f"row 3, column start (value '2027-1-20'): {LOOSE_DATE}",
    ]


def test_a_synced_visit_of_an_excluded_pair_from_the_exclusion_on_is_refused_by_row(
    planned: Engine, tmp_path: Path
) -> None:
    since = START + dt.timedelta(days=30)
    with planned.connect() as conn:
        last = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
    with unit_of_work(planned) as s:
        exclude(s, "H0", "V1", reason="conflict", actor="test", today=since)
    at = dt.datetime.combine(since, dt.time(12), tzinfo=dt.UTC)  # as made that day
    with planned.begin() as conn:
        conn.execute(text("UPDATE audit_events SET at = :at WHERE id > :i"), {"at": at, "i": last})
    early = since - dt.timedelta(days=5)
    rows = [
        {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": early},  # 2: before
        {"visit_id": B, "household_id": "H0", "visitor_id": "V1", "start": since},  # 3
    ]
    path = write_csv(tmp_path / "x.csv", HEADER, rows)
    assert rejected(planned, "visits", path, today=TODAY) == [
        "row 3, column visitor_id: the household and the visitor are excluded "
        f"since {since} (doorstep pair exclude): the visitor is not to visit the household "
        "from then on; if that is wrong, doorstep pair unexclude removes the exclusion"
    ]
    written = errors_csv_path(path).read_text(encoding="utf-8")
    assert "excluded (doorstep pair exclude)" in written and str(since) not in written
    # The visit made before the exclusion is recorded.
    summary = run_import(planned, "visits", write_csv(path, HEADER, rows[:1]), today=TODAY)
    assert summary.created == 1


def _detail(engine: Engine, household: str) -> dict[str, Any]:
    """The detail of the household's latest audit event."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = :h ORDER BY id DESC LIMIT 1"),
            {"h": household},
        ).scalar_one()
    return found if isinstance(found, dict) else dict(json.loads(found))


def _record(engine: Engine, made: MadeVisit) -> None:
    with unit_of_work(engine) as s:
        record_visit(s, made, actor="test", today=TODAY)


def test_a_visit_recorded_by_hand_and_then_synced_from_the_device_is_one_visit(
    planned: Engine, tmp_path: Path
) -> None:
    a, z = first_planned(planned, "H0")
    _record(planned, MadeVisit("H0", "V1", a, a))
    before = _visits(planned)
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    path = write_csv(tmp_path / "a.csv", HEADER, [row | {"note": "synced"}])
    summary = run_import(planned, "visits", path, today=TODAY)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    after = _visits(planned)
    assert len(after) == len(before)  # the visit recorded by hand took the device's id
    assert [v for v in after if v[0] == A] == [(A, "H0", "done", str(a), str(a), str(z), "synced")]
    assert _events(planned)[-1] == ("update", "household", "H0")
    assert _detail(planned, "H0")["adopted"] is True
    again = run_import(planned, "visits", path, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_synced_visit_over_another_households_or_another_devices_visit_is_refused(
    planned: Engine, tmp_path: Path
) -> None:
    a, _ = first_planned(planned, "H0")
    _record(planned, MadeVisit("H0", "V1", a))
    other = {"visit_id": A, "household_id": "H1", "visitor_id": "V1", "start": a}
    errors = rejected(
        planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [other]), today=TODAY
    )
    assert any("overlaps the visitor's visit recorded from" in e for e in errors)
    mine = other | {"household_id": "H0"}
    run_import(planned, "visits", write_csv(tmp_path / "b.csv", HEADER, [mine]), today=TODAY)
    # The same visit under another device's id: refused as recorded already.
    another = mine | {"visit_id": B}
    errors = rejected(
        planned, "visits", write_csv(tmp_path / "c.csv", HEADER, [another]), today=TODAY
    )
    assert any("this visit is recorded already" in e for e in errors)


def test_a_visit_synced_again_under_another_household_gives_back_the_planned_visit_it_took(
    planned: Engine, tmp_path: Path
) -> None:
    a, z = first_planned(planned, "H0")
    a1, z1 = first_planned(planned, "H1")
    before = _visits(planned)
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    moved = row | {"household_id": "H1", "start": a1, "end": z1}
    summary = run_import(
        planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [moved]), today=TODAY
    )
    assert (summary.created, summary.updated) == (0, 1)
    after = _visits(planned)
    # H0's planned visit is planned again, H1's became the visit made: no row more or less.
    assert sorted(after) == sorted(
        [v for v in before if v[1:4] not in (("H0", "planned", str(a)), ("H1", "planned", str(a1)))]
        + [
            ("None", "H0", "planned", str(a), "None", "None", "None"),
            (A, "H1", "done", str(a1), str(a1), str(z1), "None"),
        ]
    )
    assert _events(planned)[-2:] == [("update", "household", "H0"), ("update", "household", "H1")]
    assert _detail(planned, "H0")["restored_planned"] == str(a)
    assert "restored_planned" not in _detail(planned, "H1")
    # H0's event says its visit moved away, and nothing of H1's: not its planned or made days.
    gone = _detail(planned, "H0")
    assert gone["moved"] is True and gone["visit"] == _detail(planned, "H1")["visit"]
    assert not {"was_planned", "start", "end"} & set(gone), gone


def test_a_visit_moved_to_a_household_with_no_visit_on_its_days_is_created_there(
    planned: Engine, tmp_path: Path
) -> None:
    # H2 had no visit on those days: the row made for it is a new visit in its trail, and
    # H0's event says its visit moved away.
    a, z = first_planned(planned, "H0")
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    moved = row | {"household_id": "H2", "start": TODAY, "end": TODAY}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [moved]), today=TODAY)
    assert _events(planned)[-2:] == [("update", "household", "H0"), ("create", "household", "H2")]


def test_a_visit_synced_again_onto_planned_days_becomes_the_planned_visit(
    planned: Engine, tmp_path: Path
) -> None:
    a1, z1 = first_planned(planned, "H1")
    before = _visits(planned)
    row = {"visit_id": A, "household_id": "H2", "visitor_id": "V1", "start": TODAY}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    assert len(_visits(planned)) == len(before) + 1  # on no planned day: a row of its own
    moved = row | {"household_id": "H1", "start": a1, "end": z1}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [moved]), today=TODAY)
    after = _visits(planned)
    assert len(after) == len(before)  # H1's planned visit holds it, H2's own row is gone
    assert [v for v in after if v[0] == A] == [(A, "H1", "done", str(a1), str(a1), str(z1), "None")]
    assert not [v for v in after if v[1:4] == ("H1", "planned", str(a1))]


def test_a_visit_synced_again_on_other_days_gives_back_the_planned_visit_it_took(
    planned: Engine, tmp_path: Path
) -> None:
    a, z = first_planned(planned, "H0")
    before = _visits(planned)
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    later = row | {"start": TODAY, "end": TODAY}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [later]), today=TODAY)
    after = _visits(planned)
    assert sorted(after) == sorted(
        [*before, (A, "H0", "done", "None", str(TODAY), str(TODAY), "None")]
    )
    assert _detail(planned, "H0")["restored_planned"] == str(a)


def test_a_planned_visit_given_back_by_one_row_is_taken_by_a_later_row_of_the_same_file(
    planned: Engine, tmp_path: Path
) -> None:
    a, z = first_planned(planned, "H0")
    a1, z1 = first_planned(planned, "H1")
    before = _visits(planned)
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    # The device filed A under H0 by mistake: it was H1's; B is H0's, on the same days.
    rows = [row | {"household_id": "H1", "start": a1, "end": z1}, row | {"visit_id": B}]
    summary = run_import(
        planned, "visits", write_csv(tmp_path / "b.csv", HEADER, rows), today=TODAY
    )
    assert (summary.created, summary.updated) == (1, 1)
    after = _visits(planned)
    assert len(after) == len(before)  # each took its household's planned visit
    assert sorted(v for v in after if v[0] in (A, B)) == [
        (A, "H1", "done", str(a1), str(a1), str(z1), "None"),
        (B, "H0", "done", str(a), str(a), str(z), "None"),
    ]


def _cancelled(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, c.starts_on FROM cancelled_visits c "
                "JOIN households h ON h.id = c.household_id ORDER BY c.id"
            )
        ).all()
    return [(str(h), str(a)[:10]) for h, a in rows]


def _planned_on(engine: Engine, household: str, day: dt.date) -> list[tuple[str, ...]]:
    return [v for v in _visits(engine) if v[1:4] == (household, "planned", str(day))]


def test_a_synced_visit_cancels_the_visitors_planned_stay_elsewhere_on_its_days(
    planned: Engine, tmp_path: Path
) -> None:
    a, _ = first_planned(planned, "H0")
    row = {"visit_id": A, "household_id": "H1", "visitor_id": "V1", "start": a, "end": a}
    summary = run_import(
        planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY
    )
    assert (summary.created, summary.updated) == (1, 0)
    assert _planned_on(planned, "H0", a) == []  # V1 was at H1: H0's stay did not happen
    assert _cancelled(planned) == [("H0", str(a))]
    assert _events(planned)[-2:] == [("create", "household", "H1"), ("update", "household", "H0")]
    assert (_detail(planned, "H0")["status"], _detail(planned, "H0")["start"]) == (
        "cancelled",
        str(a),
    )


def test_a_row_taking_the_planned_visit_another_rows_days_meet_keeps_it(
    planned: Engine, tmp_path: Path
) -> None:
    # H0's planned stay is V1's visit made on its last day (row 3); on its first day V1 was
    # at H1 (row 2, first in the file): the stay is H0's visit, not cancelled.
    a, z = first_planned(planned, "H0")
    rows = [
        {"visit_id": A, "household_id": "H1", "visitor_id": "V1", "start": a, "end": a},
        {"visit_id": B, "household_id": "H0", "visitor_id": "V1", "start": z, "end": z},
    ]
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert [v for v in _visits(planned) if v[0] == B] == [
        (B, "H0", "done", str(a), str(z), str(z), "None")
    ]
    assert _cancelled(planned) == []


def test_a_visit_moved_off_a_planned_visit_to_its_days_elsewhere_does_not_give_it_back(
    planned: Engine, tmp_path: Path
) -> None:
    # Filed under H0 by mistake, the visit was H1's on the same days: V1 was not at H0
    # then, so H0's planned stay is cancelled rather than planned again beside it.
    a, z = first_planned(planned, "H0")
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    moved = row | {"household_id": "H1"}
    run_import(planned, "visits", write_csv(tmp_path / "b.csv", HEADER, [moved]), today=TODAY)
    assert _planned_on(planned, "H0", a) == []
    assert [v for v in _visits(planned) if v[0] == A] == [
        (A, "H1", "done", "None", str(a), str(z), "None")
    ]
    assert _cancelled(planned) == [("H0", str(a))]
    # H0's trail: its visit moved away (not given back), then its planned stay cancelled.
    with planned.connect() as conn:
        details = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = 'H0' ORDER BY id DESC LIMIT 2")
        ).scalars()
        cancel, gone = (d if isinstance(d, dict) else json.loads(d) for d in details)
    assert gone["moved"] is True and "restored_planned" not in gone
    assert (cancel["status"], cancel["start"], cancel["end"]) == ("cancelled", str(a), str(z))


def test_a_planned_visit_given_back_on_the_days_of_another_visit_is_cancelled(
    planned: Engine, tmp_path: Path
) -> None:
    # A took H0's planned stay on its last day; V1 was recorded at H1 on its first. A then
    # turns out to be H2's, weeks later: H0's stay given back would meet V1's visit to H1.
    a, z = first_planned(planned, "H0")
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": z, "end": z}
    run_import(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, [row]), today=TODAY)
    _record(planned, MadeVisit("H1", "V1", a, a))
    assert _cancelled(planned) == []  # H0's stay was A then, a visit made
    moved = row | {"household_id": "H2", "start": TODAY, "end": TODAY}
    run_import(planned, "visits", write_csv(tmp_path / "b.csv", HEADER, [moved]), today=TODAY)
    assert _planned_on(planned, "H0", a) == []
    assert _cancelled(planned) == [("H0", str(a))]
    assert _detail(planned, "H0")["status"] == "cancelled"


def _findings(engine: Engine) -> dict[tuple[str, str, str], tuple[str | None, str | None]]:
    """Activities and outcome codes of every visit that has any: (household, status, device
    id) -> (activities, outcome codes)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.status, vi.client_uuid, vi.activities, "
                "vi.outcome_codes FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE vi.activities IS NOT NULL OR vi.outcome_codes IS NOT NULL"
            )
        ).all()
    return {(h, s, str(u)): (a, o) for h, s, u, a, o in rows}


@pytest.mark.parametrize("onto_planned", [True, False])
def test_a_visit_moved_to_another_household_takes_its_activities_and_outcomes_along(
    planned: Engine, tmp_path: Path, onto_planned: bool
) -> None:
    # A was recorded over H0's planned stay, and what it did and found was recorded on it.
    # It turns out to be H1's (on H1's planned days) or H2's (today, nothing planned): H0's
    # planned stay is given back with nothing recorded on it, and the visit, now H1's or
    # H2's, keeps its activities and outcomes; both trails name what went with it.
    a, z = first_planned(planned, "H0")
    row = {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": a, "end": z}
    codes = {"activities": "training;job_search", "outcome_codes": "referral_made"}
    with_codes = [*HEADER, *codes]
    path = write_csv(tmp_path / "a.csv", with_codes, [row | codes])
    run_import(planned, "visits", path, today=TODAY)
    a1, z1 = first_planned(planned, "H1")
    to = {"household_id": "H1", "start": a1, "end": z1} if onto_planned else {}
    to = to or {"household_id": "H2", "start": TODAY, "end": TODAY}
    moved = row | to  # from a device that sends no codes: the visit keeps its own
    run_import(planned, "visits", write_csv(tmp_path / "b.csv", HEADER, [moved]), today=TODAY)
    found = ("job_search;training", "referral_made")
    assert _findings(planned) == {(to["household_id"], "done", A): found}
    assert _planned_on(planned, "H0", a) != []  # given back, as planned
    carried = ["activities", "outcome_codes"]
    assert _detail(planned, "H0")["carried"] == carried
    assert _detail(planned, str(to["household_id"]))["carried"] == carried


def test_a_visit_of_a_household_erased_since_it_was_synced_is_named_as_erased(
    planned: Engine, tmp_path: Path
) -> None:
    rows = _rows(planned)
    path = write_csv(tmp_path / "a.csv", HEADER, rows)
    run_import(planned, "visits", path, today=TODAY)
    with unit_of_work(planned) as s:
        erase_household(s, "H1", actor="test")
    rows.append({"visit_id": C, "household_id": "NOBODY", "visitor_id": "V1", "start": START})
    assert rejected(
        planned, "visits", write_csv(tmp_path / "b.csv", HEADER, rows), today=TODAY
    ) == [
        "row 3, column household_id (value 'H1'): is the id of an erased household: drop its "
        "rows (its visits went with it)",
        "row 4, column household_id (value 'NOBODY'): unknown household",
    ]


def test_a_note_too_long_is_refused_by_row_and_column_and_nothing_changes(
    planned: Engine, tmp_path: Path
) -> None:
    # The row was checked against the database with its note, and the visit refused the
    # note whole: the import failed naming no row nor column, and no errors file.
    rows = _rows(planned)
    rows[1] |= {"note": "x" * (NOTE_MAX + 1)}
    errors = rejected(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert [e.split(" (value")[0] for e in errors] == ["row 3, column note"]
    assert errors[0].endswith(f"too long: {NOTE_MAX + 1} characters, at most {NOTE_MAX}")


def test_a_visit_id_holding_a_nul_is_refused_by_row_and_column_and_nothing_changes(
    planned: Engine, tmp_path: Path
) -> None:
    # PostgreSQL holds no NUL: the rows of the refused file were checked against the
    # database with that id, and the import failed with the driver's error, naming no row.
    rows = _rows(planned)
    rows[1] |= {"visit_id": "phone\x001"}
    errors = rejected(planned, "visits", write_csv(tmp_path / "a.csv", HEADER, rows), today=TODAY)
    assert [e.split(" (value")[0] for e in errors] == ["row 3, column visit_id"]
    assert errors[0].endswith(NUL_REASON)
