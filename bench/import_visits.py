"""Benchmark: `doorstep import visits` of a backlog of visits made, synced from devices.

Builds the demo county (``--households``, default 3,000; visitors in the preset's ratio)
in a fresh, migrated database, pairs it (``pair --area`` and ``pair commit``) and plans it
for 12 months from 2026-01-05; then writes a visits file of the first ``--rows`` planned
visits (default: all), each made on its planned days under a device id, and times:

- ``sync``: the file imported into that database (each row recorded over its planned
  visit), committed;
- ``re-sync``: the same file again (every row unchanged), rolled back.

Usage: python bench/import_visits.py [--households N] [--rows N] [--skip-postgres|--skip-sqlite]

The PostgreSQL database it makes, ``scratch_visits_bench``, is dropped at the end, and the
folder it makes in /tmp with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
from sqlalchemy import text

from scratch_db import drop_db, fresh_db

PG_DB = "scratch_visits_bench"
START = dt.date(2026, 1, 5)  # a Monday, after the demo's reference date
TODAY = dt.date(2027, 1, 10)  # every visit of the year's plan is made by then


def build(url: str, households: int) -> None:
    """The demo county, paired and planned."""
    from doorstep.demo import generate
    from doorstep.engine.pairing.params import PairingParams
    from doorstep.services import pairing, planning
    from doorstep.services.demo import load_demo
    from doorstep.storage.session import make_engine, unit_of_work

    eng = make_engine(url)
    t = time.perf_counter()
    with unit_of_work(eng) as s:
        load_demo(s, generate(preset="county", households=households, seed=1), actor="bench")
    with eng.connect() as conn:
        root = conn.execute(text("SELECT code FROM areas WHERE parent_id IS NULL")).scalar_one()
    with unit_of_work(eng) as s:
        view = pairing.propose(s, root, params=PairingParams(), actor="bench", today=START)
        pairing.commit(s, view.id, actor="bench", today=START)
    with unit_of_work(eng) as s:
        planning.plan_area(
            s, root, planning.PlanSettings(start=START, months=12), actor="bench", today=START
        )
    print(f"  built the programme in {time.perf_counter() - t:.1f} s")
    eng.dispose()


def visits_file(url: str, path: Path, rows: int | None) -> int:
    """The planned visits up to ``TODAY`` as a device's file, made on their planned days."""
    from doorstep.storage.session import make_engine

    eng = make_engine(url)
    with eng.connect() as conn:
        found = conn.execute(
            text(
                """
                SELECT h.external_id, v.external_id, vi.planned_start, vi.planned_end
                FROM visits vi JOIN households h ON h.id = vi.household_id
                JOIN visitors v ON v.id = vi.visitor_id
                WHERE vi.status = 'planned' AND vi.planned_end <= :today
                ORDER BY vi.planned_start, vi.id
                """
            ),
            {"today": TODAY},
        ).all()
    eng.dispose()
    found = found[:rows] if rows is not None else found
    ns = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
    pl.DataFrame(
        {
            "visit_id": [str(uuid.uuid5(ns, f"{h}/{v}/{a}")) for h, v, a, _ in found],
            "household_id": [h for h, _, _, _ in found],
            "visitor_id": [v for _, v, _, _ in found],
            "start": [str(a)[:10] for _, _, a, _ in found],
            "end": [str(z)[:10] for _, _, _, z in found],
        }
    ).write_csv(path)
    return len(found)


def timed_import(url: str, path: Path, *, keep: bool) -> tuple[float, str]:
    from sqlalchemy.orm import Session

    from doorstep.services.importing import import_file
    from doorstep.storage.session import make_engine

    eng = make_engine(url)
    t = time.perf_counter()
    with Session(eng) as s:
        summary = import_file(s, "visits", path, actor="bench", today=TODAY)
        if keep:
            s.commit()
        else:
            s.rollback()
    seconds = time.perf_counter() - t
    eng.dispose()
    return (
        seconds,
        f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=3000)
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    kinds = [
        k
        for k, skip in (("sqlite", args.skip_sqlite), ("postgres", args.skip_postgres))
        if not skip
    ]
    with tempfile.TemporaryDirectory(prefix="doorstep-visits-bench-") as tmp:
        workdir = Path(tmp)
        try:
            for kind in kinds:
                print(f"{kind}:")
                url = fresh_db(kind, workdir, PG_DB)
                build(url, args.households)
                path = workdir / "visits.csv"
                n = visits_file(url, path, args.rows)
                for stage, keep in (("sync", True), ("re-sync", False)):
                    seconds, what = timed_import(url, path, keep=keep)
                    print(
                        f"  {stage:8} {n:>9,} rows  {seconds:8.2f} s  {n / seconds:>9,.0f} rows/s"
                        f"  ({what})"
                    )
        finally:
            if "postgres" in kinds:
                drop_db(PG_DB)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
