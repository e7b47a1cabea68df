"""A household's preferred weekdays: imported by name or number, exported by name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing
from doorstep.services.exporting import export_entity
from doorstep.storage.session import unit_of_work
from tests.factories.db import rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

HEADER = [*HOUSEHOLD_HEADER, "preferred_weekdays"]
TODAY = dt.date(2027, 1, 4)


def _stored(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT external_id, preferred_weekdays FROM households")).all()
    return {r[0]: r[1] for r in rows}


def test_names_and_numbers_are_stored_as_the_planner_reads_them(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [
        household(household_id="H1", preferred_weekdays="mon;wed;fri"),
        household(household_id="H2", preferred_weekdays="0;2;4"),
        household(household_id="H3", preferred_weekdays=""),
    ]
    path = write_csv(tmp_path / "h.csv", HEADER, rows)
    run_import(with_areas, "households", path)
    assert _stored(with_areas) == {"H1": "0;2;4", "H2": "0;2;4", "H3": None}
    # The same days in another order or spelling are no change.
    rows[0]["preferred_weekdays"] = "Friday;mon;2"
    again = run_import(with_areas, "households", write_csv(path, HEADER, rows))
    assert (again.updated, again.unchanged) == (0, 3)
    # A file without the column keeps the stored days; an empty cell clears them.
    run_import(with_areas, "households", write_csv(path, HOUSEHOLD_HEADER, rows))
    assert _stored(with_areas)["H1"] == "0;2;4"
    rows[0]["preferred_weekdays"] = ""
    assert run_import(with_areas, "households", write_csv(path, HEADER, rows)).updated == 1
    assert _stored(with_areas)["H1"] is None


def test_a_list_that_is_no_weekdays_is_refused(with_areas: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", HEADER, [household(preferred_weekdays="mon;someday")])
    assert rejected(with_areas, "households", path) == [
        "row 2, column preferred_weekdays (value 'mon;someday'): not a list of weekdays; use "
        "e.g. mon;wed;fri or 0;2;4 (Monday = 0)"
    ]


def test_an_export_writes_them_by_name_and_imports_back_unchanged(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [
        household(household_id="H1", preferred_weekdays="4;0"),
        household(household_id="H2"),
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HEADER, rows))
    for suffix in (".csv", ".xlsx", ".parquet"):
        out = tmp_path / f"out{suffix}"
        with unit_of_work(with_areas) as s:
            export_entity(s, "households", out, actor="test").write()
        if suffix == ".csv":
            text_ = out.read_text(encoding="utf-8").splitlines()
            assert text_[0].endswith(",preferred_weekdays")
            assert text_[1].endswith(",mon;fri")
            assert text_[2].endswith(",")
        back = run_import(with_areas, "households", out)
        assert (back.created, back.updated, back.unchanged) == (0, 0, 2), suffix
    assert _stored(with_areas) == {"H1": "0;4", "H2": None}


def test_new_preferred_weekdays_leave_an_open_proposal_committable(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id="V1", lat=26.58, lon=107.97, capacity=2)]
    hh = [household(household_id="H1"), household(household_id="H2", lat=26.581)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(with_areas) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=TODAY)
    hh[0]["preferred_weekdays"] = "tue;thu"
    changed = run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HEADER, hh))
    assert changed.updated == 1
    with unit_of_work(with_areas) as s:
        done = pairing.commit(s, view.id, actor="test", today=TODAY)
    assert done["started"] == 2
