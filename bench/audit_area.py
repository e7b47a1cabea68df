"""Benchmark: one village's first page of the audit trail, by the stored area and by joins.

An area's manager reads the trail of its subtree (``doorstep audit --area``, ``GET
/api/v1/audit?area=``). Each event now stores its area's path when written (migration 0022)
and the page is a range of the index on ``(area_path, id)``; before, each event's area was
decided at the reading by six outer joins, the trail walked newest first. This builds a
fresh database of N households (1.69M by default, the demo region) in villages of 34 under
one region, writes one event per household (``record_row_events``, timed: the write joins
each household's area), then times, in the same run:

- ``village``: the first page (50 events) of two villages' trails, by the stored column
  (the query the trail uses now) and by the joins (:func:`old_within`, a copy of the query
  before 0022, kept here only as the baseline), and their ratio;
- ``region``: the first page of the whole region, both ways;
- ``backfill``: migration 0022's ``UPDATE`` of every stored event's path, by the rule;

then writes two more events per household (three in all, as a work list and a plan of
each) and times the pages again.

Usage: python bench/audit_area.py [--households N] [--skip-postgres] [--skip-sqlite]

The PostgreSQL database it makes, ``scratch_audit_area``, is dropped at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, Select, String, and_, case, cast, func, text

from scratch_db import drop_db, fresh_db, plain_households

PG_DB = "scratch_audit_area"
VILLAGE = 34  # households


def old_within(query: Select[Any], path: str) -> Select[Any]:
    """The area filter of the trail before migration 0022 (the baseline): each event's area
    by six outer joins, at the reading."""
    from sqlalchemy.orm import aliased

    from doorstep.storage.tables import (
        Area,
        AuditEvent,
        Household,
        PairingProposal,
        Team,
        Visitor,
    )

    e = AuditEvent.__table__
    about_one = e.c.entity.in_(("household", "visitor"))

    def named_in_detail(key: str) -> Any:
        return case((about_one, None), else_=e.c.detail[key].as_string())

    lives, home, paired, named, teamed, their = (aliased(Area) for _ in range(6))
    proposal = aliased(PairingProposal)
    team = aliased(Team)
    visitor = aliased(Visitor)
    their_visitor = aliased(Visitor)
    household = aliased(Household)
    query = (
        query.outerjoin(
            household,
            and_(e.c.entity == "household", household.external_id == e.c.entity_id),
        )
        .outerjoin(lives, lives.id == household.area_id)
        .outerjoin(visitor, and_(e.c.entity == "visitor", visitor.external_id == e.c.entity_id))
        .outerjoin(home, home.id == visitor.home_area_id)
        .outerjoin(
            proposal,
            and_(
                e.c.entity == "pairing_proposal",
                cast(proposal.id, String) == e.c.entity_id,
            ),
        )
        .outerjoin(paired, paired.id == proposal.area_id)
        .outerjoin(named, named.code == named_in_detail("area"))
        .outerjoin(team, team.code == named_in_detail("team"))
        .outerjoin(teamed, teamed.id == team.area_id)
        .outerjoin(their_visitor, their_visitor.external_id == named_in_detail("visitor"))
        .outerjoin(their, their.id == their_visitor.home_area_id)
    )
    where = func.coalesce(
        lives.path, home.path, paired.path, named.path, teamed.path, their.path
    ).startswith(path, autoescape=True)
    return query.where(where)


def _page(conn: Connection, path: str, *, old: bool) -> tuple[list[int], float]:
    """The ids of the first page of the area at ``path``, as the trail reads it now (its
    count of a dense area included) or with :func:`old_within`, and the seconds taken."""
    from doorstep.storage.repositories.trail import TrailFilter, trail_page, trail_query

    t0 = time.perf_counter()
    if old:
        query = old_within(trail_query(TrailFilter(), before=None, limit=50), path)
        ids = list(conn.execute(query).scalars())
    else:
        ids = [r["id"] for r in trail_page(conn, TrailFilter(within=path), before=None, limit=50)]
    return ids, time.perf_counter() - t0


def build(kind: str, households: int, workdir: Path) -> Engine:
    from doorstep.storage.repositories import bulk
    from doorstep.storage.session import make_engine, unit_of_work

    villages = households // VILLAGE
    eng = make_engine(fresh_db(kind, workdir, PG_DB))
    with unit_of_work(eng) as s:
        conn = s.connection()
        conn.execute(
            text(
                "INSERT INTO areas (id, code, name, level, path, depth) "
                "VALUES (1, 'R', 'Region', 'region', '1/', 0)"
            )
        )
        vid = np.arange(2, villages + 2)
        bulk.insert_rows(
            conn,
            "areas",
            pl.DataFrame(
                {
                    "id": vid,
                    "code": [f"V{i}" for i in vid],
                    "name": "v",
                    "level": "village",
                    "path": [f"1/{i}/" for i in vid],
                    "depth": 1,
                    "parent_id": 1,
                }
            ),
        )
        ids = np.arange(1, households + 1)
        bulk.insert_rows(conn, "households", plain_households(ids, 2 + (ids - 1) % villages))
    return eng


def write(eng: Engine, households: int, rounds: int) -> float:
    from doorstep.privacy.audit import record_row_events
    from doorstep.storage.session import unit_of_work

    with unit_of_work(eng) as s:
        t0 = time.perf_counter()
        for _ in range(rounds):
            record_row_events(
                s,
                actor="bench",
                action="read",
                entity="household",
                source="households",
                key="external_id",
                ids=pl.Series(np.arange(1, households + 1)),
                detail={"list": "bench"},
            )
        seconds = time.perf_counter() - t0
    if eng.dialect.name == "postgresql":  # as autovacuum would soon; SQLite's are never taken
        with eng.begin() as conn:
            conn.execute(text("ANALYZE"))
    return seconds


def backfill(eng: Engine) -> tuple[float, int]:
    """Seconds of migration 0022's ``UPDATE`` over the stored trail (rolled back), and
    how many events it gave the path they had."""
    from doorstep.storage.repositories.event_area import backfill

    with eng.connect() as conn, conn.begin() as tx:
        before = conn.execute(text("SELECT id, area_path FROM audit_events ORDER BY id")).all()
        conn.execute(text("UPDATE audit_events SET area_path = NULL"))
        t0 = time.perf_counter()
        conn.execute(backfill())
        seconds = time.perf_counter() - t0
        after = conn.execute(text("SELECT id, area_path FROM audit_events ORDER BY id")).all()
        tx.rollback()
    return seconds, sum(a == b for a, b in zip(before, after, strict=True))


def measure(kind: str, households: int, workdir: Path) -> None:
    villages = households // VILLAGE
    eng = build(kind, households, workdir)
    for rounds, label in ((1, "1 event each"), (2, "3 events each")):
        seconds = write(eng, households, rounds)
        with eng.connect() as conn:
            n = conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
        print(f"{kind:10} write   {rounds * households:>10,} events {seconds:7.2f} s", flush=True)
        with eng.connect() as conn:
            for name, path in (
                ("village", "1/2/"),
                ("village", f"1/{villages // 2}/"),
                ("region", "1/"),
            ):
                new_ids, new = _page(conn, path, old=False)
                old_ids, old = _page(conn, path, old=True)
                assert new_ids == old_ids, (path, new_ids[:5], old_ids[:5])
                print(
                    f"{kind:10} {label} ({n:,}): {name:7} {path:9} {len(new_ids)} rows  "
                    f"stored {new * 1000:8.1f} ms  joins {old * 1000:8.1f} ms  "
                    f"joins / stored {old / new:7.1f}",
                    flush=True,
                )
        if rounds == 1:
            seconds, same = backfill(eng)
            print(
                f"{kind:10} backfill {n:,} events {seconds:7.2f} s ({same:,} the same path)",
                flush=True,
            )
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1_690_000)
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true")
    args = ap.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            measure("sqlite", args.households, Path(tmp))
    if not args.skip_postgres:
        try:
            measure("postgresql", args.households, Path("."))
        finally:
            drop_db(PG_DB)


if __name__ == "__main__":
    main()
