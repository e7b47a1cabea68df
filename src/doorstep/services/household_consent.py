"""A household's consent act recorded one at a time: at the door, on the phone, by letter.

`import households` records acts for a whole registry; this records one household's new act
without its whole row. The act in force moves to the household's history
(``consent_records``, with the day it was entered and the day it was replaced; an undated
one dated by the day it was entered: :func:`replaced_act_day`), and the new act is entered
today (``consent_entered_on``, migration 0028); a household that no longer consents has its
planned visits taken off at once, as the import does
(:func:`~doorstep.services.importing.unsettled.cancel_unconsented`).

An act sent from a phone carries the id the phone gave it (``client_id``): it is kept with
the act and its answer (``consent_client_ids``: the act, the one it replaced, and how many
planned visits it cancelled and stays it cut short), so an act sent again under it (a
reload, a double tap, a send whose answer was lost) is answered as it was the first time,
its notes said again after one saying it was recorded already, and not recorded twice. An
act kept before migration 0027 has no figures kept: its note says only that the visits it
took off, if any, were taken off then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.days import check_not_too_early
from doorstep.domain.enums import ConsentState
from doorstep.domain.lengths import EVIDENCE_MAX
from doorstep.errors import Conflict, InvalidInput
from doorstep.privacy.audit import Attempt, record_event, record_events
from doorstep.say import Code, Say
from doorstep.services.importing import unsettled
from doorstep.storage.repositories import household_data
from doorstep.storage.repositories.pairing import lock_pairings
from doorstep.storage.tables import ConsentClientId, ConsentRecord, Household


@dataclass(frozen=True)
class ConsentRecorded:
    """The act recorded, the one it replaced, and what was done about planned visits."""

    household: str
    state: str
    since: dt.date
    was: str
    was_since: dt.date | None
    #: What was done about planned visits, one sentence each (a page translates them).
    said: tuple[Say, ...] = ()
    #: True: sent again under its id, and recorded already (nothing was written).
    already: bool = False

    @property
    def notes(self) -> tuple[str, ...]:
        """:attr:`said` in English, as the command line and the API say it."""
        return tuple(s.english() for s in self.said)


def record_consent(
    session: Session,
    household: str,
    state: str,
    *,
    actor: str,
    evidence: str,
    on: dt.date | None = None,
    today: dt.date | None = None,
    client_id: str | None = None,
) -> ConsentRecorded:
    """Record that ``household``'s consent is ``state`` (given, withdrawn, pending) from
    ``on`` (default ``today``), resting on ``evidence``.

    ``client_id``, the id the device that sent the act gave it, is kept with the act: sent
    again under it with the same household, state and evidence (and day, if ``on`` is
    given), the act recorded then is answered (``already``), its notes those of the first
    answer after one saying so, read in the trail under the household, and nothing is
    written.

    Raises
    ------
    InvalidInput
        An unknown state, no evidence, an act after today or dated before the act in force
        (a form signed before the last act is filed by ``import households``, which places
        it in the history).
    NotFound
        No such household (or it was erased).
    Conflict
        The act in force already says so; or ``client_id`` is stored for another act.
    """
    today = today or dt.date.today()
    given_on = on
    on = on or today
    if state not in {s.value for s in ConsentState}:
        raise InvalidInput(
            Say(
                "unknown consent %(state)s: one of %(states)s",
                state=repr(state),
                states=", ".join(s.value for s in ConsentState),
            )
        )
    evidence = evidence.strip()
    if not evidence or len(evidence) > EVIDENCE_MAX:
        raise InvalidInput(
            Say(
                "say what the act rests on (a signed form, a call, a letter) in 1 to "
                "%(most)s characters",
                most=EVIDENCE_MAX,
            )
        )
    check_not_too_early(on, Say("the act's day"))
    if on > today:
        raise InvalidInput(
            Say(
                "the act is dated %(on)s, after today (%(today)s): record it once made",
                on=on,
                today=today,
            )
        )
    conn = session.connection()
    lock_pairings(conn)  # a pairing commit reads consent: it sees all of this or none
    row = conn.execute(
        select(
            Household.id,
            Household.consent_state,
            Household.consent_since,
            Household.consent_recorded_by,
            Household.consent_evidence,
            Household.consent_entered_on,
        ).where(Household.external_id == household)
    ).one_or_none()
    if row is None:
        raise household_data.not_found(conn, household)
    hid, was, was_since, was_by, was_evidence, was_entered = row
    if client_id is not None:
        # After the lock: two sends of one act at once record it once.
        before = _sent_again(session, client_id, hid, household, state, evidence, given_on, actor)
        if before is not None:
            return before
    if was == state:
        raise Conflict(
            Say(
                "household %(household)s's consent is %(state)s already since %(since)s",
                household=household,
                state=Code(state),
                since=was_since,
            )
            if was_since
            else Say(
                "household %(household)s's consent is %(state)s already",
                household=household,
                state=Code(state),
            )
        )
    if was_since is not None and on < was_since:
        raise InvalidInput(
            Say(
                "the act is dated %(on)s, before the act in force (%(was)s since %(since)s); "
                "an earlier act is filed in the household's history by %(how)s",
                on=on,
                how=remedies.import_by("households", "`doorstep import households`"),
                was=Code(was),
                since=was_since,
            )
        )
    conn.execute(
        insert(ConsentRecord).values(
            household_id=hid,
            action=was,
            recorded_on=replaced_act_day(was_since, was_entered, today),
            recorded_by=was_by or "",
            evidence=was_evidence or "",
            entered_on=was_entered,
            replaced_on=today,
        )
    )
    conn.execute(
        update(Household)
        .where(Household.id == hid)
        .values(
            consent_state=state,
            consent_since=on,
            consent_recorded_by=actor,
            consent_evidence=evidence,
            consent_entered_on=today,
        )
    )
    record_event(
        session,
        actor=actor,
        action="update",
        entity="consent",
        entity_id=household,
        detail={"consent": state, "since": on.isoformat(), "was": was},
    )
    session.flush()  # the act's own event first, then those of the visits it took off
    said: tuple[Say, ...] = ()
    cancelled = cut = 0
    if state != ConsentState.GIVEN.value:
        stopped, note = unsettled.stop_unconsented(conn, pl.Series([hid], dtype=pl.Int64), today)
        record_events(session, actor=actor, entity="household", events=list(stopped.events))
        said = () if note is None else (note,)
        cancelled, cut = stopped.cancelled.height, stopped.cut.height
    if client_id is not None:
        # With the figures its notes say, so that a resend says them again.
        session.add(
            ConsentClientId(
                client_id=client_id,
                household_id=hid,
                state=state,
                since=on,
                evidence=evidence,
                was=was,
                was_since=was_since,
                cancelled=cancelled,
                cut=cut,
            )
        )
    session.flush()
    return ConsentRecorded(household, state, on, was, was_since, said)


def replaced_act_day(since: dt.date | None, entered: dt.date | None, replaced: dt.date) -> dt.date:
    """The day a replaced act is kept with in the history (``consent_records.recorded_on``,
    from which it counts there): its date; undated, the day it was entered, from which it
    counted in force; entered before migration 0028 (not known), the day it is replaced,
    as the households import has always kept one, so that it decides no day before the
    act that replaced it (:func:`~doorstep.storage.repositories.visits.consent_on`)."""
    return since or entered or replaced


def _sent_again(
    session: Session,
    client_id: str,
    hid: int,
    household: str,
    state: str,
    evidence: str,
    on: dt.date | None,
    actor: str,
) -> ConsentRecorded | None:
    """The act stored already under ``client_id``, answered as it was, if it is this act;
    none if the id is new. Raises Conflict if the id is another act's."""
    stored = session.scalar(select(ConsentClientId).where(ConsentClientId.client_id == client_id))
    if stored is None:
        return None
    same = (stored.household_id, stored.state, stored.evidence) == (hid, state, evidence) and (
        on in (None, stored.since)
    )
    if not same:
        # Which act it is, is not said: it may be a household the caller cannot see.
        raise Conflict(
            Say(
                "consent act id %(client_id)s is stored already for another act (another "
                "household, consent, evidence or day): a new act needs a new id",
                client_id=client_id,
            )
        )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="consent",
        entity_id=household,
        detail={"client_id": client_id, "sent_again": True},
    )
    session.flush()
    return ConsentRecorded(
        household,
        stored.state,
        stored.since,
        stored.was,
        stored.was_since,
        _sent_again_notes(stored),
        already=True,
    )


def _sent_again_notes(stored: ConsentClientId) -> tuple[Say, ...]:
    """The notes of an act sent again: one saying it was recorded already, then the first
    answer's notes, said again from the figures kept with the act (the visits it cancelled
    and the stays it cut short then; not counted again, as later imports or plans may have
    changed the household's visits since)."""
    if stored.cancelled is None or stored.cut is None:
        return (_unknown_note(stored.state),)
    first = unsettled.unconsented_note(1, stored.cancelled, stored.cut)  # its one household
    if first is None:
        return (Say("This act was recorded already, when first sent: nothing was recorded again."),)
    return (
        Say(
            "This act was recorded already, when first sent: nothing was recorded again. What "
            "it did then, as first answered:"
        ),
        first,
    )


def _unknown_note(state: str) -> Say:
    """The note of an act kept before migration 0027, which kept no figures of what its
    first answer said about the visits it took off; they cannot be told again from what
    is: a visit's cancellation keeps no day, and later imports or plans may have changed
    the household's visits since. Answered with no note, a phone whose first answer was
    lost would take it that nothing was done about the visits; this says the act did its
    work when it was recorded."""
    if state == ConsentState.GIVEN.value:
        return Say("This act was recorded already, when first sent: nothing was recorded again.")
    return Say(
        "This act was recorded already, when first sent: nothing was recorded again, and the "
        "household's planned visits it took off, if any, were taken off then."
    )


def consent_attempt(actor: str, household: str, state: str) -> Attempt:
    """What recording a consent act is, recorded should it not complete: one event,
    whichever front door it came through."""
    return Attempt(actor, "update", "consent", household, detail={"consent": state})
