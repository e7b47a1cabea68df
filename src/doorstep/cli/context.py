"""The database a command works on: ``DOORSTEP_DATABASE_URL`` or the embedded SQLite file."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.config import get_settings
from doorstep.storage.migrate import current_revision, head_revision, upgrade
from doorstep.storage.session import make_engine, unit_of_work


def engine(*, migrate: bool = True) -> Engine:
    """The configured engine, its schema brought up to date first (migrations run on start)."""
    eng = make_engine(get_settings().database_url)
    if migrate and current_revision(eng) != head_revision(eng):
        upgrade(eng)
    return eng


@contextmanager
def session() -> Iterator[Session]:
    """One unit of work for one command: commit on success, roll back on any error."""
    with unit_of_work(engine()) as s:
        yield s


def actor() -> str:
    """Who is acting, for the audit trail: the operating-system user at the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name (some containers)
        return "cli"
