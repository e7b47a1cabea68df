"""A household's consent: the act in force and every act it replaced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from doorstep.domain.enums import ConsentState
from doorstep.privacy.audit import record_event
from doorstep.storage.repositories import household_data


@dataclass(frozen=True)
class ConsentAct:
    """One act: its state and date (an act replaced without one is kept with the day it
    counted from), who recorded it on what evidence, whether it is in force, the day it was
    entered and, replaced, the day it was (none: not known, before migration 0028)."""

    state: str
    since: dt.date | None
    recorded_by: str | None
    evidence: str | None
    current: bool
    entered_on: dt.date | None = None
    replaced_on: dt.date | None = None


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def consent_history(session: Session, household: str, *, actor: str) -> list[ConsentAct]:
    """Every consent act of a household, oldest first; the last one is in force."""
    conn = session.connection()
    row = conn.execute(
        text(
            "SELECT id, consent_state, consent_since, consent_recorded_by, consent_evidence, "
            "consent_entered_on FROM households WHERE external_id = :h"
        ),
        {"h": household},
    ).one_or_none()
    if row is None:
        raise household_data.not_found(conn, household)
    past = conn.execute(
        text(
            "SELECT action, recorded_on, recorded_by, evidence, entered_on, replaced_on "
            "FROM consent_records WHERE household_id = :id ORDER BY id"
        ),
        {"id": row[0]},
    ).all()
    acts = [ConsentAct(r[0], _day(r[1]), r[2], r[3], False, _day(r[4]), _day(r[5])) for r in past]
    acts.append(ConsentAct(row[1], _day(row[2]), row[3], row[4], True, _day(row[5])))
    record_event(session, actor=actor, action="read", entity="consent", entity_id=household)
    return acts


def may_be_paired(state: str) -> bool:
    """Only a household whose consent is given may be paired and visited."""
    return state == ConsentState.GIVEN.value
