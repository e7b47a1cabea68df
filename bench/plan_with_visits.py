"""Visits recorded while an area is planned: how long each one waits for the plan.

A plan writes under the pairing lock, which recording a visit takes too (on SQLite it is
the database's one writer's lock). It used to hold it from its first read to its commit;
it now reads and plans without it, and reads again under it if a writer committed
meanwhile (docs/planning.md). This script measures both in the same run, on the same
programme:

* **unlocked** (now): `planning.plan_area` as the command line and the API call it;
* **baseline** (before): the same plan in a unit that takes the lock before it reads.

Builds the demo (the county by default: 20,000 households) in a fresh database, pairs and
commits it and plans it once (the kernels compiled), then for each mode starts a whole
re-plan of the area (``keep_unaffected=False``, 12 months from today) in a process of its
own and, from this one, records a day visit of another pairing every ``--every`` seconds
until the plan has committed. Prints, per mode: the plan's seconds and whether it read
again, the visits recorded and refused (SQLite refuses after its 10 s busy timeout), the
median and longest wait, and the ratio of the longest waits.

    .venv/bin/python bench/plan_with_visits.py                  # county, SQLite
    .venv/bin/python bench/plan_with_visits.py --postgres       # the same on PostgreSQL
    .venv/bin/python bench/plan_with_visits.py --preset village # a quick run
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scratch_db import drop_db, fresh_db  # type: ignore[import-not-found]

PG_DB = "doorstep_bench_plan_visits"
AREA = "GZ"


def _plan(url: str, locked: bool, today: dt.date, out: Any) -> None:
    """One whole re-plan of the area; ``locked``: the lock taken before the first read."""
    from doorstep.services import planning
    from doorstep.storage.repositories.pairing import lock_pairings
    from doorstep.storage.session import make_engine, unit_of_work

    engine = make_engine(url)
    settings = planning.PlanSettings(start=today, months=12, keep_unaffected=False)
    began = time.perf_counter()
    with unit_of_work(engine) as s:
        if locked:
            lock_pairings(s.connection())
        summary = planning.plan_area(s, AREA, settings, actor="bench", today=today)
    out.put((time.perf_counter() - began, summary.read_again, summary.visits))
    engine.dispose()


def _build(url: str, preset: str, today: dt.date) -> list[tuple[str, str]]:
    """The demo paired, committed and planned; the open pairings, by household."""
    from sqlalchemy import text

    from doorstep.engine.pairing.params import PairingParams
    from doorstep.services import pairing, planning
    from doorstep.storage.session import make_engine, unit_of_work

    began = time.perf_counter()
    doorstep = Path(sys.executable).with_name("doorstep")
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url}
    made = [str(doorstep), "demo", "--preset", preset, "--quiet"]
    subprocess.run(made, env=env, check=True, capture_output=True)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        view = pairing.propose(s, AREA, params=PairingParams(), actor="bench", today=today)
    with unit_of_work(engine) as s:
        pairing.commit(s, view.id, actor="bench", today=today)
    with unit_of_work(engine) as s:
        planning.plan_area(s, AREA, planning.PlanSettings(start=today), actor="bench", today=today)
    with engine.connect() as conn:
        pairs = conn.execute(
            text(
                "SELECT h.external_id, v.external_id FROM pairings p "
                "JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id "
                "WHERE p.ended_on IS NULL ORDER BY h.external_id"
            )
        ).all()
    engine.dispose()
    print(f"built {preset}: {len(pairs):,} pairings, in {time.perf_counter() - began:.1f} s")
    return [(str(h), str(v)) for h, v in pairs]


def _measure(
    url: str, locked: bool, today: dt.date, pairs: list[tuple[str, str]], every: float
) -> dict[str, Any]:
    """Plan in a process of its own while this one records a visit every ``every`` s."""
    from doorstep.errors import DoorstepError
    from doorstep.services.visit_records import MadeVisit, record_visit
    from doorstep.storage.session import make_engine, refused_write, unit_of_work

    engine = make_engine(url)
    context = mp.get_context("spawn")
    out = context.Queue()
    planner = context.Process(target=_plan, args=(url, locked, today, out))
    planner.start()
    time.sleep(0.5)  # the plan's process under way (its imports take about a second)
    waits: list[float] = []
    refused = 0
    while planner.is_alive() and pairs:
        household, visitor = pairs.pop()
        began = time.perf_counter()
        try:
            with unit_of_work(engine) as s:
                record_visit(s, MadeVisit(household, visitor, today), actor="bench", today=today)
        except DoorstepError:
            refused += 1
        except Exception as exc:  # SQLite's writer busy past its timeout
            if refused_write(exc, by="command") is None:
                raise
            refused += 1
        else:
            waits.append(time.perf_counter() - began)
        time.sleep(every)
    seconds, read_again, visits = out.get(timeout=3600)
    planner.join()
    engine.dispose()
    return {
        "plan_seconds": round(seconds, 2),
        "read_again": read_again,
        "planned_visits": visits,
        "recorded": len(waits),
        "refused": refused,
        "median_wait": round(statistics.median(waits), 3) if waits else None,
        "longest_wait": round(max(waits), 3) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="county", help="The demo to plan (default county).")
    parser.add_argument("--postgres", action="store_true", help="On PostgreSQL, not SQLite.")
    parser.add_argument("--every", type=float, default=0.25, help="Seconds between visits.")
    args = parser.parse_args()
    today = dt.date.today()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
        kind = "postgresql" if args.postgres else "sqlite"
        url = fresh_db(kind, Path(folder), PG_DB)
        try:
            pairs = _build(url, args.preset, today)
            rows = {}
            modes = (("baseline (lock first)", True), ("unlocked (now)", False))
            for at, (label, locked) in enumerate(modes):
                # Each mode its own half of the pairings: one mode recording a visit of every
                # pairing would leave the other none to record (the village's 30 went so).
                rows[label] = _measure(url, locked, today, pairs[at::2], args.every)
        finally:
            if args.postgres:
                drop_db(PG_DB)
    print(f"\n{args.preset} demo, {kind}, a visit every {args.every} s during a whole re-plan")
    columns = list(next(iter(rows.values())))
    print("| mode | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for label, row in rows.items():
        print(f"| {label} | " + " | ".join(str(row[c]) for c in columns) + " |")
    before, now = (r["longest_wait"] for r in rows.values())
    ratio = f"{now / before:.2f}" if before and now else "n/a (a plan ended before a visit)"
    print(f"longest wait, unlocked / baseline: {ratio}")


if __name__ == "__main__":
    sys.exit(main())
