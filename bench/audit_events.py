"""Benchmark: one audit event per household at region scale, written by one statement.

`export households`, `pair diff --limit 0`, `pair commit`, `plan --area` and the work lists
name each household they read or wrote with
:func:`~doorstep.privacy.audit.record_row_events` (an ``INSERT ... SELECT`` over the rows).
This times that statement over a fresh database of N households (1.69M by default: the
demo region), in a transaction rolled back after each stage:

- ``run``: every household, whose ids are one run (an export of the households table);
- ``subset``: a random 1.5M of them, which go through a temporary table first (a commit's
  or plan's households, scattered over the table);
- ``lookup``: with the events of ``run`` in the trail, finding the events about one household
  (what its export and erasure do), the mean over 20 households;
- ``visitor``: with the same events, finding the events about one visitor (what ``visitor
  export`` and ``erase`` do): their own, a work list drawn for them, and the visits they
  made to their 20 households (events of the households that name them), the mean of 5.

Each database is measured twice in the same run, with the trail's index on ``entity_id``
(migration 0007) and without it (dropped after the upgrade), and the ratios printed.

Usage: python bench/audit_events.py [--households N] [--subset N] [--skip-postgres]
[--indexed-only]

The PostgreSQL database it makes, ``scratch_audit_bench``, is dropped at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Connection

from scratch_db import drop_db, fresh_db, plain_households

PG_DB = "scratch_audit_bench"


def measure(
    kind: str, households: int, subset: int, workdir: Path, *, index: bool
) -> dict[str, float]:
    from sqlalchemy import text

    from doorstep.privacy.audit import record_row_events
    from doorstep.storage.repositories import bulk
    from doorstep.storage.session import make_engine, unit_of_work

    eng = make_engine(fresh_db(kind, workdir, PG_DB))
    with unit_of_work(eng) as s:
        conn = s.connection()
        if not index:
            conn.execute(text("DROP INDEX ix_audit_events_entity_id"))
        conn.execute(
            text(
                "INSERT INTO areas (id, code, name, level, path, depth) "
                "VALUES (1, 'R', 'Region', 'region', '1/', 0)"
            )
        )
        ids = np.arange(1, households + 1)
        bulk.insert_rows(conn, "households", plain_households(ids, 1))
    rng = np.random.default_rng(1)
    stages = {
        "run": pl.Series(ids),
        "subset": pl.Series(np.sort(rng.choice(ids, subset, replace=False))),
    }
    times: dict[str, float] = {}
    label = "indexed" if index else "no index"
    for name, chosen in stages.items():
        with eng.connect() as conn, conn.begin() as tx:
            from sqlalchemy.orm import Session

            s = Session(bind=conn)
            t0 = time.perf_counter()
            record_row_events(
                s,
                actor="bench",
                action="read",
                entity="household",
                source="households",
                key="external_id",
                ids=chosen,
                detail={"list": "bench"},
            )
            seconds = time.perf_counter() - t0
            written = conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
            assert written == chosen.len(), (written, chosen.len())
            times[name] = seconds
            print(
                f"{kind:10} {label:8} {name:7} {chosen.len():>10,} events {seconds:6.2f} s",
                flush=True,
            )
            if name == "run":
                times["lookup"] = lookup(conn, rng.choice(ids, 20, replace=False))
                print(
                    f"{kind:10} {label:8} lookup  one household's events "
                    f"{times['lookup'] * 1000:8.1f} ms (of {written:,})",
                    flush=True,
                )
                times["visitor"] = visitor_lookup(conn)
                print(
                    f"{kind:10} {label:8} visitor one visitor's events  "
                    f"{times['visitor'] * 1000:8.1f} ms (of {written:,})",
                    flush=True,
                )
            tx.rollback()
    eng.dispose()
    return times


def lookup(conn: Connection, chosen: np.ndarray) -> float:
    """Mean seconds to read one household's events, as its export does."""
    from doorstep.storage.repositories import household_data

    t0 = time.perf_counter()
    for i in chosen:
        events = household_data.audit_events(conn, f"H{int(i):07d}")
        assert len(events) == 1, events
    return (time.perf_counter() - t0) / len(chosen)


def visitor_lookup(conn: Connection, caseload: int = 20) -> float:
    """Mean seconds to read one visitor's events, as their export does: a visitor who made
    one visit to each of ``caseload`` households (paired with them), and had a work list."""
    from sqlalchemy import text

    from doorstep.privacy.audit import record_events
    from doorstep.storage.repositories import visitor_data

    conn.execute(
        text(
            "INSERT INTO visitors (id, external_id, name, lat, lon, languages, capacity) "
            "VALUES (1, 'V0000001', 'Visitor', 26.5, 107.9, 'zh', 20)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO pairings (visitor_id, household_id, started_on) "
            "SELECT 1, id, '2026-01-01' FROM households WHERE id <= :n"
        ),
        {"n": caseload},
    )
    from sqlalchemy.orm import Session

    s = Session(bind=conn)
    visits = [
        ("update", f"H{i:07d}", {"visit": i, "visitor": "V0000001", "status": "done"})
        for i in range(1, caseload + 1)
    ]
    record_events(s, actor="bench", entity="household", events=visits)
    record_events(
        s, actor="bench", entity="visits", events=[("read", None, {"visitor": "V0000001"})]
    )
    t0 = time.perf_counter()
    for _ in range(5):
        events = visitor_data.audit_events(conn, 1, "V0000001")
        assert len(events) == caseload + 1, len(events)
    return (time.perf_counter() - t0) / 5


def compare(
    kind: str, households: int, subset: int, workdir: Path, *, indexed_only: bool = False
) -> None:
    indexed = measure(kind, households, subset, workdir, index=True)
    if indexed_only:
        return
    without = measure(kind, households, subset, workdir, index=False)
    ratios = ", ".join(f"{k} {indexed[k] / without[k]:.2f}" for k in indexed)
    print(f"{kind:10} indexed / no index: {ratios}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1_690_000)
    ap.add_argument("--subset", type=int, default=1_500_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--indexed-only", action="store_true", help="No run without the index.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        compare("sqlite", args.households, args.subset, Path(tmp), indexed_only=args.indexed_only)
    if not args.skip_postgres:
        try:
            compare(
                "postgresql",
                args.households,
                args.subset,
                Path("."),
                indexed_only=args.indexed_only,
            )
        finally:
            drop_db(PG_DB)


if __name__ == "__main__":
    main()
