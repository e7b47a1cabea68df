from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from doorstep.demo import FRAME_NAMES, DemoProgramme, generate
from doorstep.demo.files import write_frames


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_files_read_back_with_the_same_columns_and_rows(
    village: DemoProgramme, tmp_path: Path, fmt: str
) -> None:
    paths = village.write_files(tmp_path, fmt=fmt)  # type: ignore[arg-type]
    assert [p.name for p in paths] == [f"{n}.{fmt}" for n in FRAME_NAMES]
    for path, (name, frame) in zip(paths, village.frames().items(), strict=True):
        if fmt == "csv":
            back = pl.read_csv(path, infer_schema=False)
        elif fmt == "xlsx":
            back = pl.read_excel(path)
        else:
            back = pl.read_parquet(path)
        assert back.columns == frame.columns, name
        assert back.height == frame.height, name


def test_csv_files_keep_ids_dates_and_empty_optionals(
    village: DemoProgramme, tmp_path: Path
) -> None:
    village.write_files(tmp_path, fmt="csv")
    homes = pl.read_csv(tmp_path / "households.csv", infer_schema=False)
    assert homes["household_id"].to_list() == village.households["household_id"].to_list()
    given = homes.filter(pl.col("consent") == "given")
    assert given["consent_date"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    areas = pl.read_csv(tmp_path / "areas.csv", infer_schema=False)
    assert areas["parent_code"].null_count() == 1


def test_xlsx_is_refused_past_the_rows_of_one_sheet(tmp_path: Path) -> None:
    big = pl.DataFrame({"household_id": pl.int_range(1_048_576, eager=True)})
    with pytest.raises(ValueError, match="use csv or parquet"):
        write_frames({"households": big}, tmp_path, "xlsx")
    assert not list(tmp_path.iterdir())


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="valid choices: csv, xlsx, parquet"):
        write_frames({}, tmp_path, "ods")


def test_pairing_files_hold_consenting_households_and_active_visitors(
    county: DemoProgramme, tmp_path: Path
) -> None:
    h_path, v_path = county.write_pairing_files(tmp_path)
    homes = pl.read_csv(h_path, infer_schema=False)
    visitors = pl.read_csv(v_path, schema_overrides={"capacity": pl.Int64}, infer_schema=False)
    assert homes.columns == ["household_id", "lat", "lon", "languages"]
    assert visitors.columns == ["visitor_id", "lat", "lon", "languages", "capacity", "organisation"]
    given = county.households.filter(pl.col("consent") == "given")
    assert homes["household_id"].to_list() == given["household_id"].to_list()
    on = county.reference_date
    active = county.visitors.filter(
        (pl.col("active_from") <= on)
        & (pl.col("active_to").is_null() | (pl.col("active_to") >= on))
    )
    assert visitors["visitor_id"].to_list() == active["visitor_id"].to_list()
    assert 0 < visitors.height < county.visitors.height


def test_another_process_writes_the_same_bytes(tmp_path: Path) -> None:
    # A different hash seed in the child catches any dependence on set or dict order.
    code = (
        "import sys; from doorstep.demo import generate; "
        "generate(preset='county', households=2_000, seed=9).write_files(sys.argv[1])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "child")], check=True, env=env)
    generate(preset="county", households=2_000, seed=9).write_files(tmp_path / "here")
    for name in FRAME_NAMES:
        child = (tmp_path / "child" / f"{name}.csv").read_bytes()
        assert child == (tmp_path / "here" / f"{name}.csv").read_bytes(), name
