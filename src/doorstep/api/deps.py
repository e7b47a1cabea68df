"""What a route is given: the database, the day, the account that calls, a unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.errors import DoorstepError, NotAuthenticated
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import Attempt, record_attempt, record_named_reads
from doorstep.services import accounts
from doorstep.storage.session import refused_write, unit_of_work


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_today(request: Request) -> dt.date:
    clock: Callable[[], dt.date] = request.app.state.today
    return clock()


EngineDep = Annotated[Engine, Depends(get_engine)]
TodayDep = Annotated[dt.date, Depends(get_today)]
_bearer = HTTPBearer(auto_error=False, description="A token from `doorstep account token`")


def get_principal(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated(
            "no token: send `Authorization: Bearer <token>` (`doorstep account token NAME`)"
        )
    with unit_of_work(engine) as session:
        return accounts.authenticate(session, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@contextmanager
def unit(
    engine: Engine,
    who: Principal,
    attempt: Attempt | None = None,
    *,
    lock_first: bool | None = None,
) -> Iterator[Session]:
    """One transaction for one request: committed when the block ends, rolled back on any
    error. An ``attempt`` that does not complete is recorded after the rollback as refused or
    failed, as at the command line; a refusal that names people records a read under each.

    A unit that changes records (an attempt that is not a read) waits, on SQLite, for the
    writer's lock at its start (``unit_of_work(writer=True)``) rather than being refused
    after its reads because another request wrote meanwhile. One that reads takes no lock
    until its audit events: they are its first write, so nothing is read before the lock
    is asked for, and reads run side by side (taking the lock at the start, every read
    waited its turn: a township's list held the others up to 10 s).

    ``lock_first=False``: a unit that writes only after long work on what it read (a
    pairing proposal: seconds of solving, its writes checked for staleness at its commit; a
    plan, which reads again under the lock if a writer committed meanwhile) takes the lock
    at its first write as the command line does, so that visits sent meanwhile are not held
    up (``None``: take it at the start when the attempt writes)."""
    writes = attempt is not None and attempt.action != "read"
    if lock_first is not None:
        writes = lock_first
    try:
        with unit_of_work(engine, writer=writes) as session:
            yield session
    except Exception as exc:
        # A record changed by another request meanwhile, or SQLite's writer busy: a refusal
        # (409) in the command line's words, not a bug.
        error = refused_write(exc, by="request") or exc
        _record(engine, who, attempt, error)
        if error is exc:
            raise
        raise error from None


def _record(engine: Engine, who: Principal, attempt: Attempt | None, error: Exception) -> None:
    if attempt is not None:
        record_attempt(engine, attempt, error)
    elif isinstance(error, DoorstepError) and error.named:
        record_named_reads(engine, who.actor, error)
