"""Audit events: typed records written in the same transaction as the change they record.

Whose id an event is under, and whom it names, follows one rule, so that a person's
erasure leaves the trail no way back to them (docs/cli.md, "A household's data"):

* What a command reads, writes or exports of a person is recorded under that person's own
  id (entity ``household``, ``consent`` or ``pairing_explanation`` for a household,
  ``visitor`` for a visitor): their export lists it, their erasure clears its detail.
* A refusal whose message names people (:attr:`~doorstep.errors.DoorstepError.named`)
  shows the user their ids, so a ``read`` is recorded under each of them, whether or not
  the command records its attempts (:func:`record_named_reads`); the attempt's own event,
  which no erasure of theirs finds, keeps the line without them
  (:attr:`~doorstep.errors.Named.unnamed`: "a household", "a visitor").
* An erased person is named in no new event: nothing is recorded under an erased
  visitor's id (:func:`record_events` and :func:`record_row_events` leave them out, as a
  household's export does), and an erased household has no row left to read. The id may
  still be shown where it is part of a household's record (its pairings and visits), and
  the household's own events keep it, as its export does.
* The one event of another that names a household, a visitor's exclusion event
  (``{"table": "exclusions", "household": ID}``), says ``"erased household"`` once the
  household is erased (:data:`~doorstep.domain.ids.ERASED_HOUSEHOLD`), a text no
  household id may be.
* A read that shows no one's personal data writes no event: the lists of accounts,
  activities, projects and pairing proposals (figures, areas and the account that made
  each), the cadence, the caller's own account. A proposal's pairs, diff or explanation
  name households and visitors and are recorded. The tests of every entry point
  (``tests/{cli,api,web}/test_busy_writer.py``, ``WRITES_NOTHING``) hold that list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, DoorstepError, InvalidInput, NotFound, NotPermitted
from doorstep.storage.base import utcnow
from doorstep.storage.repositories import audit as repo
from doorstep.storage.repositories import event_area, visitor_data
from doorstep.storage.session import take_turn, unit_of_work
from doorstep.storage.tables import AuditEvent

#: The action of an export a person asked for of everything held about them (a household's
#: or a visitor's own export), apart from ``export``, a registry file of many people: an
#: auditor counting access requests, or bulk copies, need not read every event's detail.
#: Another person an own export names (a household's visitors, a visitor's households)
#: gets an ``export`` whose detail is ``{SUBJECT_EXPORT: "household"}`` (or ``"visitor"``):
#: a copy of their data, into someone else's file.
#: Events written before it read ``export`` for both (the action column has no constraint,
#: and stored trails are not rewritten): there a ``rows`` detail without a ``file`` marks a
#: household's own export, unless its erasure redacted the detail.
SUBJECT_EXPORT = "subject_export"


#: The detail key of the one event that records an attempt that did not complete, and its
#: two values: ``refused`` (the command turned the request or its input down: bad rows, an
#: unknown id, a visitor who still has households) or ``failed`` (it broke off: a file that
#: could not be written, a database error, an interrupt). An event without it records what
#: was done.
OUTCOME = repo.OUTCOME
REFUSED, FAILED = repo.OUTCOMES


@dataclass(frozen=True)
class Attempt:
    """What a command is about to do, to record should it not complete: its own event's
    action, entity, id and detail. ``quote``: whether the error's message may go into the
    trail (not an import's: its messages quote cells of the file, names among them)."""

    actor: str
    action: str
    entity: str
    entity_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    quote: bool = True
    #: A visitor the attempt is about as well, and the detail of their event: the attempt is
    #: recorded under their id too (with the same outcome and error), so that their export
    #: lists it as it lists the change done; only when a visitor of that id is on record, and
    #: not erased, as an id typed wrong is no one's.
    visitor: tuple[str, dict[str, Any]] | None = None


def interrupt_behind(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C ``error`` stands for, if any: the interrupt itself, or the
    ``SystemError`` a compiled kernel (numba) raises when the interrupt arrives while it
    runs ("returned a result with an exception set"), caused by it."""
    if isinstance(error, KeyboardInterrupt):
        return error
    cause = error.__cause__ or error.__context__
    return (
        cause if isinstance(error, SystemError) and isinstance(cause, KeyboardInterrupt) else None
    )


def attempt_detail(attempt: Attempt, error: BaseException) -> dict[str, Any]:
    """The attempt's detail with how it ended and why, in one line."""
    refused = isinstance(error, NotFound | Conflict | NotPermitted | InvalidInput)
    why: dict[str, Any] = {"error": type(interrupt_behind(error) or error).__name__}
    rows = getattr(error, "errors", None)  # an import's rejection: how many errors it found
    if isinstance(rows, list):
        why["errors"] = len(rows)
    elif attempt.quote and isinstance(error, DoorstepError):
        why = {"error": error.stored_line.strip().splitlines()[0]}
    return {**attempt.detail, OUTCOME: REFUSED if refused else FAILED, **why}


def record_attempt(engine: Engine, attempt: Attempt, error: BaseException) -> bool:
    """Record, in a transaction of its own, an attempt that ``error`` ended: one event, the
    command's own with an :data:`OUTCOME`. Called after the command's transaction rolled
    back (it wrote nothing, and this says someone tried), or after an export's events were
    committed and its file could not be written (this says no file was made). Whether it
    was recorded: a database that refused the command may refuse this too, and the
    command's own error is what its user must see. An :attr:`Attempt.visitor` on record
    gets a second event, under their id; and each person the error's message names
    (:attr:`~doorstep.errors.DoorstepError.named`) a ``read`` under theirs, after them: the
    command was refused, but its user read what the message says of them."""
    try:
        with unit_of_work(engine) as session:
            detail = attempt_detail(attempt, error)
            record_event(
                session,
                actor=attempt.actor,
                action=attempt.action,
                entity=attempt.entity,
                entity_id=attempt.entity_id,
                detail=detail,
            )
            theirs = attempt.visitor
            if theirs is not None and visitor_data.on_record(session.connection(), theirs[0]):
                how = {k: v for k, v in detail.items() if k not in attempt.detail}
                record_event(
                    session,
                    actor=attempt.actor,
                    action=attempt.action,
                    entity="visitor",
                    entity_id=theirs[0],
                    detail={**theirs[1], **how},
                )
            session.flush()  # the attempt's events first
            _named_reads(session, attempt.actor, error)
    except SQLAlchemyError:
        return False
    return True


def record_named_reads(engine: Engine, actor: str, error: BaseException) -> bool:
    """For a command that records no attempt (a ``pair show`` or ``pair explain``), refused
    with a message that names people: a ``read`` under each of them, in a transaction of
    its own after the rollback, as :func:`record_attempt` records for the others. Whether
    it was recorded (nothing to record counts as done)."""
    if not isinstance(error, DoorstepError) or not error.named:
        return True
    try:
        with unit_of_work(engine) as session:
            _named_reads(session, actor, error)
    except SQLAlchemyError:
        return False
    return True


def _named_reads(session: Session, actor: str, error: BaseException) -> None:
    """A ``read`` under each person ``error``'s message names, each with its detail."""
    for named in error.named if isinstance(error, DoorstepError) else ():
        record_events(
            session,
            actor=actor,
            entity=named.entity,
            events=[("read", i, named.detail) for i in named.ids],
        )


def _recording_reads(session: Session, actions: list[str]) -> None:
    """Before the first write of a unit that has only read: a record of what it read does
    not rest on the database being still as it was, so on SQLite the unit takes its turn
    to write (:func:`~doorstep.storage.session.take_turn`) rather than being refused for
    another's write since it began reading (a page, an export, a report: their reads were
    of one snapshot). A unit that has written, or has writes waiting to be flushed, keeps
    its transaction: its writes may rest on what it read."""
    if not all(a in repo.READS for a in actions):
        return
    if session.new or session.dirty or session.deleted:
        return
    take_turn(session.connection())


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction (it commits or rolls back with it),
    its area decided by the database as it is written
    (:mod:`~doorstep.storage.repositories.event_area`)."""
    _recording_reads(session, [action])
    detail = detail or {}
    event = AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail,
        area_path=event_area.bound(entity, entity_id, detail),
    )
    session.add(event)
    return event


def record_events(
    session: Session, *, actor: str, entity: str, events: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """Events ``(action, entity_id, detail)`` in the order given, in one statement: an
    import of a backlog of visits names each visit's household with its own detail, and
    one ORM object per event cost more than the rest of the import. None under an erased
    visitor's id (see the module's rule)."""
    if entity == "visitor" and events:
        erased = visitor_data.erased_ids(session.connection())
        events = [e for e in events if e[1] not in erased]
    if not events:
        return
    _recording_reads(session, [a for a, _, _ in events])
    at = utcnow()
    repo.insert_events(
        session.connection(),
        [
            {"at": at, "actor": actor, "action": a, "entity": entity, "entity_id": i, "detail": d}
            for a, i, d in events
        ],
    )


def record_row_events(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    source: str,
    key: str,
    ids: pl.Series,
    detail: dict[str, Any] | None = None,
) -> None:
    """One event per row of table ``source`` with an id in ``ids``, ``entity_id`` being the
    row's ``key``: a bulk write names everyone it wrote, at the cost of one statement.
    None under an erased visitor's id (see the module's rule)."""
    _recording_reads(session, [action])
    if entity == "visitor" and source == "visitors" and ids.len():
        erased = visitor_data.erased_row_ids(session.connection())
        if erased:
            ids = ids.filter(~ids.is_in(pl.Series(sorted(erased), dtype=ids.dtype).implode()))
    repo.events_for_rows(
        session.connection(),
        source=source,
        key=key,
        ids=ids,
        at=utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        detail=detail or {},
    )


def record_household_events(
    session: Session,
    *,
    actor: str,
    action: str,
    household_ids: pl.Series,
    detail: dict[str, Any],
) -> None:
    """One event per household of ``household_ids`` (database ids), after the event of the
    command that read or wrote them (it says what was done; these say to whom, under the
    entity and id that a household's export lists and its erasure redacts). Written by the
    database in one statement, as a region's command names a million and more."""
    session.flush()  # the command's own event first
    record_row_events(
        session,
        actor=actor,
        action=action,
        entity="household",
        source="households",
        key="external_id",
        ids=household_ids,
        detail=detail,
    )


def record_visitor_events(
    session: Session,
    *,
    actor: str,
    action: str,
    visitor_ids: pl.Series,
    detail: dict[str, Any],
) -> None:
    """:func:`record_household_events` for visitors (database ids): a proposal reads their
    homes, languages and caseloads, a commit starts and ends their pairings, a plan writes
    their visits, and their exports must list it as the households' do. None under an
    erased visitor's id."""
    session.flush()  # the command's own event, and the households', first
    record_row_events(
        session,
        actor=actor,
        action=action,
        entity="visitor",
        source="visitors",
        key="external_id",
        ids=visitor_ids,
        detail=detail,
    )
