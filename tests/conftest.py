"""Real databases for the tests: a migrated SQLite file and a migrated PostgreSQL database.

PostgreSQL comes from ``DOORSTEP_TEST_POSTGRES_URL`` (default: the local server, user
postgres). Elsewhere an unreachable server skips those tests with a message; with
``CI=true`` it fails them, so CI cannot pass without PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import psycopg
import pytest
import typer.testing
from sqlalchemy import Engine

from doorstep.storage.migrate import upgrade
from doorstep.storage.session import make_engine
from tests.factories.emptied import empty_postgres
from tests.factories.prebuilt import Prebuilt, prebuilt_programmes

if TYPE_CHECKING:
    from tests.factories.busy_writer import Programme
    from tests.factories.restored import Held


class PostgresProgramme(NamedTuple):
    """A PostgreSQL database holding the busy-writer tests' programme (its name), a token of
    each account by name, and H0's first planned day."""

    name: str
    tokens: dict[str, str]
    first: dt.date

    @property
    def url(self) -> str:
        return _pg_url(self.name)


def _command_lines_built_once() -> None:
    """Typer's test runner builds the whole command line again at each call (80 ms for
    Doorstep's commands: 8 of the 9.5 s a case of the commands' awkward-values test spent
    in 98 calls). What an app builds does not change between calls, so it is built once an
    app, as a process running ``doorstep`` builds it once."""
    typer.testing._get_command = functools.cache(typer.testing._get_command)  # type: ignore[attr-defined]


_command_lines_built_once()


PG_ADMIN_URL = os.environ.get(
    "DOORSTEP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _worker() -> str:
    """This test process's own name: its xdist worker and run, or its process id. Two runs at
    once on one server (a developer's and a CI job's) must not share databases: with the
    worker name alone they truncated each other's tables mid-test."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12] or str(os.getpid())
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{run}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def prebuilt(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Prebuilt:
    """A programme many tests start from, built once and copied to each
    (:mod:`tests.factories.prebuilt`)."""
    return prebuilt_programmes(sqlite_template, lambda: tmp_path_factory.mktemp("prebuilt"))


@pytest.fixture(scope="session")
def busy_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Programme:
    """The programme the busy-writer tests of the commands, the API and the pages act on
    (``tests/factories/busy_writer``), built once: each case gets a copy."""
    from tests.factories.busy_writer import busy_programme

    return busy_programme(sqlite_template, tmp_path_factory.mktemp("busy"))


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county demo (docs/cli.md's and docs/api.md's codes are its), built once into a
    SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("county") / "county.db"
    from tests.factories.doc_cli import Shell

    shell = Shell(env={"DOORSTEP_DATABASE_URL": f"sqlite:///{path}"}, skip={})
    assert shell.doorstep(["demo", "--preset", "county"]).exit_code == 0
    return path


def pg_admin() -> psycopg.Connection[Any]:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def new_database_clause(admin: psycopg.Connection[Any]) -> str:
    """How a test database is made afresh: collated by ICU's Chinese (PostgreSQL 15 and later),
    as a programme's server in China would be, not by the bytes of this machine's C.UTF-8,
    which are SQLite's order too. An order or a range that the code leaves to the
    database's collation (and should not) then shows in the tests: ``zh-Hans`` puts Han
    characters before Latin letters and sorts ``h2`` with ``H10``."""
    if admin.info.server_version < 150000:  # no ICU as a database's collation before 15
        return ""
    return " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans'"


def _create(admin: psycopg.Connection[Any], name: str, template: str | None = None) -> str:
    """A new database ``name`` (a copy of ``template``: a file copy, about 0.1 s; else made
    afresh, :func:`new_database_clause`), its URL. A copy keeps no settings of its
    template's, so each is set again."""
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    made = f' TEMPLATE "{template}"' if template else new_database_clause(admin)
    admin.execute(f'CREATE DATABASE "{name}"' + made)
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return _pg_url(name)


def _drop(name: str) -> None:
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _left_alone(admin: psycopg.Connection[Any], name: str) -> None:
    """Close what still holds ``name`` open (pooled connections of engines built on it), so
    that it can be copied."""
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """The name of a database of this test worker's own, migrated once and never opened
    after: each test database is a copy of it. Dropped at the end."""
    try:
        admin = pg_admin()
    except psycopg.OperationalError as exc:
        message = (
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}). Start it (e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or "
            "set DOORSTEP_TEST_POSTGRES_URL to an admin URL to run these tests."
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"doorstep_migrated_{_worker()}"
    with admin:
        url = _create(admin, name)
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        _left_alone(admin, name)
    yield name
    _drop(name)


@pytest.fixture(scope="session")
def postgres_url(postgres_migrated: str) -> Iterator[str]:
    """A database of this test worker's own, migrated (a copy of ``postgres_migrated``),
    emptied before each test that uses it, dropped at the end."""
    name = f"doorstep_test_{_worker()}"
    with pg_admin() as admin:
        url = _create(admin, name, postgres_migrated)
    yield url
    _drop(name)


@pytest.fixture(scope="session")
def busy_postgres_template(
    postgres_migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PostgresProgramme]:
    """The busy-writer tests' programme (``tests/factories/busy_writer``) built once into a
    PostgreSQL database of this worker's own; :func:`busy_postgres` puts it back in each
    test's. Building it took 1.7-3 s a test."""
    from tests.factories.busy_writer import build_programme

    name = f"doorstep_busy_{_worker()}"
    with pg_admin() as admin:
        url = _create(admin, name, postgres_migrated)
        tokens, first = build_programme(url, tmp_path_factory.mktemp("busy_pg"))
        _left_alone(admin, name)
    yield PostgresProgramme(name, tokens, first)
    _drop(name)


@pytest.fixture(scope="session")
def _busy_postgres_case(
    busy_postgres_template: PostgresProgramme,
) -> Iterator[tuple[PostgresProgramme, Held]]:
    """A database of this worker's own for the tests of the busy-writer tests' programme
    (a copy of it), and what the programme holds, to put back before each test."""
    from tests.factories.restored import held_rows

    name = f"doorstep_busycase_{_worker()}"
    with pg_admin() as admin:
        _create(admin, name, busy_postgres_template.name)
    yield busy_postgres_template._replace(name=name), held_rows(busy_postgres_template.url)
    _drop(name)


@pytest.fixture
def busy_postgres(
    _busy_postgres_case: tuple[PostgresProgramme, Held],
) -> PostgresProgramme:
    """The busy-writer tests' programme in PostgreSQL for this test alone: put back in a
    database of this worker's (``tests/factories/restored``: 0.1 s, where a copy made and
    dropped took 0.5-1.5 s a test on a loaded machine)."""
    from tests.factories.restored import restore

    programme, held = _busy_postgres_case
    with pg_admin() as admin:
        _left_alone(admin, programme.name)  # what a test left open holds no lock
    restore(programme.url, held)
    return programme


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a clean, migrated database: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        path = tmp_path / "doorstep.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        eng = make_engine(url)
        empty_postgres(eng)
        eng.dispose()
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def with_areas(engine: Engine, tmp_path: Path) -> Engine:
    """The engine, with a tiny area tree (R > R-C > R-C-V1, R-C-V2) imported."""
    from tests.factories.db import area_tree

    area_tree(engine, tmp_path)
    return engine


@pytest.fixture(scope="session")
def trail_watched() -> Iterator[set[str]]:
    """The keys with no label on the trail's page that audit events written in this
    process held: each writer of ``privacy/audit.py`` (its ORM event, its events sent in
    one statement, those the database writes from rows) is watched as it writes, and
    still writes."""
    from sqlalchemy import event

    from doorstep.storage.repositories import audit as audit_repo
    from doorstep.storage.tables import AuditEvent
    from tests.factories.audit import unlabelled

    found: set[str] = set()
    insert_events, events_for_rows = audit_repo.insert_events, audit_repo.events_for_rows

    def watched_insert(conn: Any, events: list[dict[str, Any]]) -> None:
        for e in events:
            found.update(unlabelled(e["detail"]))
        insert_events(conn, events)

    def watched_rows(conn: Any, **written: Any) -> None:
        found.update(unlabelled(written["detail"]))
        events_for_rows(conn, **written)

    def watched_orm(_mapper: Any, _conn: Any, target: AuditEvent) -> None:
        found.update(unlabelled(target.detail))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(audit_repo, "insert_events", watched_insert)
        mp.setattr(audit_repo, "events_for_rows", watched_rows)
        event.listen(AuditEvent, "before_insert", watched_orm)
        try:
            yield found
        finally:
            event.remove(AuditEvent, "before_insert", watched_orm)


@pytest.fixture(autouse=True)
def trail_details_labelled(trail_watched: set[str]) -> Iterator[None]:
    """Every key of an audit event's detail that a test writes has a label on the trail's
    page (``doorstep.web.labels.DETAILS``, or a table's name within a value): a test whose
    code writes a new key fails until it has one, in English and Chinese. The suite runs
    every command and route, refused too, so it finds the keys the code writes (an AST
    scan cannot: details are built across modules, from ``**`` arguments)."""
    trail_watched.clear()
    yield
    left = sorted(trail_watched)
    trail_watched.clear()
    assert not left, (
        f"audit detail keys with no label on the trail's page: {left}; add each to "
        "doorstep.web.labels.DETAILS, then `make messages` and translate it"
    )
