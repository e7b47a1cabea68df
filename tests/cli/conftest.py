from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner, Result

from doorstep.cli.main import app
from doorstep.config import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``doorstep ...`` in-process against the test database."""
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


#: An event of a visitor's calendar file: STATUS, first day, last day, SEQUENCE, SUMMARY.
CalendarEvent = tuple[str, dt.date, dt.date, int, str]


def calendar_of(cli: Invoke, visitor: str, path: Path, since: dt.date) -> dict[str, CalendarEvent]:
    """UID: the event, of each event of ``visitor``'s calendar from ``since``, written by
    ``doorstep visits calendar`` to ``path`` and read back with ``icalendar``."""
    result = cli(
        "visits", "calendar", "--visitor", visitor, "--out", str(path), "--since", str(since)
    )
    assert result.exit_code == 0, result.output
    out: dict[str, CalendarEvent] = {}
    for ev in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        uid = str(ev["UID"])
        assert uid not in out  # one event per UID: never both planned and cancelled
        last = ev["DTEND"].dt - dt.timedelta(days=1)
        out[uid] = (
            str(ev["STATUS"]),
            ev["DTSTART"].dt,
            last,
            int(ev["SEQUENCE"]),
            str(ev["SUMMARY"]),
        )
    return out


def doorstep_at(columns: int, db_url: str, *args: str) -> str:
    """The standard output of ``doorstep ARGS`` as a user runs it, on a terminal ``columns``
    wide: in a process of its own, as the console takes its width when the CLI starts (under
    pytest-xdist it is fixed at 80 in-process, whatever ``COLUMNS`` says later)."""
    done = subprocess.run(
        [sys.executable, "-m", "doorstep", *args],
        env={**os.environ, "DOORSTEP_DATABASE_URL": db_url, "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
