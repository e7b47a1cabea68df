"""The planner's statistics, sampled again after an erasure so they keep no erased value."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def resample(conn: Connection, tables: Iterable[str]) -> None:
    """Sample again the planner's statistics of ``tables``.

    PostgreSQL's ``pg_statistic`` keeps sampled column values (most common values and
    histogram bounds: names, addresses, coordinates) until the next ``ANALYZE``, which one
    deleted or rewritten row never triggers, and ``VACUUM`` does not touch. ANALYZE in the
    erasure's transaction samples only the rows it leaves. SQLite's ``sqlite_stat1`` holds no
    values, but a build with STAT4 keeps samples in ``sqlite_stat4``: analysed again too.
    """
    names = list(tables)
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE " + ", ".join(names)))
    elif conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'")).first():
        for name in names:
            conn.execute(text(f"ANALYZE {name}"))
