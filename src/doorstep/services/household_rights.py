"""A household's rights over what is held about it: to see it all, to take it away as a
file, and to have it erased.

Both are audited. The export's event (action ``subject_export``, told apart from a registry
export's ``export`` without reading its detail) names the tables and how many rows each
held; the erasure's event keeps the household's id and those counts, and no personal data,
the details of the earlier events about it are cleared, and its visitors' events that name
it (an exclusion's, written under both people) no longer do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep.privacy.audit import SUBJECT_EXPORT, record_event, record_row_events
from doorstep.services.calendars import keep_for_calendars
from doorstep.services.rights_json import subject_export
from doorstep.storage.repositories import finding
from doorstep.storage.repositories import household_data as repo
from doorstep.storage.repositories.pairing import household_id, lock_pairings
from doorstep.storage.repositories.visitor_data import ERASED_NAME
from doorstep.storage.session import settle_after_commit, settled


def on_record(session: Session, external_id: str) -> int:
    """The household's row id; :class:`NotFound` when none has ``external_id``, saying so
    when it was erased."""
    found = household_id(session.connection(), external_id)
    if found is None:
        raise repo.not_found(session.connection(), external_id)
    return found


def export_household(session: Session, external_id: str, *, actor: str) -> dict[str, Any]:
    """Everything held about the household, table by table, ready for ``json.dumps``:
    its own row and consent acts, pairings and the proposals that proposed them, visits,
    indicators, blackouts, the activities and projects it takes part in, the area and
    visitors these name, and the audit trail's events about it. The visitors' ids and names
    go with it: each visitor gets an ``export`` event of their own (:func:`_named_visitors`).

    Takes the lock an erasure takes: an export running beside an erasure either finishes
    first (its event is then redacted with the others) or finds the household gone, never
    notes what was erased in an event written after the erasure."""
    conn = session.connection()
    lock_pairings(conn)
    household = on_record(session, external_id)
    records = repo.records(conn, household)
    exported = subject_export(
        session,
        entity="household",
        external_id=external_id,
        records=records,
        events=repo.audit_events(conn, external_id),
        actor=actor,
    )
    _named_visitors(session, records, actor=actor)
    return exported


def _named_visitors(
    session: Session, records: dict[str, list[dict[str, Any]]], *, actor: str
) -> None:
    """An ``export`` under each visitor the household's export names (their id and name,
    in a file the household takes away), after the export's own event: their export must
    list it, as it lists a registry file that copied them. The detail says a household's
    export, not whose: that the household asked for its data is the household's to know.
    An erased visitor gets none: only their id is left, which is the household's record."""
    named = [r["id"] for r in records.get("visitors", []) if r["name"] != ERASED_NAME]
    ids = pl.Series("id", named, dtype=pl.Int64)
    record_row_events(
        session,
        actor=actor,
        action="export",
        entity="visitor",
        source="visitors",
        key="external_id",
        ids=ids,
        detail={SUBJECT_EXPORT: "household"},
    )


def erase_household(
    session: Session, external_id: str, *, actor: str, today: dt.date | None = None
) -> dict[str, int]:
    """Erase the household and every row about it; returns the rows erased by table.
    The audit trail's earlier events about it keep who did what and when, and lose their
    details; its visitors' exclusion events keep their kind and say ``"erased household"``
    where they named it. The UIDs and days of its visits not over by ``today`` are kept,
    with no link to it, for the calendars of their visitors, which cancel them, until over
    (:func:`~doorstep.services.calendars.keep_for_calendars`): a phone keeps an event until
    it gets it back cancelled.

    Takes the lock a pairing commit takes, so a commit running at the same time either
    finishes first or sees the household gone (its proposal is then stale)."""
    conn = session.connection()
    lock_pairings(conn)
    household = on_record(session, external_id)
    counts = repo.counts(conn, household)
    apart = pl.Series("id", repo.excluded_visitors(conn, household), dtype=pl.Int64)
    keep_for_calendars(session, household, external_id, actor=actor, today=today or dt.date.today())
    repo.erase(conn, household)
    # Its visitors' events of its exclusions keep that there was one, not with whom.
    repo.redact_naming_events(conn, external_id)
    # The trail keeps who read or exported it and when (the staff answer for that), but not
    # what those events noted about it.
    repo.redact_audit_events(conn, external_id)
    # The database's planner statistics hold sampled values until sampled again.
    repo.refresh_statistics(conn)
    # SQLite's search index keeps the trigrams of its name and address until rewritten.
    finding.purge_erased(conn)
    # On SQLite the old rows stay in the database file until the log is checkpointed.
    settle_after_commit(session)
    record_event(
        session,
        actor=actor,
        action="delete",
        entity="household",
        entity_id=external_id,
        detail={"erased": counts},
    )
    # An exclusion is the visitor's row too: each visitor kept apart from the household
    # has it removed under their own id, naming no one (the household is erased).
    session.flush()  # the erasure's own event first
    record_row_events(
        session,
        actor=actor,
        action="update",
        entity="visitor",
        source="visitors",
        key="external_id",
        ids=apart,
        detail={"table": "exclusions", "removed": True, "erased": "household"},
    )
    session.flush()
    return counts


def still_on_disk(session: Session) -> bool:
    """After an erasure's commit: whether SQLite could not yet clear the erased rows from
    its files, because another connection was reading past the busy timeout. They go at
    SQLite's next checkpoint; the user should know that they are still there until then."""
    return settled(session) is False
