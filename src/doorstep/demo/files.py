"""Writing a demo programme's frames as import files (CSV, Excel, Parquet) and pairing files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from doorstep.reports.render import XLSX_MAX_ROWS, write_xlsx

FORMATS = ("csv", "xlsx", "parquet")


def write_frames(frames: dict[str, pl.DataFrame], directory: Path, fmt: str) -> list[Path]:
    """Write each frame to ``<directory>/<name>.<fmt>``; returns the paths in the given order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown file format {fmt!r}; valid choices: {', '.join(FORMATS)}")
    if fmt == "xlsx":
        too_big = {n: f.height for n, f in frames.items() if f.height + 1 > XLSX_MAX_ROWS}
        if too_big:
            detail = ", ".join(f"{n} has {h:,} rows" for n, h in too_big.items())
            raise ValueError(
                f"cannot write xlsx: {detail}, and a sheet holds {XLSX_MAX_ROWS - 1:,} rows "
                "under its header; use csv or parquet for this size"
            )
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = directory / f"{name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        elif fmt == "parquet":
            frame.write_parquet(path)
        else:
            write_xlsx(frame, path, name)
        paths.append(path)
    return paths


def write_pairing(
    households: pl.DataFrame, visitors: pl.DataFrame, directory: Path, on: date
) -> tuple[Path, Path]:
    """``pair_households.csv`` (consent given) and ``pair_visitors.csv`` (active on ``on``)."""
    directory.mkdir(parents=True, exist_ok=True)
    h_path = directory / "pair_households.csv"
    v_path = directory / "pair_visitors.csv"
    households.filter(pl.col("consent") == "given").select(
        "household_id", "lat", "lon", "languages"
    ).write_csv(h_path)
    active = (pl.col("active_from") <= on) & (
        pl.col("active_to").is_null() | (pl.col("active_to") >= on)
    )
    visitors.filter(active).select(
        "visitor_id",
        "lat",
        "lon",
        "languages",
        "capacity",
        pl.col("organisation_code").alias("organisation"),
    ).write_csv(v_path)
    return h_path, v_path
