"""Benchmark: the size checks of an import (no more members in work than members) into a
database that already holds a large programme, against the whole import.

Builds the demo region at ``--households`` (default 400,000) with its indicators, two
years of them (the demo's income year, and the year before with the same figures), into a
fresh database; then imports, each timed and rolled back, so every one sees the same
database:

- ``households small``: a file of ``--small`` households (default 5,000) of the programme
  with their members unchanged (a month's corrections);
- ``households all``: the whole households file again (a refresh of the registry);
- ``indicators small``: the next year's indicators of ``--small`` households;
- ``indicators all``: the next year's indicators of every household.

For each it prints the import's seconds and the seconds spent in the size checks
(``household_sizes.size_errors``, timed around each call), the best of ``--repeats``.

Usage: python bench/import_sizes.py [--households N] [--small N] [--postgres] [--keep]

One process, one database at a time (SQLite unless ``--postgres``), to keep the machine's
other work going. The folder it makes (the files, the SQLite database) and the PostgreSQL
database ``doorstep_bench_sizes`` are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from scratch_db import drop_db, fresh_db

PG_DB = "doorstep_bench_sizes"


class CheckTimer:
    """Wraps ``size_errors`` to add up the seconds spent in it."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0


def build(url: str, workdir: Path, households: int, seed: int) -> None:
    """Write the demo region's files, import its areas, households and two years of
    indicators, and the files the timed imports read."""
    from doorstep.demo import generate
    from doorstep.services.demo import import_frames
    from doorstep.services.importing import import_file
    from doorstep.storage.session import make_engine, unit_of_work

    t0 = time.perf_counter()
    visitors = max(1, round(households * 1.12 / 1.69))
    programme = generate(preset="region", households=households, visitors=visitors, seed=seed)
    frames = dict(import_frames(programme))
    del programme
    year = int(frames["indicators"]["year"].max())  # type: ignore[arg-type]
    frames["indicators"].write_csv(workdir / "indicators.csv")
    frames["indicators"].with_columns(pl.lit(year - 1).alias("year")).write_csv(
        workdir / "indicators_before.csv"
    )
    nxt = frames["indicators"].with_columns(pl.lit(year + 1).alias("year"))
    nxt.write_csv(workdir / "indicators_all.csv")
    nxt.head(SMALL).write_csv(workdir / "indicators_small.csv")
    frames["areas"].write_csv(workdir / "areas.csv")
    frames["households"].write_csv(workdir / "households_all.csv")
    frames["households"].head(SMALL).write_csv(workdir / "households_small.csv")
    print(f"wrote the files in {time.perf_counter() - t0:.1f} s")
    eng = make_engine(url)
    for entity, name in [
        ("areas", "areas"),
        ("households", "households_all"),
        ("indicators", "indicators"),
        ("indicators", "indicators_before"),
    ]:
        t0 = time.perf_counter()
        with unit_of_work(eng) as s:
            import_file(s, entity, workdir / f"{name}.csv", actor="bench")
        print(f"imported {name} in {time.perf_counter() - t0:.1f} s")
    eng.dispose()


def timed(url: str, entity: str, path: Path, repeats: int) -> tuple[float, float]:
    """The best seconds of the import of ``path`` and of its size checks, each run rolled
    back."""
    from doorstep.services.importing import household_sizes, import_file
    from doorstep.storage.session import make_engine, session_factory

    eng = make_engine(url)
    best: tuple[float, float] | None = None
    inner = household_sizes.size_errors
    try:
        for _ in range(repeats):
            timer = CheckTimer(inner)
            household_sizes.size_errors = timer  # type: ignore[assignment]
            with session_factory(eng)() as s:
                t0 = time.perf_counter()
                import_file(s, entity, path, actor="bench")
                whole = time.perf_counter() - t0
                s.rollback()
            if best is None or whole < best[0]:
                best = (whole, timer.seconds)
    finally:
        household_sizes.size_errors = inner  # type: ignore[assignment]
        eng.dispose()
    assert best is not None
    return best


SMALL = 5_000


def main() -> None:
    global SMALL
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--households", type=int, default=400_000)
    ap.add_argument("--small", type=int, default=SMALL)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    SMALL = args.small
    kind = "postgresql" if args.postgres else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="doorstep-bench-sizes-"))
    try:
        url = fresh_db(kind, workdir, PG_DB)
        build(url, workdir, args.households, args.seed)
        print(f"\n{kind}, {args.households:,} households with two years of indicators")
        print(f"{'import':<18} {'rows':>9} {'import s':>9} {'checks s':>9} {'share':>6}")
        for entity, size in [
            ("households", "small"),
            ("households", "all"),
            ("indicators", "small"),
            ("indicators", "all"),
        ]:
            path = workdir / f"{entity}_{size}.csv"
            rows = pl.scan_csv(path).select(pl.len()).collect().item()
            whole, checks = timed(url, entity, path, args.repeats)
            print(
                f"{entity + ' ' + size:<18} {rows:>9,} {whole:>9.2f} {checks:>9.2f} "
                f"{checks / whole:>6.0%}"
            )
    finally:
        if args.keep:
            print(f"kept {workdir}" + (f" and {PG_DB}" if args.postgres else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.postgres:
                drop_db(PG_DB)


if __name__ == "__main__":
    main()
