"""Awkward values in any argument or option of any command get a clear error or an answer,
never a traceback.

Each command of the busy-writer tests' table (:data:`tests.cli.test_busy_writer.CASES`, one
invocation that completes per command, on the programme of ``tests/factories/busy_writer``)
is run again with one of its values at a time replaced by each of :data:`AWKWARD`: its
arguments, the values of its options, and the options it could take but does not (each
command's own, read from the command line's definition); last, the case as it is with
``DOORSTEP_TODAY`` at the calendar's first and last day. Each run must end as the command
line ends a person's mistake (a red line, exit 1 or 2) or complete (exit 0); an exception
out of the command is a fault. Runs that complete may write: the programme changes as the
case goes, which only varies what the later runs meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.config import get_settings
from tests.cli.test_busy_writer import CASES, ON_AN_EMPTY_DATABASE, _command
from tests.factories.busy_writer import Programme, copy_database, import_files
from tests.factories.files import write_csv

AWKWARD: tuple[str, ...] = (
    "",
    "-1",
    "0",
    "2147483648",  # one past a 32-bit integer
    "9223372036854775808",  # one past a 64-bit integer
    "1e309",  # past a float
    "nan",
    "0001-01-01",
    "9999-12-31",
    "秀珍" * 200,
)

#: The calendar's ends, as ``DOORSTEP_TODAY`` (each command run as its case is, last).
FIRST_DAY, LAST_DAY = "0001-01-01", "9999-12-31"

#: Commands whose awkward runs would take minutes and test nothing new: building a demo
#: programme of up to five million households (its sizes are bounded by its options); it
#: is also the one command run on an empty database.
SLOW = {"demo"}


def _definition(name: str) -> Any:
    """The command a case runs, as the command line defines it (Typer's own click)."""
    cmd = typer.main.get_command(app)
    for word in name.split():
        cmd = cmd.commands[word]  # type: ignore[attr-defined]
    return cmd


def _runs(name: str) -> Iterator[tuple[str, list[str]]]:
    """The case's arguments with one value at a time replaced by each awkward value, or
    with one option it does not give added with it: (what changed, the arguments)."""
    words = CASES[name]
    command = _command(name)
    start = len(command.split())
    for value in AWKWARD:
        for i in range(start, len(words)):
            if not words[i].startswith("-"):
                label = words[i - 1] if words[i - 1].startswith("-") else f"argument {i - start}"
                yield f"{label}={value[:12]!r}", [*words[:i], value, *words[i + 1 :]]
    given = set(words)
    options = [p for p in _definition(command).params if p.param_type_name == "option"]
    assert options or not any(w.startswith("--") for w in words), name
    for param in options:
        if getattr(param, "is_flag", False) or getattr(param, "hidden", False):
            continue
        flag = max(param.opts, key=len)
        if given & set(param.opts) or flag in ("--out", "--help"):
            continue
        for value in AWKWARD:
            yield f"{flag}={value[:12]!r}", [*words, flag, value]
    # Today is given by the environment too (demos, training): the case as it is, at either
    # end of the calendar, after every other run (the environment then stays so).
    for day in (FIRST_DAY, LAST_DAY):
        yield f"DOORSTEP_TODAY={day}", list(words)


@pytest.fixture
def run() -> Iterator[CliRunner]:
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(CASES) - SLOW - ON_AN_EMPTY_DATABASE))
def test_an_awkward_value_is_a_clear_error_or_an_answer(
    name: str,
    db_url: str,
    busy_template: Programme,
    run: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    if db_url.startswith("sqlite"):
        day = busy_template.first
        db_url = f"sqlite:///{copy_database(busy_template.path, tmp_path / 'db')}"
    else:  # PostgreSQL holds ids in 32 bits, where SQLite takes any 64-bit integer
        programme = request.getfixturevalue("busy_postgres")
        db_url, day = programme.url, programme.first
    first = day.isoformat()
    files = {
        kind: str(write_csv(tmp_path / f"{kind}.csv", header, rows))
        for kind, (header, rows) in import_files(first).items()
    }
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    # An awkward value given as a file to write (`--out 0`) is written here, not where the
    # tests run.
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    wrong: list[tuple[str, str]] = []
    for changed, words in _runs(name):
        if changed.startswith("DOORSTEP_TODAY="):
            monkeypatch.setenv("DOORSTEP_TODAY", changed.split("=", 1)[1])
            get_settings.cache_clear()
        args = [a.format(first=first, out=tmp_path / "out", **files) for a in words]
        result = run.invoke(app, args)
        fault = result.exception
        if fault is not None and not isinstance(fault, SystemExit):
            wrong.append((changed, f"{type(fault).__name__}: {fault}"[:300]))
        elif result.exit_code not in (0, 1, 2):
            wrong.append((changed, f"exit {result.exit_code}: {result.output[-300:]}"))
    assert not wrong, "\n".join(map(str, wrong))
