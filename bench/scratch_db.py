"""A scratch database for a benchmark: made fresh at the schema's head, dropped at the end.

Imported by the scripts beside it (`python bench/x.py` puts this folder on the path).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

PG_ADMIN = os.environ.get(
    "DOORSTEP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def fresh_db(kind: str, workdir: Path, pg_db: str) -> str:
    """The URL of an empty database migrated to head: ``workdir/bench.db`` (an earlier
    run's file and its log removed) or the PostgreSQL database ``pg_db``, made anew."""
    from doorstep.storage.migrate import upgrade
    from doorstep.storage.session import make_engine

    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {pg_db}")
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_db}"
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    return url


def drop_db(pg_db: str) -> None:
    """Drop ``pg_db`` on the PostgreSQL server, if it is there: left behind, a full run's
    1.69M households take the server's disk for nothing."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")


def plain_households(
    ids: npt.NDArray[np.int64], area_ids: int | npt.NDArray[np.int64]
) -> pl.DataFrame:
    """Households ``ids`` (a numpy array) in ``area_ids`` (one id, or one per household),
    all alike but for their ids: the rows a benchmark of events about households needs,
    for ``bulk.insert_rows``."""
    return pl.DataFrame(
        {
            "id": ids,
            "external_id": [f"H{i:07d}" for i in ids],
            "head_name": "Name",
            "address": "",
            "area_id": area_ids,
            "lat": 26.5,
            "lon": 107.9,
            "members": 4,
            "languages": "zh",
            "consent_state": "given",
        }
    )
