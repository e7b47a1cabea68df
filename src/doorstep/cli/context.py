"""The database a command works on: ``DOORSTEP_DATABASE_URL`` or the embedded SQLite file.

Every command module imports this one, ``doorstep --help`` too: the settings (pydantic),
SQLAlchemy, Alembic, psycopg and the storage layer are imported by the functions that use
them, when a command opens its database, not here (see ``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Literal, overload

import typer

from doorstep.errors import DoorstepError, InvalidInput

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from doorstep.config import Settings
    from doorstep.privacy.audit import Attempt

#: Whether the running command's unit of work has committed (:func:`session`): an
#: interrupt after that must not say the database is as it was.
SAVED: ContextVar[bool] = ContextVar("doorstep_saved", default=False)


def settings() -> Settings:
    """The process's settings, read when a command first asks (pydantic-settings is not for
    ``--help``); a value they refuse is one line naming its variable (exit 2)."""
    from pydantic import ValidationError

    from doorstep.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        said = []
        for e in exc.errors():
            name, msg = f"DOORSTEP_{str(e['loc'][0]).upper()}", str(e["msg"])
            msg = msg.removeprefix("Value error, ")
            said.append(msg if msg.startswith(name) else f"{name}: {msg}")
        raise InvalidInput("; ".join(said)) from None


def database_url() -> str:
    """``DOORSTEP_DATABASE_URL``, or the embedded SQLite file's URL."""
    return settings().database_url


def cli_today(given: str | None = None) -> dt.date:
    """The command's today: ``--today`` when given, else ``DOORSTEP_TODAY`` (demos, training,
    the docs' examples), else the machine's date. A day other than the machine's is
    recorded as pretended where ``--today`` is (``visit_records.pretended``)."""
    from doorstep.cli.common import parse_day  # common imports this module

    if given:
        return parse_day("--today", given)
    return settings().today or dt.date.today()


def shown_url(url: str) -> str:
    """The database URL as it may be printed: any password, in the user part or in the
    query, as ``***``."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(url)
    except ArgumentError:
        return repr(url)
    if "password" in u.query:
        u = u.update_query_dict({"password": "***"})
    return u.render_as_string(hide_password=True)


def cannot_use(url: str, exc: BaseException) -> DoorstepError:
    """The one line for a database that refused: the URL and the driver's first line."""
    from doorstep.storage.session import first_line

    return DoorstepError(f"cannot use the database {shown_url(url)}: {first_line(exc)}")


def check_known_revision(eng: Engine, url: str) -> None:
    """Refuse a database at a schema revision this version has no migration for."""
    from doorstep.storage.migrate import current_revision, known_revision

    current = current_revision(eng)
    if current is not None and not known_revision(eng, current):
        raise DoorstepError(
            f"the database {shown_url(url)} is at schema revision {current}, which this "
            "version of doorstep does not know (made by a newer one?); use a matching "
            "version of doorstep or another database"
        )


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn the ways a database cannot be used into one line each (exit 1)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    try:
        yield
    except (ArgumentError, NoSuchModuleError, ModuleNotFoundError) as exc:
        reason = str(exc).splitlines()[0]
        raise DoorstepError(
            f"DOORSTEP_DATABASE_URL {shown_url(url)} is not a database doorstep can use "
            f"({reason}); e.g. sqlite:///var/doorstep.db or postgresql://user@host/doorstep"
        ) from None
    except DBAPIError as exc:
        raise cannot_use(url, exc) from None
    except Exception as exc:
        if not _migration_refused(exc):
            raise
        raise DoorstepError(
            f"cannot bring the database {shown_url(url)} to this version's schema: {exc}"
        ) from None


def _migration_refused(exc: Exception) -> bool:
    """Whether ``exc`` is Alembic's refusal to migrate; never when Alembic was not loaded (a
    database at the newest revision does not load it)."""
    if "alembic" not in sys.modules:
        return False
    from alembic.util.exc import CommandError

    return isinstance(exc, CommandError)


def engine(*, migrate: bool = True) -> Engine:
    """The configured engine, its schema brought up to date first (migrations run on start)."""
    from doorstep.storage.migrate import (
        at_newest_revision,
        current_revision,
        head_revision,
        upgrade,
    )
    from doorstep.storage.session import make_engine

    url = database_url()
    with database_errors(url):
        eng = make_engine(url, busy_timeout_ms=settings().sqlite_busy_timeout_ms)
        # At the newest revision (the usual case) there is nothing to check or run, and
        # Alembic is not loaded to say so.
        if migrate and not at_newest_revision(eng):
            check_known_revision(eng, url)
            if current_revision(eng) != head_revision(eng):
                upgrade(eng)
    return eng


@contextmanager
def session(attempt: Attempt | None = None, *, writer: bool = False) -> Iterator[Session]:
    """One unit of work for one command: commit on success, roll back on any error (a
    database that stops answering, or refuses writes, is one line too). A command that
    reads or writes personal data names its ``attempt``: should it not complete, the trail
    records it, after the rollback, as refused or failed (see :func:`record_attempt`).

    ``writer``: a short command that changes records (a visit recorded, a consent act, a
    referral) takes SQLite's writer's lock at its start and waits its turn for it, as the
    API's and the pages' do, instead of being refused ("run it again") when a server wrote
    while it read. Long commands (imports, pairing, planning) take it at their first write
    (:func:`~doorstep.storage.session.take_turn`), so that they do not hold up others while
    they read and compute. Nothing changes on PostgreSQL."""
    eng = engine()
    with attempted(attempt, eng), _unit_of_work(eng, writer=writer) as s:
        yield s


@contextmanager
def attempted(attempt: Attempt | None, eng: Engine | None = None) -> Iterator[None]:
    """Record ``attempt`` as refused or failed if the block raises (a file of personal
    data that could not be written, after the events of its export were committed). A
    command with no ``attempt`` refused with a message that names people still records a
    read under each of them (:func:`~doorstep.privacy.audit.record_named_reads`)."""
    from doorstep.privacy.audit import record_attempt, record_named_reads

    try:
        yield
    except BaseException as exc:
        if attempt is not None and not _done(exc):
            record_attempt(eng or engine(), attempt, exc)
        elif isinstance(exc, DoorstepError) and exc.named:
            record_named_reads(eng or engine(), actor(), exc)
        raise


def _saved() -> None:
    SAVED.set(True)


def _done(exc: BaseException) -> bool:
    """Whether ``exc`` ends a command that completed (a clean exit, or Ctrl-C once its work
    was committed)."""
    from doorstep.storage.session import InterruptedAfterCommit

    if isinstance(exc, InterruptedAfterCommit):
        return True
    if isinstance(exc, typer.Exit):
        return exc.exit_code == 0
    return isinstance(exc, SystemExit) and exc.code in (0, None)


@contextmanager
def _unit_of_work(eng: Engine, *, writer: bool = False) -> Iterator[Session]:
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError

    from doorstep.storage.session import driver_integrity_errors, refused_write, unit_of_work

    try:
        with unit_of_work(eng, on_commit=_saved, writer=writer) as s:
            yield s
    except Exception as exc:
        # The drivers' own errors are asked for here, once the command has run: psycopg's
        # is among them once loaded (a PostgreSQL database), and never costs a SQLite one.
        refusals = (IntegrityError, OperationalError, sqlite3.OperationalError)
        if not isinstance(exc, refusals + driver_integrity_errors()):
            raise
        # Another command removed or changed a record this one read (a household erased
        # while its area was paired, say), or SQLite's one writer held the database: the
        # transaction is rolled back whole. Any other refusal: the database cannot be used.
        refused = refused_write(exc, by="command")
        if refused is not None:
            raise refused from None
        raise cannot_use(database_url(), exc) from None


@overload
def stored_id(person: Literal["household", "visitor"], given: str) -> str: ...
@overload
def stored_id(person: Literal["household", "visitor"], given: None) -> None: ...
def stored_id(person: Literal["household", "visitor"], given: str | None) -> str | None:
    """The household's or visitor's id ``given`` names, as the command then uses it (in
    its lookups, its audit events, its attempt and what it prints): ``'=X``, copied from
    an export that wrote ``=X`` so, is ``=X`` unless ``'=X`` itself is held
    (:func:`~doorstep.services.typed_ids.stored_id`). An id with no apostrophe opens no
    database; one that does is read before the command's own unit of work, which is not
    yet open, and so names the real id in its attempt."""
    if given is None:
        return None
    return stored_ids(person, [given])[0]


def stored_ids(person: Literal["household", "visitor"], given: list[str]) -> list[str]:
    """:func:`stored_id` of each of ``given``, read at once."""
    if not any(g.startswith("'") for g in given):
        return given
    from sqlalchemy.orm import Session

    from doorstep.services import typed_ids

    eng = engine()
    try:
        with database_errors(database_url()), Session(eng) as s:
            return [typed_ids.stored_id(s, person, g) for g in given]
    finally:
        eng.dispose()  # no connection kept open: an erasure's checkpoint waits for none


def actor() -> str:
    """Who is acting, for the audit trail: the operating-system user at the command line.

    The account the process runs as, not ``LOGNAME`` or ``USER``, which anyone can set to
    another name for one command (``getpass.getuser`` reads those first); that only where
    the system has no user database (Windows)."""
    try:
        import pwd  # POSIX only

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # Windows; or a uid with no entry (some containers)
        try:
            name = getpass.getuser()
        except Exception:  # no user name at all
            return "cli"
    return "cli:" + "".join(c for c in name if c.isprintable())
