"""Every visit made has a visit_id: one recorded by hand gets one at once, so `export
visits` then `import visits` changes nothing, and one recorded before visits had ids is
exported under the id it would get now, which the import knows it by."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.domain.visit_ids import is_recorded_visit_id, recorded_visit_id
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.factories.visits import first_planned, plan_three
from tests.services.test_exporting import export

TODAY = dt.date(2027, 4, 30)
HEADER = ["visit_id", "household_id", "visitor_id", "start", "end", "note"]
DEVICE = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a01"


@pytest.fixture
def recorded(with_areas: Engine, tmp_path: Path) -> Engine:
    """H0-H2 planned with V1; H0's and H1's first planned visits recorded by hand, H1's on
    its own day after its planned one."""
    plan_three(with_areas, tmp_path)
    h0, h1 = first_planned(with_areas, "H0"), first_planned(with_areas, "H1")
    with unit_of_work(with_areas) as s:
        record_visit(s, MadeVisit("H0", "V1", *h0, note="ok"), actor="test", today=TODAY)
        after = h1[1] + dt.timedelta(days=1)
        record_visit(s, MadeVisit("H1", "V1", after), actor="test", today=TODAY)
    return with_areas


def _made(engine: Engine) -> list[tuple[str | None, str, str]]:
    """``(visit_id, household, first day)`` of every visit made, by row."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.client_uuid, h.external_id, vi.actual_start FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'done' "
                "ORDER BY vi.id"
            )
        ).all()
    return [(i, str(h), str(d)[:10]) for i, h, d in rows]


def _visits(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
    return [tuple(map(str, r)) for r in rows]


def _export_and_import_back(engine: Engine, tmp_path: Path) -> pl.DataFrame:
    """Export the visits, import the ones made back; the rows exported, checking that the
    import counted every one unchanged and wrote nothing but its own event."""
    out = tmp_path / "visits.csv"
    export(engine, "visits", out)
    done = pl.read_csv(out, infer_schema=False).filter(pl.col("status") == "done")
    done.write_csv(tmp_path / "done.csv")
    before, last = _visits(engine), last_event_id(engine)
    again = run_import(engine, "visits", tmp_path / "done.csv", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, done.height)
    assert _visits(engine) == before
    assert [(a, e) for a, e, _, _ in trail(engine, last)] == [("import", "visits")]
    return done


def test_a_visit_recorded_by_hand_gets_its_id_at_once_and_goes_round_export_and_import(
    recorded: Engine, tmp_path: Path
) -> None:
    made = _made(recorded)
    assert len(made) == 2
    for visit_id, household, start in made:
        assert visit_id == recorded_visit_id(household, "V1", dt.date.fromisoformat(start))
        assert is_recorded_visit_id(visit_id)
    # The household's trail names the id the visit has.
    events = [d for a, e, i, d in trail(recorded) if i == "H0" and d.get("status") == "done"]
    assert events[-1]["visit_id"] == made[0][0]
    done = _export_and_import_back(recorded, tmp_path)
    assert sorted(done["visit_id"].to_list()) == sorted(str(i) for i, _, _ in made)


def test_a_visit_recorded_before_visits_had_ids_is_exported_under_one_and_imports_unchanged(
    recorded: Engine, tmp_path: Path
) -> None:
    with recorded.begin() as conn:  # as recorded by an earlier version
        conn.execute(text("UPDATE visits SET client_uuid = NULL"))
    first = _export_and_import_back(recorded, tmp_path)
    assert [i for i, _, _ in _made(recorded)] == [None, None]  # matched, not written
    ids = first.select("household_id", "start", "visit_id").rows()
    assert ids == [(h, s, recorded_visit_id(h, "V1", dt.date.fromisoformat(s))) for h, s, _ in ids]
    # The same ids every time.
    assert _export_and_import_back(recorded, tmp_path)["visit_id"].to_list() == [
        i for _, _, i in ids
    ]


@pytest.mark.parametrize("old", [False, True])
def test_the_device_syncing_a_visit_recorded_by_hand_takes_it_over(
    recorded: Engine, tmp_path: Path, old: bool
) -> None:
    if old:
        with recorded.begin() as conn:
            conn.execute(text("UPDATE visits SET client_uuid = NULL"))
    before = _made(recorded)
    start = dt.date.fromisoformat(before[0][2])
    row = {"visit_id": DEVICE, "household_id": "H0", "visitor_id": "V1", "start": start}
    path = write_csv(tmp_path / "sync.csv", HEADER, [row | {"note": "synced"}])
    summary = run_import(recorded, "visits", path, today=TODAY)
    assert (summary.created, summary.updated) == (0, 1)
    assert _made(recorded) == [(DEVICE, "H0", str(start)), before[1]]


def test_a_visit_recorded_on_the_day_a_moved_visit_was_first_recorded_on_gets_another_id(
    recorded: Engine, tmp_path: Path
) -> None:
    (own, _, start), _ = _made(recorded)
    day = dt.date.fromisoformat(start)
    # Moved a day later, through its id: it keeps it.
    row = {"visit_id": own, "household_id": "H0", "visitor_id": "V1", "start": day}
    moved = row | {"start": day + dt.timedelta(days=1)}
    run_import(recorded, "visits", write_csv(tmp_path / "m.csv", HEADER, [moved]), today=TODAY)
    with unit_of_work(recorded) as s:
        record_visit(s, MadeVisit("H0", "V1", day), actor="test", today=TODAY)
    ids = [i for i, _, _ in _made(recorded)]
    assert own in ids and recorded_visit_id("H0", "V1", day, n=1) in ids
    assert len(set(ids)) == 3
