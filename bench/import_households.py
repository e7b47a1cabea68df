"""Benchmark: validated import of 1.69M households vs a bare baseline, SQLite and PostgreSQL.

Writes the demo region's households to CSV, then, each in a fresh process (so peak RSS is
the stage's own) and a fresh database:

- ``import``: ``doorstep import households`` as a user runs it (read, validate every row,
  write households and their consent records, audit, commit);
- ``re-import``: the same file imported again over the first import (untimed), as a
  monthly refresh of a registry that mostly did not change;
- ``baseline``: the same rows pre-parsed to tuples outside the timing (with the search's
  folded copies of the id, name and address, migration 0024), then one ``executemany``
  (SQLite, then its FTS index filled in one statement) or one ``COPY`` (PostgreSQL) into
  the same table, and commit.

Usage: python bench/import_households.py [--households N] [--skip-postgres] [--keep]

The PostgreSQL database it makes, ``doorstep_bench``, and the folder it makes for the CSV
files (and the SQLite database) are removed at the end, also when a stage fails: at the
full size they take about 1 GiB of /tmp. ``--keep`` leaves both, with the last stage's
data, for a look. A folder given with ``--workdir`` is yours: it is left as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

#: The database each PostgreSQL stage makes afresh, and the run drops at its end.
from scratch_db import drop_db, fresh_db

PG_DB = "doorstep_bench"
HOUSEHOLD_COLS = [
    "id",
    "external_id",
    "head_name",
    "address",
    "area_id",
    "lat",
    "lon",
    "members",
    "languages",
    "consent_state",
    "consent_since",
    "consent_recorded_by",
    "consent_evidence",
    "consent_entered_on",
    "folded_id",
    "folded_name",
    "folded_address",
]


MODES = ("baseline", "import", "re-import")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(kind: str, mode: str, workdir: Path) -> dict[str, float]:
    """Run one measurement in this process and return its figures."""
    from doorstep.services.importing import import_file
    from doorstep.storage.repositories.counted_writes import counted_once
    from doorstep.storage.repositories.folded import with_folded
    from doorstep.storage.session import make_engine, unit_of_work

    url = fresh_db(kind, workdir, PG_DB)
    eng = make_engine(url)
    with unit_of_work(eng) as s:
        import_file(s, "areas", workdir / "areas.csv", actor="bench")
    households = workdir / "households.csv"
    if mode in ("import", "re-import"):
        if mode == "re-import":
            with unit_of_work(eng) as s:
                import_file(s, "households", households, actor="bench")
        t0 = time.perf_counter()
        with unit_of_work(eng) as s:
            summary = import_file(s, "households", households, actor="bench")
        seconds = time.perf_counter() - t0
        rows = summary.rows
    else:
        # Pre-parse outside the timing: the baseline pays for nothing but the write.
        areas = pl.read_database("SELECT code AS area_code, id AS area_id FROM areas", eng)
        frame = (
            pl.read_csv(households, infer_schema_length=0)
            .join(areas, on="area_code")
            .with_row_index("id", offset=1)
            .select(
                pl.col("id").cast(pl.Int64),
                pl.col("household_id").alias("external_id"),
                "head_name",
                pl.col("address").fill_null(""),
                "area_id",
                pl.col("lat").cast(pl.Float64),
                pl.col("lon").cast(pl.Float64),
                pl.col("members").cast(pl.Int64),
                "languages",
                pl.col("consent").alias("consent_state"),
                pl.col("consent_date").alias("consent_since"),
                pl.lit("bench").alias("consent_recorded_by"),
                pl.lit("imported from households.csv").alias("consent_evidence"),
                # The day each act was entered (migration 0028), as the import writes it.
                pl.lit(dt.date.today()).alias("consent_entered_on"),
            )
        )
        # The search's folded copies (migration 0024), as the import's writer adds them:
        # columns of the same table, so the bare write writes them too, folded untimed.
        frame = with_folded("households", frame)
        rows = frame.height
        with eng.connect() as conn:
            raw = conn.connection.driver_connection
            if kind == "sqlite":
                tuples = frame.rows()
                t0 = time.perf_counter()
                # Pairing's count of input writes moved once for the rows, as the import's
                # writer moves it, not by the row trigger once per row.
                with counted_once(conn, "households"):
                    cur = raw.cursor()
                    cur.executemany(
                        f"INSERT INTO households ({', '.join(HOUSEHOLD_COLS)}) "
                        f"VALUES ({', '.join('?' for _ in HOUSEHOLD_COLS)})",
                        tuples,
                    )
                # SQLite's trigram index of the search is an FTS5 table, filled as the
                # import fills it (PostgreSQL's GIN index is kept by the COPY itself).
                cur.execute(
                    "INSERT INTO households_fts (rowid, folded_name, folded_address) "
                    "SELECT id, folded_name, folded_address FROM households"
                )
                raw.commit()
                seconds = time.perf_counter() - t0
            else:
                buf = io.BytesIO()
                frame.write_csv(buf, include_header=False)
                data = buf.getvalue()
                t0 = time.perf_counter()
                with (
                    raw.cursor() as cur,
                    cur.copy(
                        f"COPY households ({', '.join(HOUSEHOLD_COLS)}) FROM STDIN (FORMAT csv)"
                    ) as copy,
                ):
                    copy.write(data)
                raw.commit()
                seconds = time.perf_counter() - t0
    eng.dispose()
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--households", type=int, default=1_690_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument(
        "--keep",
        action="store_true",
        help=f"keep the PostgreSQL database {PG_DB} and the CSV folder at the end",
    )
    ap.add_argument("--stage", nargs=2, metavar=("KIND", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage[0], args.stage[1], args.workdir)))
        return

    made = args.workdir is None  # only a folder this run made is removed at its end
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    try:
        results = run(args, workdir)
    finally:
        if made and args.keep:
            print(f"kept {workdir} (--keep)")
        elif made:
            shutil.rmtree(workdir, ignore_errors=True)
            print(f"removed {workdir} (--keep keeps it)")
    report(results)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Write the files into ``workdir``, run every stage, drop the PostgreSQL database."""
    from doorstep.demo import generate
    from doorstep.services.demo import import_frames

    t0 = time.perf_counter()
    visitors = max(1, round(args.households * 1.12 / 1.69))
    programme = generate(
        preset="region", households=args.households, visitors=visitors, seed=args.seed
    )
    frames = dict(import_frames(programme))
    frames["areas"].write_csv(workdir / "areas.csv")
    frames["households"].write_csv(workdir / "households.csv")
    size = (workdir / "households.csv").stat().st_size
    print(
        f"wrote {args.households:,} households ({size / 2**20:.0f} MiB CSV) in "
        f"{time.perf_counter() - t0:.1f} s to {workdir}"
    )
    del programme, frames

    kinds = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for kind in kinds:
            results[kind] = {}
            for mode in MODES:
                out = subprocess.run(
                    [sys.executable, __file__, "--stage", kind, mode, "--workdir", str(workdir)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[kind][mode] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        # The stages have ended (each in its own process): nothing holds the database.
        if "postgresql" in kinds:
            if args.keep:
                print(f"kept the PostgreSQL database {PG_DB} (--keep)")
            else:
                drop_db(PG_DB)
                print(f"dropped the PostgreSQL database {PG_DB} (--keep keeps it)")
    return results


def report(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print()
    head = ("database", "stage", "rows", "seconds", "rows/s", "peak RSS", "ratio")
    print("{:<11} {:<9} {:>10} {:>8} {:>10} {:>10} {:>6}".format(*head))
    for kind, r in results.items():
        base = r["baseline"]["seconds"]
        for mode in MODES:
            f = r[mode]
            print(
                f"{kind:<11} {mode:<9} {int(f['rows']):>10,} {f['seconds']:>8.2f} "
                f"{f['rows_per_s']:>10,.0f} {f['peak_rss_mib']:>7,.0f} MiB "
                f"{f['seconds'] / base:>6.2f}"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
