"""Benchmark: database-mode pairing at the seed scale (1.69M households), SQLite or PostgreSQL.

Builds the demo region into a fresh database as ``doorstep demo --preset region`` does
(generate, migrate, import every frame in one transaction), then runs, each in a fresh
process (so each stage's peak RSS is its own) and through the functions the command line
calls, in the command line's unit of work:

- ``propose``: ``doorstep pair --area <region>`` (read the scope, solve, store the proposal);
  the engine's seconds are printed apart from loading the scope and storing the proposal;
- ``show``, ``diff``, ``commit`` and ``explain`` of that proposal (``pair show|diff|commit ID``,
  ``pair explain HOUSEHOLD_ID``);
- ``edit``: another household's address edited (nothing pairing reads), then ``explain``
  again: it need not read the area (migration 0005).

Each stage prints its seconds and peak RSS; the last line is a JSON object of the figures.
Inside a stage, the service's own calls (loading the scope, the engine, the queries) are
timed by wrapping them in this process only, so a slow stage says where its time went.

    .venv/bin/python bench/pairing_db.py                              # 1.69M households, SQLite
    .venv/bin/python bench/pairing_db.py --households 20000           # a quick run
    .venv/bin/python bench/pairing_db.py --database-url postgresql://postgres@127.0.0.1:5432/doorstep_bench_pairing
        # PostgreSQL: the database is created fresh and dropped at the end (--keep keeps it)
    .venv/bin/python bench/pairing_db.py --workdir var/bench/pairing_db --reuse-build
        # SQLite: build once into built.db, then each run pairs a copy of it
    .venv/bin/python bench/pairing_db.py --households 200000 --again-max-km 20
        # then pair again with a 20 km reach and commit that: pairings end as well as start

``--max-rounds`` defaults to 1: the count is proved after the first round, and the widening
towards the least cost is measured by ``bench/pairing.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from types import ModuleType
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.engine import make_url

P = ParamSpec("P")
R = TypeVar("R")


def peak_rss_mib() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child (a solver worker), MiB.

    A worker's figure counts the pages it shares with this process after ``fork``.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own), round(kids)


class Clock:
    """Seconds and calls of the functions wrapped with :meth:`wrap`, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def timed(self, name: str, fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t
                self.calls[name] = self.calls.get(name, 0) + 1

        return wrapper

    def wrap(self, module: ModuleType, attr: str, name: str | None = None) -> None:
        """Time ``module.attr`` when called through ``module`` (in this process only)."""
        setattr(module, attr, self.timed(name or attr, getattr(module, attr)))

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t

    def figures(self) -> dict[str, Any]:
        return {
            k: round(v, 2) if self.calls.get(k, 1) == 1 else [round(v, 2), self.calls[k]]
            for k, v in self.seconds.items()
        }


# --- the database -------------------------------------------------------------------------


def admin_url(url: str) -> tuple[str, str]:
    """The maintenance database's URL on the same server, and the scratch database's name."""
    u = make_url(url)
    if not u.database or u.database == "postgres":
        raise SystemExit("give the scratch database's name in --database-url, not 'postgres'")
    return u.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    ), u.database


def create_database(url: str) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy a SQLite database with its WAL (it was closed cleanly: the WAL is checkpointed)."""
    remove_sqlite(dst)
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")


# --- the stages, each run in its own process ----------------------------------------------


def stage_build(args: argparse.Namespace) -> dict[str, Any]:
    """``doorstep demo --preset region`` into the configured database."""
    from doorstep.cli.context import actor, engine, session
    from doorstep.demo import generate
    from doorstep.services.demo import load_demo

    clock = Clock()
    with clock.span("generate"):
        programme = generate(
            preset="region", households=args.households, visitors=args.visitors, seed=args.seed
        )
    with clock.span("migrate"):
        engine().dispose()
    with clock.span("import"), session() as s:
        load_demo(s, programme, actor=actor())
    clock.seconds["total"] = sum(clock.seconds.values())
    roots = programme.areas.filter(programme.areas["parent_code"].is_null())["code"]
    return {
        "region": str(roots[0]),
        "households": programme.households.height,
        "visitors": programme.visitors.height,
        "areas": programme.areas.height,
        "first_household": str(programme.households["household_id"][0]),
        "stage_seconds": clock.figures(),
    }


def stage_propose(args: argparse.Namespace) -> dict[str, Any]:
    """``doorstep pair --area REGION --max-rounds N ...`` (``propose_area``, as the CLI)."""
    from doorstep.cli.pair_db import propose_area
    from doorstep.engine.pairing.parallel import process_pool
    from doorstep.engine.pairing.params import PairingParams
    from doorstep.engine.pairing.problem import PairingProblem
    from doorstep.engine.pairing.result import PairingResult
    from doorstep.services import pairing
    from doorstep.services.pairing import proposals
    from doorstep.storage.repositories import bulk

    clock = Clock()
    clock.wrap(proposals, "load_scope")
    clock.wrap(proposals, "solve", "engine")
    clock.wrap(proposals, "figures")
    clock.wrap(bulk, "insert_rows", "insert_proposed_pairs")
    views: list[pairing.ProposalView] = []
    results: list[PairingResult] = []
    considered: list[int] = []
    propose, solve = pairing.propose, getattr(proposals, "solve")  # noqa: B009 (not exported)

    def keep_view(*a: Any, **k: Any) -> pairing.ProposalView:
        views.append(propose(*a, **k))
        return views[-1]

    def keep_result(problem: PairingProblem, *a: Any, **k: Any) -> PairingResult:
        considered.append(problem.n_visitors)
        results.append(solve(problem, *a, **k))
        return results[-1]

    pairing.propose = keep_view
    setattr(proposals, "solve", keep_result)  # noqa: B010
    params = PairingParams(
        max_km=args.max_km,
        keep_km=min(5.0, args.max_km),  # the CLI's default
        max_rounds=args.max_rounds,
        max_arcs=args.max_arcs,
        time_limit_s=args.time_limit or None,
    )
    with clock.span("total"):
        propose_area(args.region, params, quiet=True, mapper=process_pool(args.workers))
    view, result = views[0], results[0]
    f = view.figures
    # What propose did between solving and returning: figures, proposed pairs, audit.
    inside = clock.seconds["total"] - clock.seconds["load_scope"] - clock.seconds["engine"]
    return {
        "proposal": view.id,
        "stage_seconds": clock.figures(),
        "store_and_commit_s": round(inside, 2),
        "engine_stage_seconds": {k: round(v, 2) for k, v in result.stats.seconds.items()},
        "households": f["households"],
        "visitors_considered": considered[0],
        "paired": f["paired"],
        "total_distance_m": f["total_distance_m"],
        "certified": f["certified"],
        "stopped_by": f["stopped_by"],
        "rounds": result.stats.rounds,
        "relabels": result.stats.count_relabels,
    }


def stage_show(args: argparse.Namespace) -> dict[str, Any]:
    from doorstep.cli.pair_db import show_cmd

    clock = Clock()
    with clock.span("total"):
        show_cmd(args.proposal)
    return {"stage_seconds": clock.figures()}


def stage_diff(args: argparse.Namespace) -> dict[str, Any]:
    from doorstep.cli.pair_db import diff_cmd
    from doorstep.services import pairing
    from doorstep.storage.repositories import pairing as repo

    clock = Clock()
    clock.wrap(repo, "pair_changes")
    changes: list[int] = []
    diff = pairing.diff

    def count(*a: Any, **k: Any) -> pairing.PairDiff:
        out = diff(*a, **k)
        changes.append(out.total)
        return out

    pairing.diff = clock.timed("diff_service", count)
    with clock.span("total"):
        diff_cmd(args.proposal, limit=50)
    return {"stage_seconds": clock.figures(), "changes": changes[0]}


def stage_commit(args: argparse.Namespace) -> dict[str, Any]:
    from doorstep.cli.pair_db import commit_cmd
    from doorstep.services import pairing
    from doorstep.services.pairing import decisions
    from doorstep.storage.repositories import bulk
    from doorstep.storage.repositories import pairing as repo

    clock = Clock()
    clock.wrap(decisions, "load_scope")
    clock.wrap(decisions, "differs")
    clock.wrap(repo, "proposed_pairs")
    clock.wrap(repo, "end_pairings")
    clock.wrap(bulk, "insert_rows", "insert_pairings")
    counts: list[dict[str, int]] = []
    commit = pairing.commit

    def keep_counts(*a: Any, **k: Any) -> dict[str, int]:
        counts.append(commit(*a, **k))
        return counts[-1]

    pairing.commit = keep_counts
    with clock.span("total"):
        commit_cmd(args.proposal)
    return {"stage_seconds": clock.figures(), **counts[0]}


def stage_explain(args: argparse.Namespace) -> dict[str, Any]:
    from doorstep.cli.pair_db import explain_cmd
    from doorstep.services.pairing import explanations
    from doorstep.storage.repositories import pairing as repo

    clock = Clock()
    clock.wrap(explanations, "load_scope")
    clock.wrap(explanations, "_latest_proposal")
    clock.wrap(explanations, "_stored_result")
    clock.wrap(explanations, "explain", "engine_explain")
    clock.wrap(explanations, "staleness_of")
    clock.wrap(repo, "proposed_pairs")
    with clock.span("total"):
        explain_cmd(args.household, proposal=None, limit=5)
    return {"stage_seconds": clock.figures(), "household": args.household}


def stage_edit(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from doorstep.cli import context
    from doorstep.storage.repositories import pairing as repo

    clock = Clock()
    with clock.span("total"), context.session() as s:
        before = repo.input_writes(s.connection())
        s.execute(
            text(
                "UPDATE households SET address = 'Edited for the bench' WHERE id = "
                "(SELECT MAX(id) FROM households WHERE external_id <> :h)"
            ),
            {"h": args.household},
        )
    with context.session() as s:
        after = repo.input_writes(s.connection())
    return {"stage_seconds": clock.figures(), "input_writes_moved": after != before}


STAGE_FUNCTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "build": stage_build,
    "propose": stage_propose,
    "show": stage_show,
    "diff": stage_diff,
    "commit": stage_commit,
    "explain": stage_explain,
    "edit": stage_edit,
}


def run_stage(args: argparse.Namespace) -> None:
    t = time.perf_counter()
    out = STAGE_FUNCTIONS[args.stage](args)
    own, kids = peak_rss_mib()
    spans = out["stage_seconds"]
    # The command's own seconds (its "total"), without starting Python and importing.
    seconds = spans.get("total", sum(v for v in spans.values() if isinstance(v, float)))
    out |= {
        "seconds": seconds,
        "with_imports_s": round(time.perf_counter() - t, 2),
        "peak_rss_mib": own,
    }
    if kids:
        out["worker_peak_rss_mib"] = kids
    print(json.dumps(out), flush=True)


# --- the driver ---------------------------------------------------------------------------


def spawn(stage: str, url: str, extra: list[str]) -> dict[str, Any]:
    """Run ``stage`` in a fresh process on ``url``; its last line on stdout is its figures."""
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url}
    cmd = [sys.executable, __file__, "--stage", stage, *extra]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"stage {stage} failed with exit code {done.returncode}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_wall_s"] = round(wall, 2)
    return figures


def print_stage(name: str, f: dict[str, Any]) -> None:
    workers = (
        f" (largest worker {f['worker_peak_rss_mib']:,} MiB)" if "worker_peak_rss_mib" in f else ""
    )
    print(
        f"{name:<13} {f['seconds']:>8.1f} s  peak RSS {f['peak_rss_mib']:>6,} MiB{workers}  "
        f"[process {f['process_wall_s']:.1f} s]",
        flush=True,
    )
    print(f"{'':14}{json.dumps(f['stage_seconds'])}", flush=True)
    if "engine_stage_seconds" in f:
        print(f"{'':14}engine: {json.dumps(f['engine_stage_seconds'])}", flush=True)
    if "started" in f:
        print(f"{'':14}started {f['started']:,}, ended {f['ended']:,}, kept {f['kept']:,}")
    if "paired" in f:
        print(
            f"{'':14}{f['households']:,} households, {f['visitors_considered']:,} visitors "
            f"considered, {f['paired']:,} paired, {f['total_distance_m']:,} m, "
            f"certified {f['certified']} (stopped by {f['stopped_by']}), "
            f"{f['rounds']} round(s), {f['relabels']} global relabels",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--households", type=int, default=None, help="default: the region preset")
    ap.add_argument("--visitors", type=int, default=None, help="default: households x 1.12/1.69")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None, help="SQLite files go here")
    ap.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL URL naming a scratch database (created fresh, dropped at the end)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the database at the end")
    ap.add_argument(
        "--reuse-build",
        action="store_true",
        help="SQLite: reuse <workdir>/built.db if it exists (pairing runs on a copy)",
    )
    ap.add_argument("--max-rounds", type=int, default=1, help="the engine's widening rounds")
    ap.add_argument("--max-arcs", type=int, default=None, help="default: the engine's")
    ap.add_argument(
        "--time-limit", type=float, default=0, help="stop widening after this many s (0: none)"
    )
    ap.add_argument("--workers", type=int, default=2, help="solver processes (the CLI's default)")
    ap.add_argument("--household", default=None, help="for explain; default: the first one")
    ap.add_argument("--max-km", type=float, default=30.0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--again-max-km",
        type=float,
        default=None,
        help="then propose again with this --max-km and commit it: the pairs now longer\n"
        "end, and some households move to make room (re-pairing with the same settings\n"
        "keeps every pair)",
    )
    ap.add_argument("--stage", choices=tuple(STAGE_FUNCTIONS), help=argparse.SUPPRESS)
    ap.add_argument("--region", help=argparse.SUPPRESS)
    ap.add_argument("--proposal", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.max_arcs is None:
        from doorstep.engine.pairing.params import PairingParams

        args.max_arcs = PairingParams().max_arcs
    if args.households is not None and args.visitors is None:
        args.visitors = max(1, round(args.households * 1.12 / 1.69))
    if args.stage:
        run_stage(args)
        return

    common = [f"--seed={args.seed}"]
    if args.households is not None:
        common += [f"--households={args.households}", f"--visitors={args.visitors}"]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="doorstep-pairing-db-"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"date": dt.date.today().isoformat()}
    built = workdir / "built.db"
    if args.database_url:
        url = args.database_url
        figures["database"] = "postgresql"
        create_database(url)
    else:
        figures["database"] = "sqlite"
        db = workdir / "bench.db"
        remove_sqlite(db)
        url = f"sqlite:///{db}"
        if args.reuse_build and built.exists() and (workdir / "built.json").exists():
            copy_sqlite(built, db)
            figures["build"] = json.loads((workdir / "built.json").read_text())
            print(f"reusing {built} (build figures from when it was built)", flush=True)
    try:
        if "build" not in figures:
            figures["build"] = spawn("build", url, common)
            if args.reuse_build and not args.database_url:
                copy_sqlite(db, built)
                (workdir / "built.json").write_text(json.dumps(figures["build"]))
        b = figures["build"]
        print(
            f"database: {figures['database']} ({url}); region {b['region']}: "
            f"{b['households']:,} households, {b['visitors']:,} visitors, {b['areas']:,} areas",
            flush=True,
        )
        print_stage("build", b)
        limits = [
            f"--max-rounds={args.max_rounds}",
            f"--max-arcs={args.max_arcs}",
            f"--time-limit={args.time_limit}",
            f"--workers={args.workers}",
        ]
        figures["propose"] = spawn("propose", url, [f"--region={b['region']}", *limits])
        print_stage("propose", figures["propose"])
        pid = [f"--proposal={figures['propose']['proposal']}"]
        for name in ("show", "diff", "commit"):
            figures[name] = spawn(name, url, pid)
            print_stage(name, figures[name])
        household = args.household or b["first_household"]
        figures["explain"] = spawn("explain", url, [f"--household={household}"])
        print_stage("explain", figures["explain"])
        figures["edit"] = spawn("edit", url, [f"--household={household}"])
        print_stage("edit", figures["edit"])
        figures["explain_after_edit"] = spawn("explain", url, [f"--household={household}"])
        print_stage("explain after edit", figures["explain_after_edit"])
        if args.again_max_km is not None:
            # Pair the area again, now paired, with a shorter reach: the commit ends the
            # pairs now too long and those that move, and starts their new pairs.
            again_args = [f"--region={b['region']}", f"--max-km={args.again_max_km}", *limits]
            again = spawn("propose", url, again_args)
            figures["propose_again"] = again
            print_stage("propose again", again)
            pid = [f"--proposal={again['proposal']}"]
            figures["commit_again"] = spawn("commit", url, pid)
            print_stage("commit again", figures["commit_again"])
    finally:
        if args.database_url and not args.keep:
            drop_database(args.database_url)
        elif not args.database_url and not args.keep:
            remove_sqlite(workdir / "bench.db")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
