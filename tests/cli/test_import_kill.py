"""Killing an import while it writes leaves the database exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from tests.factories.db import run_import, snapshot
from tests.factories.files import AREA_HEADER, area_rows, write_csv

ROWS = 300_000
#: The rows imported again at the end, the first of the same file (the first the killed
#: import wrote): enough to show the database takes the same import, without the 300k rows'
#: eight seconds a time. The 300k are for the kill, to catch the import mid-write.
AGAIN = 1_000


def _big_households(path: Path) -> Path:
    n = ROWS
    pl.DataFrame(
        {
            "household_id": [f"K{i}" for i in range(n)],
            "head_name": ["Wang Fang"] * n,
            "area_code": ["R-C-V1"] * n,
            "lat": [26.5 + (i % 1000) / 1e5 for i in range(n)],
            "lon": [107.9] * n,
            "members": [3] * n,
            "languages": ["zh"] * n,
            "consent": ["given"] * n,
        }
    ).write_csv(path)
    return path


def _writing(engine: Engine, db_url: str, wal: Path | None, wal_start: int) -> bool:
    if wal is not None:
        return wal.exists() and wal.stat().st_size > wal_start + 4_000_000
    with engine.connect() as conn:
        n = conn.execute(
            text(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'COPY households%' AND state = 'active'"
            )
        ).scalar_one()
    return bool(n)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_killing_an_import_mid_write_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    """Killed outright, the import can write nothing after the database rolls it back: the
    trail is as it was too. Interrupted (Ctrl-C), it records its attempt as failed."""
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    before = snapshot(engine)
    path = _big_households(tmp_path / "households.csv")
    wal = Path(db_url.removeprefix("sqlite:///") + "-wal") if db_url.startswith("sqlite") else None
    wal_start = wal.stat().st_size if wal is not None and wal.exists() else 0
    env = {**os.environ, "DOORSTEP_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "import", "households", str(path), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        if _writing(engine, db_url, wal, wal_start):
            proc.send_signal(sig)
            killed = True
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert killed, f"the import finished before it could be killed: {proc.stderr.read()!r}"
    assert proc.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    if wal is None:
        # The server notices the dead client and rolls its transaction back.
        for _ in range(200):
            with engine.connect() as conn:
                busy = conn.execute(
                    text(
                        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND query LIKE 'COPY households%'"
                    )
                ).scalar_one()
            if not busy:
                break
            time.sleep(0.05)
    after = snapshot(engine)
    if sig == signal.SIGINT:
        with engine.connect() as conn:
            last = conn.execute(
                text("SELECT action, entity, detail FROM audit_events ORDER BY id DESC")
            ).first()
        assert last is not None
        detail = last[2] if isinstance(last[2], dict) else json.loads(last[2])
        assert (last[0], last[1], detail) == (
            "import",
            "households",
            {"file": "households.csv", "outcome": "failed", "error": "KeyboardInterrupt"},
        )
        after["audit_events"] = after["audit_events"][:-1]
    assert after == before
    # And the database is still usable: the same import (its first rows) runs to the end.
    again = tmp_path / "again.csv"
    with path.open(encoding="utf-8") as whole:
        again.write_text("".join(islice(whole, AGAIN + 1)), encoding="utf-8")  # and the header
    assert run_import(engine, "households", again).created == AGAIN
