"""Benchmark: `doorstep report`, `doorstep outcomes` and the area-wide work lists on a
paired, planned region.

Starts from a SQLite database that ``bench/pairing_db.py --keep`` left (the demo region,
paired and committed; ``--db``), or makes one with it (``--households``, in ``--workdir``).
Then, each in a fresh process:

- ``plan``: the area planned for 12 months from the pairing's day (``plan_area``, as
  ``doorstep plan --area`` does, without the CLI's refusal of a start before today);
- ``record``: the planned visits over by ``--today`` (six months on) marked as made (nine
  in ten, on their planned days) or missed, by one SQL update each. A shortcut of the
  benchmark's: ``doorstep import visits`` is measured by ``bench/import_visits.py``; here
  the visits only have to be there for the report to count;
- the commands themselves, as a user runs them (``doorstep report ...``, ``doorstep
  outcomes ...``, ``doorstep visits due|overdue --area ...``), output to a file; each
  prints its seconds (the whole process, Python's start and imports included), its peak
  RSS, and the audit events it added.

The database is copied before the commands run and put back after, so a run leaves it as
the plan and the recording made it (``--keep`` keeps it for the next run's ``--db``).

    .venv/bin/python bench/report.py --households 200000 --workdir var/bench/report
    .venv/bin/python bench/report.py --db var/bench/pairing_db/bench.db   # the seed scale
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

BENCH = Path(__file__).resolve().parent
DOORSTEP = Path(sys.executable).with_name("doorstep")


def sqlite_url(db: Path) -> str:
    return f"sqlite:///{db.resolve()}"


def root_and_day(db: Path) -> tuple[str, dt.date, str]:
    """The root area, the day its pairing began and the deepest area level."""
    eng = create_engine(sqlite_url(db))
    with eng.connect() as conn:
        root = conn.execute(text("SELECT code FROM areas WHERE parent_id IS NULL")).scalar_one()
        day = conn.execute(text("SELECT MIN(started_on) FROM pairings")).scalar_one()
        level = conn.execute(
            text("SELECT level FROM areas ORDER BY length(path) DESC LIMIT 1")
        ).scalar_one()
    eng.dispose()
    return str(root), dt.date.fromisoformat(str(day)[:10]), str(level)


def counts(db: Path) -> dict[str, int]:
    eng = create_engine(sqlite_url(db))
    with eng.connect() as conn:
        out = {
            t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
            for t in ("households", "visitors", "pairings", "visits", "audit_events")
        }
        for status in ("planned", "done", "missed"):
            out[status] = int(
                conn.execute(
                    text("SELECT COUNT(*) FROM visits WHERE status = :s"), {"s": status}
                ).scalar_one()
            )
    eng.dispose()
    return out


def checkpoint(db: Path) -> None:
    """Fold the write-ahead log into the file, so that the file alone is the database."""
    eng = create_engine(sqlite_url(db))
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()


def run(cmd: list[str], env: dict[str, str], out: Path | None = None) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process: its wall seconds and peak RSS (MiB)."""
    t = time.perf_counter()
    with open(out or os.devnull, "w") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read() if proc.stderr else ""
    seconds = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {code}")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def stage_plan(db: Path, root: str, start: dt.date) -> None:
    from doorstep.services import planning
    from doorstep.storage.session import make_engine, unit_of_work

    eng = make_engine(sqlite_url(db))
    settings = planning.PlanSettings(start=start, months=12, country="CN", default_staff_cap=0.3)
    with unit_of_work(eng) as s:
        summary = planning.plan_area(s, root, settings, actor="bench", today=start)
    print(json.dumps({"visits": summary.visits, "pairings": summary.pairings}))


def stage_record(db: Path, today: dt.date) -> None:
    """Nine in ten planned visits over by ``today`` made on their days (with activity and
    outcome codes), the rest missed (by the visit's id, so the same visits each run)."""
    eng = create_engine(sqlite_url(db))
    with eng.begin() as conn:
        over = "status = 'planned' AND planned_end < :today"
        conn.execute(
            text(
                "UPDATE visits SET status = 'done', actual_start = planned_start, "
                "actual_end = planned_end, "
                "days_stayed = CAST(julianday(planned_end) - julianday(planned_start) + 1 AS INT), "
                "activities = CASE id % 3 WHEN 0 THEN 'job_search;benefit_claim' "
                "WHEN 1 THEN 'health_check' END, "
                "outcome_codes = CASE id % 4 WHEN 0 THEN 'referral_made' ELSE 'none' END "
                f"WHERE {over} AND id % 10 <> 0"
            ),
            {"today": today},
        )
        conn.execute(text(f"UPDATE visits SET status = 'missed' WHERE {over}"), {"today": today})
    eng.dispose()


def commands(root: str, level: str, today: dt.date, out: Path) -> list[tuple[str, list[str]]]:
    day = f"--today={today}"
    report = [str(DOORSTEP), "report", f"--area={root}", day]
    visits = [str(DOORSTEP), "visits"]
    return [
        ("report", report),
        (f"report --level {level}", [*report, f"--level={level}"]),
        ("report --by month", [*report, "--by=month"]),
        ("report --by area-month", [*report, "--by=area-month"]),
        ("report --out .xlsx", [*report, f"--out={out / 'report.xlsx'}"]),
        (
            f"report --level {level} --out .parquet",
            [*report, f"--level={level}", f"--out={out / 'report.parquet'}"],
        ),
        ("report --chart .png", [*report, "--by=month", f"--chart={out / 'report.png'}"]),
        ("outcomes", [str(DOORSTEP), "outcomes", f"--area={root}"]),
        (
            f"outcomes --level {level} --out .xlsx",
            [
                str(DOORSTEP),
                "outcomes",
                f"--area={root}",
                f"--level={level}",
                f"--out={out / 'outcomes.xlsx'}",
            ],
        ),
        *(
            (f"visits {kind} --area", [*visits, kind, f"--area={root}", day, "--format=csv"])
            for kind in ("due", "overdue")
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, help="a database bench/pairing_db.py --keep left")
    ap.add_argument("--households", type=int, default=200_000, help="without --db")
    ap.add_argument("--workdir", type=Path, default=BENCH.parent / "var" / "bench" / "report")
    ap.add_argument("--months", type=int, default=6, help="--today: this many months on")
    ap.add_argument("--stage", choices=("plan", "record"), help=argparse.SUPPRESS)
    ap.add_argument("--start", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage == "plan":
        stage_plan(args.db, args.root, args.start)
        return
    if args.stage == "record":
        stage_record(args.db, args.start)
        return

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    db = args.db
    py = [sys.executable, __file__]
    env = {**os.environ}
    if db is None:
        print(f"building {args.households:,} households with bench/pairing_db.py", flush=True)
        built = run(
            [
                sys.executable,
                str(BENCH / "pairing_db.py"),
                f"--households={args.households}",
                f"--workdir={work}",
                "--keep",
            ],
            env,
            work / "pairing_db.log",
        )
        print(f"  built, paired and committed: {built['seconds']:,.1f} s", flush=True)
        db = work / "bench.db"
    root, start, level = root_and_day(db)
    today = start + dt.timedelta(days=round(args.months * 30.44))
    planned = counts(db)["visits"]
    if not planned:
        fig = run([*py, f"--db={db}", "--stage=plan", f"--root={root}", f"--start={start}"], env)
        print(f"plan      {fig['seconds']:>8.1f} s  peak RSS {fig['peak_rss_mib']:>6,} MiB")
        fig = run([*py, f"--db={db}", "--stage=record", f"--start={today}"], env)
        print(f"record    {fig['seconds']:>8.1f} s")
    c = counts(db)
    print(
        f"{root}: {c['households']:,} households, {c['visitors']:,} visitors, "
        f"{c['pairings']:,} pairings; visits {c['done']:,} made, {c['missed']:,} missed, "
        f"{c['planned']:,} planned; --today {today}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    keep = work / "before-commands.db"
    checkpoint(db)
    shutil.copyfile(db, keep)
    env["DOORSTEP_DATABASE_URL"] = sqlite_url(db)
    rows = []
    try:
        print(f"{'command':<34} {'seconds':>8} {'peak RSS':>10} {'audit events':>13}")
        for name, cmd in commands(root, level, today, work):
            events = counts(db)["audit_events"]
            fig = run(cmd, env, work / "out.txt")
            fig["audit_events"] = counts(db)["audit_events"] - events
            fig["lines"] = len((work / "out.txt").read_text().splitlines())
            rows.append({"command": name, **fig})
            print(
                f"{name:<34} {fig['seconds']:>8.1f} {fig['peak_rss_mib']:>6,} MiB "
                f"{fig['audit_events']:>13,}",
                flush=True,
            )
    finally:  # the commands' audit events go: the next run starts from the same data
        checkpoint(db)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.move(keep, db)
    print(json.dumps({"date": dt.date.today().isoformat(), "counts": c, "commands": rows}))


if __name__ == "__main__":
    main()
