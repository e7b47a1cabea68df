"""Every command, run while another writer holds SQLite's lock and then commits, waits its
turn and completes rather than being refused with "run it again" (every command writes:
what it changes, or the audit events of what it read). See ``tests/factories/busy_writer``.

On PostgreSQL, each command that changes records (and one that only reads) runs while another
transaction is busy as an import of every kind, and must wait for it and then complete:
see ``tests/factories/busy_postgres``.

A new command fails :func:`test_every_command_is_run_here_with_another_writer_busy` until
it is added to :data:`CASES`; a new kind of import file fails
:func:`test_every_kind_of_import_is_run_here_with_another_writer_busy` until it has a file
in :func:`~tests.factories.busy_writer.import_files`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.cli.registry import Imported
from doorstep.config import get_settings
from doorstep.storage.session import make_engine
from tests.factories.busy_postgres import audit_events as pg_audit_events
from tests.factories.busy_postgres import transaction_busy
from tests.factories.busy_writer import (
    ACTIVITY,
    BEFORE_A_COMMAND,
    PROJECT,
    REFUSED,
    Programme,
    Seen,
    audit_events,
    copy_database,
    import_files,
    in_turn,
    other_writer,
)
from tests.factories.emptied import empty_postgres
from tests.factories.files import write_csv
from tests.factories.visits import PLAN_START

#: Commands that are no entry point of their own: ``serve`` runs the API and the pages,
#: whose routes are tested in tests/api and tests/web.
NOT_ENTRY_POINTS = {"serve": "its requests are the API's and the pages' (tests/api, tests/web)"}

#: A day H0's first planned visit falls on (``plan_three``).
FIRST = "{first}"
#: A file of the test's own folder.
OUT = "{out}"
#: The programme's today: two months into its plan.
TODAY = ("--today", "2027-03-01")


#: Each command with arguments it completes with, on :func:`busy_programme`'s programme
#: (``{kind}``: the file of that kind of :func:`~tests.factories.busy_writer.import_files`).
CASES: dict[str, tuple[str, ...]] = {
    **{f"import {kind}": ("import", kind, f"{{{kind}}}", *TODAY) for kind in Imported},
    "export": ("export", "households", OUT + ".csv"),
    "stats": ("stats",),
    "report": ("report", "--area", "R-C", "--from", "2027-01-01", "--to", "2027-02-28", *TODAY),
    "outcomes": ("outcomes", "--area", "R"),
    "audit": ("audit", "--limit", "1"),
    "db upgrade": ("db", "upgrade"),
    "pair": ("pair", "--area", "R", "--quiet"),
    "pair show": ("pair", "show", "2", "--quiet"),
    "pair diff": ("pair", "diff", "2", "--quiet"),
    "pair commit": ("pair", "commit", "2", "--quiet"),
    "pair discard": ("pair", "discard", "2"),
    "pair explain": ("pair", "explain", "H1", "-q"),
    "pair exclude": ("pair", "exclude", "H2", "V2", "--reason", "neighbours"),
    "pair unexclude": ("pair", "unexclude", "H1", "V2"),
    "pair exclusions": ("pair", "exclusions", "--area", "R"),
    "check sizes": ("check", "sizes", "--area", "R"),
    "plan": ("plan", "--area", "R", "--start", PLAN_START, "--months", "1", "--quiet"),
    "cadence show": ("cadence", "show"),
    "cadence set": ("cadence", "set", "--max-gap-days", "10"),
    "visits overdue": ("visits", "overdue", "--today", "2027-03-01"),
    "visits due": ("visits", "due", "--today", "2027-03-01"),
    "visits upcoming": ("visits", "upcoming", "--today", "2027-03-01"),
    "visits unrecorded": ("visits", "unrecorded", "--today", "2027-03-01"),
    "visits calendar": ("visits", "calendar", "--visitor", "V1", "--out", OUT + ".ics"),
    "visits record": ("visits", "record", "H0", "--visitor", "V1", "--start", FIRST, *TODAY),
    "visits missed": ("visits", "missed", "H0", "--visitor", "V1", "--start", FIRST, *TODAY),
    "household find": ("household", "find", "H"),
    "household show": ("household", "show", "H0"),
    "household export": ("household", "export", "H1", "--out", OUT + ".json"),
    "household erase": ("household", "erase", "H2", "--yes"),
    "household consent": ("household", "consent", "H2", "--state", "withdrawn", "--evidence", "a"),
    "visitor find": ("visitor", "find", "V"),
    "visitor show": ("visitor", "show", "V1"),
    "visitor export": ("visitor", "export", "V1", "--out", OUT + ".json"),
    "visitor end": ("visitor", "end", "V2", "--last-day", "2027-01-31"),
    "visitor erase": ("visitor", "erase", "V2", "--yes"),
    "activity add": ("activity", "add", "ZOO", *ACTIVITY),
    "activity list": ("activity", "list"),
    "activity attend": ("activity", "attend", "CLASS", "--household", "H1"),
    "project add": ("project", "add", "PUMP", *PROJECT),
    "project list": ("project", "list"),
    "project status": ("project", "status", "WELL", "running"),
    "project benefit": ("project", "benefit", "WELL", "--household", "H1"),
    "referral add": ("referral", "add", "H1", "--to", "JOBS", "--service", "health"),
    "referral status": ("referral", "status", "1", "withdrawn"),
    "referral list": ("referral", "list"),
    "account add": ("account", "add", "helper", "--role", "manager"),
    "account token": ("account", "token", "coord"),
    "account list": ("account", "list"),
    "account disable": ("account", "disable", "coord"),
    "demo": ("demo", "--preset", "village", "--quiet"),
}

#: Commands that write nothing, not even an audit event: they read no one's data (checked).
#: `db upgrade` on a database at the newest revision (a migration begins with the writer's
#: lock: ``storage/migrations/env.py``).
WRITES_NOTHING = {"account list", "activity list", "cadence show", "project list", "db upgrade"}

#: Commands that read none of the programme's tables: at the newest revision, `db upgrade`
#: reads the schema's and writes nothing.
READS_NO_PROGRAMME = {"db upgrade"}

#: Commands that change no record, only add the audit events of what they read: on
#: PostgreSQL their one write, an insert of new rows, waits for the other and can meet
#: nothing it wrote; one of them, :data:`READ_ON_POSTGRES`, runs there for them all.
ONLY_READ = {
    *("export", "stats", "report", "outcomes", "audit", "check sizes", "pair exclusions"),
    *("pair show", "pair diff", "visits overdue", "visits due", "visits upcoming"),
    *("visits unrecorded", "visits calendar", "household find", "household show"),
    *("visitor find", "visitor show", "referral list"),
    *WRITES_NOTHING,
}
READ_ON_POSTGRES = "household show"
#: Imports that lock as another kind does (visitors as areas, blackouts as leave, the
#: programme's tables as attendance): on PostgreSQL, only that kind is run.
IMPORTED_AS_ANOTHER = {
    f"import {kind}"
    for kind in ("visitors", "blackouts", "activities", "projects", "project_households")
}

#: Commands run on a database with nothing in it.
ON_AN_EMPTY_DATABASE = {"demo"}


@functools.cache
def _commands() -> tuple[str, ...]:
    """The name of every command of ``doorstep`` (a group that runs, ``pair``, too)."""
    names: list[str] = []

    def walk(prefix: str, cmd: object) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            names.append(prefix)
            return
        if prefix and getattr(cmd, "invoke_without_command", False):
            names.append(prefix)
        for name, sub in subs.items():
            walk(f"{prefix} {name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return tuple(names)


def _command(case: str) -> str:
    """The command a case runs (``import visits``: ``import``)."""
    return next(c for c in sorted(_commands(), key=len, reverse=True) if case.startswith(c))


def test_every_command_is_run_here_with_another_writer_busy() -> None:
    commands = set(_commands())
    assert commands - NOT_ENTRY_POINTS.keys() == {_command(case) for case in CASES}
    assert set(CASES) >= ONLY_READ | IMPORTED_AS_ANOTHER


def test_every_kind_of_import_is_run_here_with_another_writer_busy() -> None:
    assert set(import_files("2027-01-04")) == {kind.value for kind in Imported}


@pytest.fixture
def run() -> Iterator[CliRunner]:
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_command_waits_for_another_writer_and_completes(
    name: str,
    busy_template: Programme,
    sqlite_template: Path,
    run: CliRunner,
    tmp_path: Path,
) -> None:
    empty = name in ON_AN_EMPTY_DATABASE
    first = (dt.date(2027, 1, 4) if empty else busy_template.first).isoformat()

    def command(other: str) -> Seen:
        folder = tmp_path / other.replace(" ", "_")
        folder.mkdir()
        path = copy_database(sqlite_template if empty else busy_template.path, folder / "db")
        files = {
            kind: str(write_csv(folder / f"{kind}.csv", header, rows))
            for kind, (header, rows) in import_files(first).items()
        }
        args = [a.format(first=first, out=folder / "out", **files) for a in CASES[name]]
        events = audit_events(path)
        with (
            other_writer(
                other,
                path,
                before=BEFORE_A_COMMAND,
                writes=name not in WRITES_NOTHING,
                reads=name not in READS_NO_PROGRAMME,
            ) as seen,
            pytest.MonkeyPatch.context() as mp,
        ):
            mp.setenv("DOORSTEP_DATABASE_URL", f"sqlite:///{path}")
            get_settings.cache_clear()
            result = run.invoke(app, args, catch_exceptions=False)
        assert REFUSED not in result.output
        assert result.exit_code == 0, result.output
        # Every entry point that writes records what it did or read in the trail.
        assert (audit_events(path) == events) == (name in WRITES_NOTHING)
        return seen

    in_turn(command)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "name", sorted(set(CASES) - ONLY_READ - IMPORTED_AS_ANOTHER | {READ_ON_POSTGRES})
)
def test_a_command_waits_for_another_postgresql_transaction_and_completes(
    name: str, run: CliRunner, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # See ``tests/factories/busy_postgres``.
    if name in ON_AN_EMPTY_DATABASE:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        empty_postgres(engine)
        engine.dispose()
        first = dt.date(2027, 1, 4)
    else:
        programme = request.getfixturevalue("busy_postgres")
        url, first = programme.url, programme.first
    files = {
        kind: str(write_csv(tmp_path / f"{kind}.csv", header, rows))
        for kind, (header, rows) in import_files(first.isoformat()).items()
    }
    args = [a.format(first=first, out=tmp_path / "out", **files) for a in CASES[name]]
    events = pg_audit_events(url)
    with (
        transaction_busy(url, asks=name not in WRITES_NOTHING),
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("DOORSTEP_DATABASE_URL", url)
        get_settings.cache_clear()
        result = run.invoke(app, args, catch_exceptions=False)
    assert REFUSED not in result.output
    assert result.exit_code == 0, result.output
    assert (pg_audit_events(url) == events) == (name in WRITES_NOTHING)
