"""Benchmark: finding a household or a visitor by part of a name, an address or an id.

``doorstep household find TEXT`` (and ``visitor find``, the API's and the pages' search)
looked for ``LOWER(col) LIKE '%text%'``: a scan of every household, and SQLite's ``LOWER``
folds ASCII only. Each row now stores its id, name and address case-folded (migration 0024)
and a trigram index serves the substring (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``
GIN). This builds the demo region (1.69M households, 1.12M visitors; ``--households`` for
less) as ``doorstep demo --preset region`` does, on SQLite and on PostgreSQL, then times in
the same run, each search through the repository as the service calls it:

- ``old``: the query before 0024 (:func:`old_households`, a copy kept here as the baseline);
- ``new``: :func:`doorstep.storage.repositories.finding.households` (and ``visitors``);

for a whole-programme account and for one area's (a district's), several times each
(the least kept), and prints both and their ratio. It times migration 0024's backfill too
(downgrade to 0023's parent, upgrade again) and an erasure's purge of the SQLite index.

    .venv/bin/python bench/find.py                                  # region, both databases
    .venv/bin/python bench/find.py --households 100000 --skip-postgres

The databases are built into ``--workdir`` (``/tmp/bench-find``: ``built.db`` for SQLite,
reused by later runs with ``--reuse``) and ``scratch_find`` on PostgreSQL; ``--clean``
removes both at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scratch_db import PG_ADMIN, drop_db

PG_DB = "scratch_find"
TODAY = dt.date(2026, 12, 9)
#: Accented Latin names given to some households and visitors (the demo's are Chinese or
#: plain romanised), so that a search typed in another case has something to find.
LATIN = ["ÉLODIE BRÛLÉ", "Zoë Ångström", "Σωκράτης Παπαδόπουλος", "Дмитрий Ёлкин", "Straße 5"]


def old_households(
    conn: Any, text: str, *, limit: int, today: dt.date, area_path: str | None = None
) -> list[Any]:
    """The search before migration 0024 (the baseline): every household's id, name and
    address lowered and matched with ``LIKE``, and as typed."""
    from sqlalchemy import text as sql

    def like(t: str) -> str:
        return t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    tests = [
        "h.external_id = :exact",
        "LOWER(h.external_id) LIKE :start ESCAPE '\\'",
        "h.external_id LIKE :start_typed ESCAPE '\\'",
    ]
    for column in ("h.head_name", "h.address"):
        tests += [
            f"LOWER({column}) LIKE :inside ESCAPE '\\'",
            f"{column} LIKE :inside_typed ESCAPE '\\'",
        ]
    where = ["(" + " OR ".join(tests) + ")"]
    params: dict[str, Any] = {
        "exact": text,
        "start": like(text.lower()) + "%",
        "start_typed": like(text) + "%",
        "inside": "%" + like(text.lower()) + "%",
        "inside_typed": "%" + like(text) + "%",
        "limit": limit,
    }
    if area_path is not None:
        where.append("a.path LIKE :prefix")
        params["prefix"] = area_path + "%"
    return list(
        conn.execute(
            sql(
                f"""SELECT h.id, h.external_id, h.head_name, h.address, a.code
                FROM households h JOIN areas a ON a.id = h.area_id
                WHERE {" AND ".join(where)}
                ORDER BY CASE WHEN h.external_id = :exact THEN 0 ELSE 1 END, h.external_id
                LIMIT :limit"""
            ),
            params,
        ).all()
    )


def old_visitors(conn: Any, text: str, *, limit: int) -> list[Any]:
    """The visitors' search before migration 0024 (the baseline)."""
    from sqlalchemy import text as sql

    inside = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        conn.execute(
            sql(
                """SELECT v.external_id, v.name FROM visitors v
                WHERE (v.external_id = :exact OR LOWER(v.external_id) LIKE :start ESCAPE '\\'
                       OR LOWER(v.name) LIKE :inside ESCAPE '\\' OR v.name LIKE :typed
                       ESCAPE '\\') AND v.name <> ''
                ORDER BY CASE WHEN v.external_id = :exact THEN 0 ELSE 1 END, v.external_id
                LIMIT :limit"""
            ),
            {
                "exact": text,
                "start": text.lower() + "%",
                "inside": inside.lower(),
                "typed": inside,
                "limit": limit,
            },
        ).all()
    )


# --- building ------------------------------------------------------------------------------


def with_latin_names(programme: Any) -> Any:
    """The demo with every 997th household head and visitor named from :data:`LATIN`."""
    import dataclasses

    import polars as pl

    def renamed(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        i = pl.int_range(pl.len())
        latin = pl.lit(pl.Series(LATIN)).gather(i // 997 % len(LATIN)) + " " + i.cast(pl.String)
        return frame.with_columns(
            pl.when(i % 997 == 0).then(latin).otherwise(pl.col(column)).alias(column)
        )

    return dataclasses.replace(
        programme,
        households=renamed(programme.households, "head_name"),
        visitors=renamed(programme.visitors, "name"),
    )


def stage_build(url: str, households: int | None, visitors: int | None) -> None:
    """The demo region (:func:`with_latin_names`) loaded into the empty database at ``url``
    migrated to the head, as ``doorstep demo --preset region`` loads it."""
    from sqlalchemy.orm import Session

    from doorstep.demo import generate
    from doorstep.services.demo import load_demo
    from doorstep.storage.migrate import upgrade
    from doorstep.storage.session import make_engine

    programme = generate(preset="region", households=households, visitors=visitors, seed=1)
    eng = make_engine(url)
    upgrade(eng)
    with Session(eng) as s:
        load_demo(s, with_latin_names(programme), actor="bench")
        s.commit()
    eng.dispose()


# --- timing --------------------------------------------------------------------------------


def best_of(runs: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """The least seconds of ``runs`` calls of ``fn(*args, **kwargs)``, and what it returned."""
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return best, out


def backfill(url: str) -> float | None:
    """Seconds of migration 0024's upgrade from its parent (its backfill and indexes); none
    if the database is at an older head than this code's (it is then upgraded untimed)."""
    from alembic import command

    from doorstep.storage.migrate import alembic_config, current_revision, upgrade
    from doorstep.storage.session import make_engine

    eng = make_engine(url)
    try:
        if current_revision(eng) == FIND_REVISION:
            command.downgrade(alembic_config(eng), FIND_PARENT)
        t = time.perf_counter()
        upgrade(eng)
        return time.perf_counter() - t
    finally:
        eng.dispose()


FIND_REVISION = "0024"  # the search's first; 0026 indexes short texts
FIND_PARENT = "0022"  # becomes "0023" when 0023 is merged


def searches(region: str, district: str) -> list[tuple[str, str, str | None]]:
    """(label, text, area path or none) of each search timed."""
    out = []
    for scope, path in (("programme", None), ("district", district)):
        out += [
            (f"{scope}: surname 王", "王", path),
            (f"{scope}: 2 chars 秀珍", "秀珍", path),
            (f"{scope}: 3 chars 王秀珍", "王秀珍", path),
            (f"{scope}: élodie (ÉLODIE stored)", "élodie", path),
            (f"{scope}: Latin 'group 1,'", "group 1,", path),
            (f"{scope}: id prefix h00012", "h00012", path),
            (f"{scope}: nothing 'qqxq'", "qqxq", path),
            (f"{scope}: nothing 1 char 龘", "龘", path),
            (f"{scope}: few 1 char ω", "ω", path),
            (f"{scope}: few 2 chars ёл", "ёл", path),
        ]
    del region
    return out


def measure(kind: str, url: str, runs: int) -> list[dict[str, Any]]:
    """Old and new search times (least of ``runs``), each line printed as it is measured;
    ``same``: whether both found the same rows in the same order."""
    from sqlalchemy import text

    from doorstep.storage.repositories import finding
    from doorstep.storage.session import make_engine

    eng = make_engine(url)
    rows: list[dict[str, Any]] = []

    def line(label: str, old: tuple[float, list[str]], new: tuple[float, list[str]]) -> None:
        (t_old, found_old), (t_new, found_new) = old, new
        same = found_old == found_new
        rows.append({"search": label, "old_s": t_old, "new_s": t_new, "same": same})
        print(
            f"{kind:<10} {label:<36} old {t_old * 1000:>8.1f} ms  new {t_new * 1000:>7.1f} ms"
            f"  ratio {t_new / t_old:>6.4f}  found {len(found_new):>2}  same as old: {same}",
            flush=True,
        )

    with eng.connect() as conn:
        region, district = conn.execute(
            text(
                """SELECT r.path, d.path FROM areas r JOIN areas d ON d.parent_id = r.id
                WHERE r.parent_id IS NULL ORDER BY d.id LIMIT 1"""
            )
        ).one()
        in_district = conn.execute(
            text(
                "SELECT COUNT(*) FROM households h JOIN areas a ON a.id = h.area_id "
                "WHERE a.path LIKE :p"
            ),
            {"p": district + "%"},
        ).scalar_one()
        print(f"{kind}: district {district} holds {in_district:,} households", flush=True)
        for label, typed, path in searches(region, district):
            scope = {"limit": 51, "today": TODAY, "area_path": path}
            t_old, old = best_of(runs, old_households, conn, typed, **scope)
            t_new, new = best_of(runs, finding.households, conn, typed, **scope)
            line(label, (t_old, [r[1] for r in old]), (t_new, [r["household"] for r in new]))
        for label, typed in (
            ("visitors: 张", "张"),
            ("visitors: zoë", "zoë"),
            ("visitors: nothing 'qqxq'", "qqxq"),
            ("visitors: few 1 char ω", "ω"),
            ("visitors: nothing 1 char 龘", "龘"),
        ):
            t_old, old = best_of(runs, old_visitors, conn, typed, limit=51)
            t_new, new = best_of(runs, finding.visitors, conn, typed, limit=51)
            line(label, (t_old, [r[0] for r in old]), (t_new, [r["visitor"] for r in new]))
    eng.dispose()
    return rows


def erase_one(url: str) -> tuple[float, float]:
    """Seconds of ``household erase`` of one household named from :data:`LATIN` (through the
    service, committed), and of the purge of SQLite's FTS index inside it (0: PostgreSQL)."""
    from sqlalchemy import text

    from doorstep.services.household_rights import erase_household
    from doorstep.storage.repositories import finding
    from doorstep.storage.session import make_engine, unit_of_work

    clock = {"purge": 0.0}
    purge = finding.purge_erased

    def timed_purge(conn: Any) -> None:
        t = time.perf_counter()
        purge(conn)
        clock["purge"] += time.perf_counter() - t

    finding.purge_erased = timed_purge  # type: ignore[assignment]
    eng = make_engine(url)
    with eng.connect() as conn:
        one = conn.execute(
            text("SELECT external_id FROM households WHERE head_name LIKE 'Zo%' LIMIT 1")
        ).scalar_one()
    t = time.perf_counter()
    with unit_of_work(eng) as s:
        erase_household(s, one, actor="bench", today=TODAY)
    took = time.perf_counter() - t
    eng.dispose()
    finding.purge_erased = purge  # type: ignore[assignment]
    return took, clock["purge"]


def spawn_build(url: str, args: argparse.Namespace) -> float:
    """Build in a fresh process (the import's memory is not this one's). Seconds."""
    cmd = [sys.executable, __file__, "--stage-build", url]
    if args.households:
        cmd += [f"--households={args.households}"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=os.environ)
    return time.perf_counter() - t


def run(kind: str, args: argparse.Namespace) -> None:
    if kind == "sqlite":
        built = Path(args.workdir) / "built.db"
        if not (args.reuse and built.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{built}{suffix}").unlink(missing_ok=True)
            took = spawn_build(f"sqlite:///{built}", args)
            print(f"sqlite: built in {took:.1f} s", flush=True)
        db = Path(args.workdir) / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
            if Path(f"{built}{suffix}").exists():
                shutil.copyfile(f"{built}{suffix}", f"{db}{suffix}")
        url = f"sqlite:///{db}"
    else:
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"
        if not args.reuse or not _pg_exists():
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {PG_DB}")
            took = spawn_build(url, args)
            print(f"postgresql: built in {took:.1f} s", flush=True)
    if args.build_only:
        return
    took = backfill(url)
    print(f"{kind}: migration {FIND_REVISION} (backfill, indexes): {took:.1f} s", flush=True)
    measure(kind, url, args.runs)
    took, purged = erase_one(url)
    print(f"{kind}: household erase {took:.2f} s, of which the FTS purge {purged:.2f} s")


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone()
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--households", type=int, default=None, help="default: the region's")
    ap.add_argument("--workdir", default="/tmp/bench-find")
    ap.add_argument("--runs", type=int, default=3, help="times each search runs (least kept)")
    ap.add_argument("--reuse", action="store_true", help="reuse the databases built before")
    ap.add_argument("--build-only", action="store_true", help="build, measure nothing")
    ap.add_argument("--clean", action="store_true", help="remove the databases at the end")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--stage-build", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    visitors = round(args.households * 1.12 / 1.69) if args.households else None
    if args.stage_build:
        stage_build(args.stage_build, args.households, visitors)
        return
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    try:
        for kind in ("sqlite", "postgresql"):
            if not getattr(args, f"skip_{'postgres' if kind == 'postgresql' else kind}"):
                run(kind, args)
    finally:
        if args.clean:
            shutil.rmtree(args.workdir, ignore_errors=True)
            drop_db(PG_DB)


if __name__ == "__main__":
    main()
