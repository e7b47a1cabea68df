"""`doorstep export visits|exclusions|pairings`: the households' records, in the columns
import reads, each person named in the trail, and back through import as no change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import InvalidInput
from doorstep.services import pairing, planning
from doorstep.services.exclusions import exclude
from doorstep.services.exporting import export_entity
from doorstep.services.household_rights import erase_household
from doorstep.services.visit_records import mark_missed
from doorstep.services.visitor_rights import erase_visitor
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import area_tree, rejected, run_import, snapshot
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import START, first_planned, plan_three
from tests.services.test_exporting import export, written

VISIT_HEADER = [
    "visit_id",
    "household_id",
    "visitor_id",
    "start",
    "end",
    "note",
    "activities",
    "outcome_codes",
]
TODAY = dt.date(2027, 4, 30)
A = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a01"
B = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a02"
#: The day H2's pairing with V1 ends (the pair excluded, the area committed again).
ENDED = START + dt.timedelta(days=20)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """H0-H2 paired with V1 and planned (see :func:`plan_three`)."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _visits(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
    return [tuple(str(v) for v in r) for r in rows]


def _device_visits(engine: Engine, tmp_path: Path) -> tuple[tuple[dt.date, dt.date], ...]:
    """H0's and H1's first planned visits made, as a device syncs them; H2's missed."""
    h0, h1, h2 = (first_planned(engine, h) for h in ("H0", "H1", "H2"))
    rows = [
        {"visit_id": A, "household_id": "H0", "visitor_id": "V1", "start": h0[0], "end": h0[1]},
        {"visit_id": B, "household_id": "H1", "visitor_id": "V1", "start": h1[0], "end": h1[1]}
        | {"note": "=bring forms", "activities": "training;job_search", "outcome_codes": "none"},
    ]
    run_import(engine, "visits", write_csv(tmp_path / "sync.csv", VISIT_HEADER, rows), today=TODAY)
    with unit_of_work(engine) as s:
        mark_missed(s, "H2", "V1", h2[0], actor="test", today=TODAY)
    return h0, h1, h2


def test_an_exclusions_export_has_the_import_columns_and_imports_back_as_no_change(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    hh = [household(household_id=h) for h in ("H1", "H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pairs = [["H2", "V1", "=cousins"], ["H1", "V2", ""], ["H1", "V1", "asked, 2026"]]
    header = ["household_id", "visitor_id", "reason"]
    run_import(with_areas, "exclusions", write_csv(tmp_path / "e.csv", header, pairs))
    for suffix in (".csv", ".xlsx", ".parquet"):
        out = tmp_path / f"exclusions{suffix}"
        assert export(with_areas, "exclusions", out) == 3
        if suffix != ".parquet":
            cells = written(out)
            assert cells.columns == header
            # By household, then visitor, as stored; a formula is shown, not run.
            assert cells.fill_null("").rows() == [
                ("H1", "V1", "asked, 2026"),
                ("H1", "V2", ""),
                ("H2", "V1", "'=cousins"),
            ]
        before = snapshot(with_areas)
        again = run_import(with_areas, "exclusions", out)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        after = snapshot(with_areas)
        # Only the import's own event and the export's are new: no exclusion was written.
        assert after["exclusions"] == before["exclusions"]


def test_a_visits_export_gives_each_visit_its_status_and_its_done_rows_import_back_unchanged(
    planned: Engine, tmp_path: Path
) -> None:
    h0, h1, h2 = _device_visits(planned, tmp_path)
    out = tmp_path / "visits.csv"
    n = export(planned, "visits", out)
    cells = written(out)
    assert cells.columns == [*VISIT_HEADER, "status"]
    assert cells.height == n == len(_visits(planned))
    firsts = {r["household_id"]: r for r in cells.iter_rows(named=True) if r["status"] != "planned"}
    assert firsts == {
        "H0": {
            "visit_id": A,
            "household_id": "H0",
            "visitor_id": "V1",
            "start": h0[0].isoformat(),
            "end": h0[1].isoformat(),
            "note": None,
            "activities": None,
            "outcome_codes": None,
            "status": "done",
        },
        "H1": {
            "visit_id": B,
            "household_id": "H1",
            "visitor_id": "V1",
            "start": h1[0].isoformat(),
            "end": h1[1].isoformat(),
            "note": "'=bring forms",
            "activities": "job_search;training",
            "outcome_codes": "none",
            "status": "done",
        },
        "H2": {  # not made: the days it was planned on
            "visit_id": None,
            "household_id": "H2",
            "visitor_id": "V1",
            "start": h2[0].isoformat(),
            "end": h2[1].isoformat(),
            "note": None,
            "activities": None,
            "outcome_codes": None,
            "status": "missed",
        },
    }
    # The planned ones read as a calendar: every one has its days, by household and start.
    plans = cells.filter(pl.col("status") == "planned")
    assert plans.height == n - 3 and plans["start"].null_count() == 0
    assert plans["household_id"].unique().sort().to_list() == ["H0", "H1", "H2"]
    keys = list(zip(cells["household_id"], cells["start"], strict=True))
    assert keys == sorted(keys)
    # The visits made, status column and all, import back as no change.
    done = cells.filter(pl.col("status") == "done")
    done.write_csv(tmp_path / "done.csv")
    before = _visits(planned)
    again = run_import(planned, "visits", tmp_path / "done.csv", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _visits(planned) == before
    # The whole file is refused, and changes nothing: planned visits are not visits made.
    errors = rejected(planned, "visits", out, today=TODAY)
    assert any(
        e.endswith(", column status (value 'planned'): must be one of: done") for e in errors
    )


def test_a_pairings_export_holds_the_current_ones_and_with_all_the_ended_ones_too(
    planned: Engine, tmp_path: Path
) -> None:
    with unit_of_work(planned) as s:
        exclude(s, "H2", "V1", reason="moved", actor="test", today=ENDED)
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=ENDED)
        pairing.commit(s, view.id, actor="test", today=ENDED)
    assert export(planned, "pairings", tmp_path / "now.parquet") == 2
    now = pl.read_parquet(tmp_path / "now.parquet")
    assert now.schema == pl.Schema(
        {
            "household_id": pl.String,
            "visitor_id": pl.String,
            "since": pl.Date,
            "distance_m": pl.Int64,
        }
    )
    assert now.select("household_id", "visitor_id", "since").rows() == [
        ("H0", "V1", START),
        ("H1", "V1", START),
    ]
    # The distance the commit proposed, in metres.
    assert all(d is not None and d >= 0 for d in now["distance_m"])
    with unit_of_work(planned) as s:
        every = export_entity(s, "pairings", tmp_path / "all.csv", actor="test", ended=True)
    every.write()
    cells = written(tmp_path / "all.csv")
    assert cells.columns == [*now.columns, "ended_on", "end_reason"]
    assert cells.select("household_id", "visitor_id", "since", "ended_on", "end_reason").rows() == [
        ("H0", "V1", START.isoformat(), None, None),
        ("H1", "V1", START.isoformat(), None, None),
        ("H2", "V1", START.isoformat(), ENDED.isoformat(), "excluded"),
    ]


def test_each_household_and_visitor_in_these_files_is_named_once_in_the_trail(
    planned: Engine, tmp_path: Path
) -> None:
    _device_visits(planned, tmp_path)
    with unit_of_work(planned) as s:
        exclude(s, "H1", "V2", reason="", actor="test", today=START)
    last = last_event_id(planned)
    for entity in ("visits", "exclusions", "pairings"):
        export(planned, entity, tmp_path / f"out_{entity}.csv")
    events = trail(planned, last)

    def named(export: str, people: list[tuple[str, str]]) -> list[tuple[object, ...]]:
        detail = {"file": f"out_{export}.csv", "export": export}
        return [("export", entity, i, detail) for entity, i in people]

    visits = len(_visits(planned))
    households = [("household", h) for h in ("H0", "H1", "H2")]
    assert events == [
        ("export", "visits", None, {"file": "out_visits.csv", "rows": visits}),
        *named("visits", [*households, ("visitor", "V1")]),
        ("export", "exclusions", None, {"file": "out_exclusions.csv", "rows": 1}),
        *named("exclusions", [("household", "H1"), ("visitor", "V2")]),
        ("export", "pairings", None, {"file": "out_pairings.csv", "rows": 3}),
        *named("pairings", [*households, ("visitor", "V1")]),
    ]


def test_an_erased_household_is_in_none_of_these_files_nor_their_events(
    planned: Engine, tmp_path: Path
) -> None:
    with unit_of_work(planned) as s:
        exclude(s, "H0", "V2", reason="", actor="test", today=START)
        erase_household(s, "H0", actor="test", today=START)
    last = last_event_id(planned)
    for entity in ("visits", "exclusions", "pairings"):
        export(planned, entity, tmp_path / f"{entity}.csv")
        assert "H0" not in written(tmp_path / f"{entity}.csv")["household_id"].to_list()
    named = {i for _, e, i, _ in trail(planned, last) if e == "household"}
    assert named == {"H1", "H2"}  # the exclusion was H0's only: V2 is in no file
    assert "V2" not in {i for _, e, i, _ in trail(planned, last) if e == "visitor"}


@pytest.mark.parametrize("entity", ["visits", "exclusions", "pairings"])
def test_an_empty_database_exports_the_columns_and_no_rows(
    engine: Engine, tmp_path: Path, entity: str
) -> None:
    assert export(engine, entity, tmp_path / "out.csv") == 0
    assert export(engine, entity, tmp_path / "out.parquet") == 0
    header = (tmp_path / "out.csv").read_text(encoding="utf-8").strip()
    columns = {
        "visits": [*VISIT_HEADER, "status"],
        "exclusions": ["household_id", "visitor_id", "reason"],
        "pairings": ["household_id", "visitor_id", "since", "distance_m"],
    }[entity]
    assert header == ",".join(columns)
    typed = pl.read_parquet(tmp_path / "out.parquet").schema
    assert typed["visitor_id"] == pl.String  # a column with no value is still typed
    assert typed.get("since", pl.Date) == pl.Date and typed.get("start", pl.Date) == pl.Date
    events = trail(engine, 0)
    assert [(a, e) for a, e, _, _ in events] == [("export", entity), ("export", entity)]


def test_all_is_for_pairings_only_and_such_an_export_records_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    with (
        pytest.raises(InvalidInput, match="--all is for pairings only, not visits"),
        unit_of_work(engine) as s,
    ):
        export_entity(s, "visits", tmp_path / "v.csv", actor="test", ended=True)
    assert trail(engine, 0) == []
    assert not (tmp_path / "v.csv").exists()


def test_an_erased_visitors_pairings_stay_under_their_id_and_no_event_names_them(
    planned: Engine, tmp_path: Path
) -> None:
    _device_visits(planned, tmp_path)  # V1's first visits, made
    # V1 leaves the day before ENDED; V2 takes the three households from ENDED on.
    vv = [
        visitor(visitor_id="V1", capacity=3, active_to=(ENDED - dt.timedelta(days=1)).isoformat()),
        visitor(visitor_id="V2", capacity=3),
    ]
    run_import(planned, "visitors", write_csv(tmp_path / "v2.csv", VISITOR_HEADER, vv))
    with unit_of_work(planned) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=ENDED)
        pairing.commit(s, view.id, actor="test", today=ENDED)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=ENDED, months=4), actor="test", today=ENDED
        )
        erase_visitor(s, "V1", actor="test", today=ENDED)
    last = last_event_id(planned)
    with unit_of_work(planned) as s:
        every = export_entity(s, "pairings", tmp_path / "all.csv", actor="test", ended=True)
    every.write()
    export(planned, "visits", tmp_path / "visits.csv")
    # V1's visits before ENDED are their households' history, under V1's id alone.
    visits = written(tmp_path / "visits.csv")
    assert visits.filter(pl.col("visitor_id") == "V1")["status"].to_list() == [
        "done",
        "done",
        "missed",
    ]
    assert set(visits["visitor_id"]) == {"V1", "V2"}
    rows = written(tmp_path / "all.csv").select("household_id", "visitor_id", "end_reason")
    assert rows.fill_null("").rows() == [  # by household, then first day
        (h, v, why) for h in ("H0", "H1", "H2") for v, why in (("V1", "visitor_left"), ("V2", ""))
    ]
    named = [(e, i) for _, e, i, _ in trail(planned, last) if i is not None]
    assert named == 2 * ([("household", h) for h in ("H0", "H1", "H2")] + [("visitor", "V2")])
