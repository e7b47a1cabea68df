"""A visitor's rights over what is held about them: to see it all, to take it away as a
file, and to have it erased, as a household has (:mod:`doorstep.services.household_rights`).

The households a visitor looked after keep their own records: an erasure leaves their
pairings and visits, naming a visitor row that holds nothing but its id (see
:mod:`doorstep.storage.repositories.visitor_data`). So it is refused while any household
still depends on the visitor (a current pairing, a visit to make): they are re-paired first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.days import shifted
from doorstep.errors import Conflict, NotFound
from doorstep.privacy.audit import SUBJECT_EXPORT, record_event, record_household_events
from doorstep.say import Say
from doorstep.services.rights_json import subject_export
from doorstep.storage.repositories import finding
from doorstep.storage.repositories import visitor_data as repo
from doorstep.storage.repositories.pairing import lock_pairings
from doorstep.storage.session import settle_after_commit


@dataclass(frozen=True)
class Erased:
    """What an erasure did: rows deleted (the visitor's own row, emptied, counted) and the
    households' records naming the visitor that it kept, by table."""

    erased: dict[str, int]
    kept: dict[str, int]


def on_record(session: Session, external_id: str) -> int:
    """The visitor's row id; :class:`NotFound` when none has ``external_id``, saying so
    when it was erased."""
    found = repo.find(session.connection(), external_id)
    if found is None:
        raise NotFound(Say("no visitor with id %(visitor)s", visitor=repr(external_id)))
    visitor, erased = found
    if erased:
        raise NotFound(
            Say("visitor %(visitor)s was erased: nothing about them is held", visitor=external_id)
        )
    return visitor


def export_visitor(session: Session, external_id: str, *, actor: str) -> dict[str, Any]:
    """Everything held about the visitor, table by table, ready for ``json.dumps``: their
    own row (name, home, languages, capacity, active days), team membership, leave,
    exclusions, pairings and proposed pairs, visits and cancelled visits, attendance, the
    teams, organisation, areas, proposals and activities these point to, households by id
    only, and the audit trail's events about them. Each household it names gets an
    ``export`` event of its own, after the export's (``{"subject_export": "visitor"}``, not
    whose: that the visitor asked for their data is theirs to know), as a household's export
    records one under each visitor it names.

    Takes the lock an erasure takes, so it never notes in its event what an erasure beside
    it removed."""
    conn = session.connection()
    lock_pairings(conn)
    visitor = on_record(session, external_id)
    records = repo.records(conn, visitor)
    exported = subject_export(
        session,
        entity="visitor",
        external_id=external_id,
        records=records,
        events=repo.audit_events(conn, visitor, external_id),
        actor=actor,
    )
    named = [r["id"] for r in records.get("households", [])]
    record_household_events(
        session,
        actor=actor,
        action="export",
        household_ids=pl.Series("id", named, dtype=pl.Int64),
        detail={SUBJECT_EXPORT: "visitor"},
    )
    return exported


def erase_visitor(
    session: Session, external_id: str, *, actor: str, today: dt.date | None = None
) -> Erased:
    """Erase the visitor's personal data: delete their own rows and empty their row, keeping
    the households' pairings and visits that name it (by id only from then on).

    Refused (:class:`~doorstep.errors.Conflict`) while they hold a pairing on or after
    ``today`` or have a visit planned from ``today`` on: those households would be left
    with a visitor who is no one. Takes the lock a pairing commit, a plan and a recorded
    visit take, so none of them gives the visitor a household while this checks and erases.
    """
    today = today or dt.date.today()
    conn = session.connection()
    lock_pairings(conn)
    visitor = on_record(session, external_id)
    pairings, planned = repo.still_responsible(conn, visitor, today)
    if pairings or planned:
        raise Conflict(
            Say(
                "visitor %(visitor)s still looks after households: %(pairings)s current "
                "pairing(s), %(planned)s visit(s) planned from %(today)s; re-pair them first: "
                "%(remedy)s; then erase",
                visitor=external_id,
                pairings=pairings,
                planned=planned,
                today=today,
                remedy=remedies.hand_over(external_id, shifted(today, -1)),
            )
        )
    erased, kept = repo.counts(conn, visitor)
    apart = repo.excluded_households(conn, visitor)
    repo.erase(conn, visitor, today)
    # The trail keeps who imported or exported them and when, not what those events noted.
    repo.redact_audit_events(conn, external_id)
    # The planner's statistics hold sampled values (names, places) until sampled again.
    repo.refresh_statistics(conn)
    # SQLite's search index keeps the trigrams of their name until rewritten.
    finding.purge_erased(conn)
    # On SQLite the old values stay in the write-ahead log until it is checkpointed.
    settle_after_commit(session)
    record_event(
        session,
        actor=actor,
        action="delete",
        entity="visitor",
        entity_id=external_id,
        detail={"erased": erased, "kept": kept},
    )
    # An exclusion is the household's row too: each household kept apart from the visitor
    # has it removed under its own id, naming no one (the visitor is erased).
    record_household_events(
        session,
        actor=actor,
        action="update",
        household_ids=apart,
        detail={"table": "exclusions", "removed": True, "erased": "visitor"},
    )
    session.flush()
    return Erased(erased, kept)
