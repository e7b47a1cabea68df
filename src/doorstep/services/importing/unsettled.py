"""What an import of people leaves unsettled, taken off or said in its notes.

An import changes no pairing: a household that withdrew, or a visitor who left or has too
many households, keeps its pairings until the next commit for the area. But the visits no
one is to make go at once (:mod:`~doorstep.services.planned_ends`), and the notes say what
was cancelled and what is left to do, rather than the coordinator learning of it at the next
plan or proposal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import polars as pl
from sqlalchemy import Connection

from doorstep import remedies
from doorstep.say import Said, Say, Value, joined
from doorstep.services.cancel_reasons import CONSENT_ENDS, NO_LONGER_CONSENTS
from doorstep.services.importing.load import Written
from doorstep.services.planned_ends import Stopped, stop_after_last_day, stop_planned
from doorstep.storage.repositories import visitor_data, visits

#: The steps that hand a leaving visitor's households over, as every note on it says.
HAND_OVER = remedies.hand_over_steps()


def note_unkept_households(conn: Connection, written: Written, today: dt.date) -> Written:
    """``written`` (a visitors import), with a note naming the visitors it updated who
    now hold households they cannot keep (gone, or over their capacity): the import
    changes no pairing, and without a word the coordinator learnt of it only at the next
    proposal."""
    over = visitor_data.over_their_places(conn, written.updated, today)
    if not over.height:
        return written
    named: Value = joined([_unkept(r) for r in over.head(5).iter_rows(named=True)], ", ")
    if over.height > 5:
        named = Say("%(named)s and %(more)s more", named=named, more=over.height - 5)
    n = over.height
    note = (
        Say(
            "1 visitor now holds households they cannot keep: %(named)s; %(steps)s, hands "
            "them over.",
            named=named,
            steps=HAND_OVER,
        )
        if n == 1
        else Say(
            "%(n)s visitors now hold households they cannot keep: %(named)s; %(steps)s, hands "
            "them over.",
            n=n,
            named=named,
            steps=HAND_OVER,
        )
    )
    return replace(written, notes=(*written.notes, Said(note)))


def _unkept(r: dict[str, Any]) -> Say:
    """One visitor of :func:`note_unkept_households`: gone, or over their capacity."""
    visitor, households, capacity = r["visitor"], r["households"], r["capacity"]
    if r["left_on"] is not None:
        if households == 1:
            left = r["left_on"]
            return Say("%(visitor)s left on %(day)s (1 household)", visitor=visitor, day=left)
        return Say(
            "%(visitor)s left on %(day)s (%(n)s households)",
            visitor=visitor,
            day=r["left_on"],
            n=households,
        )
    if capacity == 1:
        return Say("%(visitor)s has %(n)s households for 1 place", visitor=visitor, n=households)
    return Say(
        "%(visitor)s has %(n)s households for %(places)s places",
        visitor=visitor,
        n=households,
        places=capacity,
    )


def cancel_past_last_day(conn: Connection, written: Written, today: dt.date) -> Written:
    """``written`` (a visitors import), with the planned visits after the last day
    (``active_to``) of the visitors it updated taken off at once
    (:func:`~doorstep.services.planned_ends.stop_after_last_day`), and a note saying how
    many and what is left to do."""
    stopped = stop_after_last_day(conn, written.updated, today)
    n, cut = stopped.cancelled.height, stopped.cut.height
    if not n and not cut:
        return written
    what = (
        Say("%(n)s planned visit after their last day cancelled", n=n)
        if n == 1
        else Say("%(n)s planned visits after their last day cancelled", n=n)
    )
    if cut:
        what = Say("%(cancelled)s, %(cut)s under way cut short", cancelled=what, cut=cut)
    leaving = _whose(stopped, "visitor")
    note = (
        Say(
            "1 visitor who leaves: %(what)s; %(steps)s, hands their households over.",
            what=what,
            steps=HAND_OVER,
        )
        if leaving == 1
        else Say(
            "%(n)s visitors who leave: %(what)s; %(steps)s, hands their households over.",
            n=leaving,
            what=what,
            steps=HAND_OVER,
        )
    )
    notes = (*written.notes, Said(note))
    return replace(written, notes=notes, events=(*written.events, *stopped.events))


def cancel_unconsented(conn: Connection, written: Written, today: dt.date) -> Written:
    """``written`` (a households import), with the planned visits not over before
    ``today`` of the households it updated that no longer consent taken off at once, as a
    plan from today would: those from the day the withdrawal counts are cancelled, and a
    stay under way that day ends the day before
    (:func:`~doorstep.services.planned_ends.stop_planned`). Their pairings stay until the
    next commit for the area ends them, which the note says."""
    stopped, note = stop_unconsented(conn, written.updated, today)
    if note is None:
        return written
    return replace(
        written,
        notes=(*written.notes, Said(note)),
        events=(*written.events, *stopped.events),
    )


def stop_unconsented(
    conn: Connection, households: pl.Series, today: dt.date
) -> tuple[Stopped, Say | None]:
    """What :func:`cancel_unconsented` does for ``households`` (their ids): the visits
    stopped, and the note that says so (none if nothing was), which a page translates."""
    found = visits.planned_not_over(conn, households, today, unconsented=True)
    stopped = stop_planned(
        conn,
        found,
        pl.col("consent_since"),
        cancelled_because=NO_LONGER_CONSENTS,
        cut_because=CONSENT_ENDS,
    )
    n, cut = stopped.cancelled.height, stopped.cut.height
    return stopped, unconsented_note(_whose(stopped, "household"), n, cut)


def unconsented_note(homes: int, cancelled: int, cut: int) -> Say | None:
    """The note of :func:`stop_unconsented`, from its figures: ``homes`` households that no
    longer consent had ``cancelled`` planned visits cancelled and ``cut`` stays under way
    cut short (none if nothing was). A consent act kept with its figures says them again
    with this when it is sent again."""
    if not cancelled and not cut:
        return None
    what = (
        Say("%(n)s planned visit cancelled", n=cancelled)
        if cancelled == 1
        else Say("%(n)s planned visits cancelled", n=cancelled)
    )
    if cut:
        what = Say("%(cancelled)s, %(cut)s under way cut short", cancelled=what, cut=cut)
    if homes == 1:
        return Say(
            "1 household that no longer consents: %(what)s; its pairing ends at the next pair "
            "commit for the area (%(how)s).",
            what=what,
            how=remedies.propose_and_commit(),
        )
    return Say(
        "%(homes)s households that no longer consent: %(what)s; their pairings end at the "
        "next pair commit for the area (%(how)s).",
        homes=homes,
        what=what,
        how=remedies.propose_and_commit(),
    )


def _whose(stopped: Stopped, column: str) -> int:
    """How many households or visitors (``column``) had visits cancelled or cut short."""
    return pl.concat([stopped.cancelled[column], stopped.cut[column]]).n_unique()
