"""Recording visits: a visit as made, a planned visit as missed.

A made visit is what re-planning builds on (recorded visits are never moved, and the next
visit is due from the last one); a missed one makes the next plan pull the pairing's next
visit early. Both write a household's personal data, so both are audited, in the same
transaction, under the household's id (its export lists them, its erasure redacts them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain import visit_codes
from doorstep.domain.days import TOO_EARLY, too_early
from doorstep.domain.enums import ConsentState, VisitStatus
from doorstep.domain.visit_ids import recorded_visit_id
from doorstep.errors import Conflict, DoorstepError, InvalidInput, Named, NotFound, NotPermitted
from doorstep.privacy.audit import Attempt, record_event, record_events
from doorstep.say import Code, Said, Say
from doorstep.services.cancel_reasons import RECORDED_ON_ITS_DAYS
from doorstep.storage.repositories import exclusions as exclusions_repo
from doorstep.storage.repositories import household_data
from doorstep.storage.repositories import visit_records as repo
from doorstep.storage.repositories import visit_sync as visit_sync_repo
from doorstep.storage.repositories import visits as visits_repo
from doorstep.storage.repositories.pairing import lock_pairings
from doorstep.storage.repositories.visit_records import Clash


@dataclass(frozen=True)
class MadeVisit:
    """A visit as its visitor reports it: ``end`` is its last day (``None``: one day);
    ``visit_id`` the id a device gave it, so that syncing it again changes nothing.

    ``activities`` and ``outcome_codes`` are codes of
    :data:`~doorstep.domain.visit_codes.ACTIVITIES` and
    :data:`~doorstep.domain.visit_codes.OUTCOMES` (any case; a value may hold several,
    ``;``-separated), kept as stored: each once, in the list's order. ``None`` is not
    stated (a stored visit keeps its codes), ``()`` none. Unknown codes raise
    :class:`InvalidInput`, so no visit holds one. ``note`` is kept as an import keeps it:
    without the spaces around it (none if nothing else), and refused beyond
    :data:`~doorstep.domain.visit_codes.NOTE_MAX` characters, so that a visit recorded by
    hand exports and imports back unchanged.
    """

    household: str
    visitor: str
    start: dt.date
    end: dt.date | None = None
    note: str | None = None
    visit_id: str | None = None
    activities: tuple[str, ...] | None = None
    outcome_codes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        note = (self.note or "").strip() or None
        if note is not None and len(note) > visit_codes.NOTE_MAX:
            raise InvalidInput(
                Say(
                    "the note is too long: %(length)s characters, at most %(most)s",
                    length=len(note),
                    most=visit_codes.NOTE_MAX,
                )
            )
        object.__setattr__(self, "note", note)
        for name, vocabulary in CODES.items():
            given = getattr(self, name)
            if given is not None:
                try:
                    object.__setattr__(self, name, vocabulary.parse(given))
                except ValueError as exc:
                    said = exc.args[0] if exc.args else None
                    says = said.says if isinstance(said, Said) else str(exc)
                    raise InvalidInput(says) from None

    @property
    def last(self) -> dt.date:
        return self.end if self.end is not None else self.start

    def codes(self) -> dict[str, str | None]:
        """The code columns this visit states, as stored (none: ``None``)."""
        return {
            name: visit_codes.stored(given)
            for name in CODES
            if (given := getattr(self, name)) is not None
        }


#: A visit's code columns (``MadeVisit``'s fields of the same names) and their lists.
CODES = {"activities": visit_codes.ACTIVITIES, "outcome_codes": visit_codes.OUTCOMES}


@dataclass(frozen=True)
class Refusal:
    """Why a visit cannot be recorded: the import ``column`` it concerns, the reason
    (``says``: a page translates it) and the error a single recording raises; an import's
    errors file, which copies no personal data, gives ``redacted`` where the reason quotes
    some."""

    column: str
    says: Say
    error: type[DoorstepError]
    redacted: str = ""  # the reason without the household's data it quotes, if any
    #: The reason states that the household and the visitor are excluded (since when):
    #: what the two share, read under the visitor too (the household's is the attempt's).
    exclusion: bool = False

    @property
    def reason(self) -> str:
        """The reason in English, as an import's errors file and the command line say it."""
        return self.says.english()


@dataclass(frozen=True)
class Recorded:
    """A visit recorded: its row, and the first planned day of the planned visit it
    became (``None``: none was planned on those days, so it is a visit of its own)."""

    visit: int
    was_planned: dt.date | None
    #: The planned visit a changed visit was recorded over before, planned again as the
    #: visit is no longer it (another pairing's now, or on other days): row, first day.
    restored: tuple[int, dt.date] | None = None
    #: The visitor's other planned visits on its days, cancelled: household, first day.
    cancelled: tuple[tuple[str, dt.date], ...] = ()
    #: What was recorded of a changed visit (its activities, outcome codes: columns named)
    #: that went with it to the household, visitor or days it has now.
    carried: tuple[str, ...] = ()
    #: The id the visit is stored under (a device's, or the one :func:`record_visit` gave
    #: it), which an export writes and an import knows it by: for its visitor to quote.
    visit_id: str | None = None


class VisitStore(Protocol):
    """Where the rules read visits and write them: the database itself, one query at a
    time (:class:`DbStore`, one visit recorded), or an import's rows read in bulk and
    written in bulk (:class:`doorstep.services.importing.visit_store.Preloaded`)."""

    def pairing_over(
        self, household_id: int, visitor_id: int, first: dt.date, last: dt.date
    ) -> int | None: ...

    def consent_on_day(self, household_id: int, day: dt.date) -> str | None: ...

    def excluded_since(self, household_id: int, visitor_id: int) -> dt.date | None: ...

    def recorded_clashes(self, visitor_id: int, first: dt.date, last: dt.date) -> list[Clash]: ...

    def planned_overlapping(
        self, pairing_id: int, first: dt.date, last: dt.date, *, skip: set[int]
    ) -> tuple[int, dt.date] | None: ...

    def update_visit(self, visit_id: int, values: dict[str, Any]) -> None: ...

    def insert_visit(self, values: dict[str, Any]) -> int: ...

    def delete_visit(self, visit_id: int) -> None: ...


@dataclass(frozen=True)
class DbStore:
    """The visits as the database has them, a query per question."""

    conn: Connection

    def pairing_over(
        self, household_id: int, visitor_id: int, first: dt.date, last: dt.date
    ) -> int | None:
        return repo.pairing_over(self.conn, household_id, visitor_id, first, last)

    def consent_on_day(self, household_id: int, day: dt.date) -> str | None:
        return repo.consent_on_day(self.conn, household_id, day)

    def excluded_since(self, household_id: int, visitor_id: int) -> dt.date | None:
        found = exclusions_repo.excluded_since(self.conn, pl.Series([household_id]))
        return found.get((household_id, visitor_id))

    def recorded_clashes(self, visitor_id: int, first: dt.date, last: dt.date) -> list[Clash]:
        return repo.recorded_clashes(self.conn, visitor_id, first, last)

    def planned_overlapping(
        self, pairing_id: int, first: dt.date, last: dt.date, *, skip: set[int]
    ) -> tuple[int, dt.date] | None:
        found = repo.planned_overlapping(self.conn, pairing_id, first, last, skip=skip)
        return None if found is None else (found, repo.planned_start_of(self.conn, found))

    def update_visit(self, visit_id: int, values: dict[str, Any]) -> None:
        repo.update_visit(self.conn, visit_id, values)

    def insert_visit(self, values: dict[str, Any]) -> int:
        return repo.insert_visit(self.conn, values)

    def delete_visit(self, visit_id: int) -> None:
        repo.delete_visit(self.conn, visit_id)


def check(
    store: VisitStore,
    made: MadeVisit,
    household_id: int,
    visitor_id: int,
    *,
    today: dt.date,
    ignore: frozenset[int] = frozenset(),
) -> Refusal | int:
    """The pairing a made visit is recorded under, or why it cannot be.

    It must not end before it starts nor lie after ``today`` (a visit is recorded once
    made); a pairing of the two must hold all of its days; the two must not be excluded
    on any of its days (from the day the exclusion was made: a visit made before it stays
    a visit made); the household must consent on its first and on its last day (as the
    work lists decide consent as of a day); and no other recorded visit of the visitor (but
    those of ``ignore``) may share a day with it.
    """
    first, last = made.start, made.last
    if last < first:
        return Refusal("end", Say("ends before it starts"), InvalidInput)
    for column, day, what in (
        ("start", first, Say("its first day")),
        ("end", last, Say("its last day")),
    ):
        if (early := too_early(day, what)) is not None:
            return Refusal(column, early, InvalidInput, TOO_EARLY.english())
        if day > today:
            return Refusal(
                column,
                Say("is after today (%(today)s): record a visit once it is made", today=today),
                InvalidInput,
            )
    pairing = store.pairing_over(household_id, visitor_id, first, last)
    if pairing is None:
        return Refusal(
            "visitor_id",
            Say("the household is not paired with this visitor on every day of the visit"),
            Conflict,
        )
    since = store.excluded_since(household_id, visitor_id)
    if since is not None and last >= since:
        when = (
            Say("(the audit trail does not date the exclusion)")
            if since == exclusions_repo.UNDATED
            else Say("since %(day)s", day=since)
        )
        return Refusal(
            "visitor_id",
            Say(
                "the household and the visitor are excluded %(when)s (%(exclude)s): the "
                "visitor is not to visit the household from then on; if that is wrong, "
                "%(unexclude)s removes the exclusion",
                when=when,
                exclude=remedies.exclude(),
                unexclude=remedies.unexclude(),
            ),
            NotPermitted,
            "the household and the visitor are excluded (doorstep pair exclude) since a day "
            "of the visit or before it",
            exclusion=True,
        )
    for day in sorted({first, last}):
        state = store.consent_on_day(household_id, day)
        if state != ConsentState.GIVEN.value:
            which = "first" if day == first else "last"
            return Refusal(
                "household_id",
                Say(
                    "the household's consent is not given on %(day)s (%(state)s); a visit needs it",
                    day=day,
                    state=Code(state) if state else Say("no consent act"),
                ),
                NotPermitted,
                f"the household's consent is not given on the visit's {which} day",
            )
    clash = [c for c in store.recorded_clashes(visitor_id, first, last) if c.id not in ignore]
    if clash:
        if any((c.household_id, c.first, c.last) == (household_id, first, last) for c in clash):
            # Recorded twice (typed again, a device's second record of it): not a clash of
            # two visits, and the visitor need not hear that they were in two places.
            return Refusal(
                "start",
                Say(
                    "this visit is recorded already (%(first)s to %(last)s, the visitor at this "
                    "household): nothing to record again",
                    first=first,
                    last=last,
                ),
                Conflict,
                "the visit is recorded already",
            )
        return Refusal(
            "start",
            Say(
                "overlaps the visitor's visit recorded from %(first)s to %(last)s: a visitor "
                "makes one visit at a time",
                first=clash[0].first,
                last=clash[0].last,
            ),
            Conflict,
            "overlaps another recorded visit of the visitor: a visitor makes one visit at a time",
        )
    return pairing


def write(
    store: VisitStore,
    made: MadeVisit,
    household_id: int,
    visitor_id: int,
    pairing_id: int,
    *,
    stored: dict[str, Any] | None = None,
    claimed: set[int] | None = None,
) -> Recorded:
    """Write a checked visit over the earliest planned visit of the pairing on those days
    (the visit planned is the one made, not another), else as a new row. ``claimed`` are
    planned visits taken already by other visits of the same import.

    ``stored`` is the visit's row recorded before (same device id), as
    :func:`doorstep.storage.repositories.visit_sync.by_client_ids` gives it: the visits
    end as if the visit had been recorded as it is now in the first place. It keeps its
    row while it is still the visit planned there (same pairing, planned days it meets);
    otherwise the planned visit it was over is planned again (``restored``), and a row
    recorded on no planned days is the one written, unless a planned visit takes its place.
    """
    values = (
        repo.made_values(
            pairing_id=pairing_id,
            household_id=household_id,
            visitor_id=visitor_id,
            first=made.start,
            last=made.last,
            note=made.note,
            client_id=made.visit_id,
        )
        | made.codes()
    )
    taken = claimed if claimed is not None else set()
    own: int | None = None  # a stored row on no planned days, to be written again
    restored: tuple[int, dt.date] | None = None
    # What the visit did and found is the visit's: it goes to the row that holds it now,
    # unless the visit states it anew.
    carry = (
        {k: stored[k] for k in repo.MADE_ONLY if k not in values and stored.get(k)}
        if stored
        else {}
    )
    if stored is not None:
        own = int(stored["id"])
        was: dt.date | None = stored["planned_start"]
        if was is not None:
            if stored["pairing_id"] == pairing_id and _meets(stored, made):
                store.update_visit(own, values)  # still the visit planned on those days
                return Recorded(own, None)
            store.update_visit(own, repo.UNRECORDED)
            restored, own = (own, was), None
    found = store.planned_overlapping(pairing_id, made.start, made.last, skip=taken)
    if found is not None:
        planned, start = found
        taken.add(planned)
        if own is not None:
            store.delete_visit(own)  # the planned visit's row holds it now
        store.update_visit(planned, values | carry)
        return Recorded(planned, start, restored, carried=tuple(carry))
    if own is not None:
        store.update_visit(own, values)  # its row keeps what it recorded
        moved = stored is not None and _moved(stored, made)
        return Recorded(own, None, carried=tuple(carry) if moved else ())
    return Recorded(store.insert_visit(values | carry), None, restored, carried=tuple(carry))


def _moved(stored: dict[str, Any], made: MadeVisit) -> bool:
    """Whether a stored visit is now another household's, another visitor's, or on other
    days (not only its note changed)."""
    return bool(
        (stored["household"], stored["visitor"]) != (made.household, made.visitor)
        or (stored["actual_start"], stored["actual_end"] or stored["actual_start"])
        != (made.start, made.last)
    )


def _meets(stored: dict[str, Any], made: MadeVisit) -> bool:
    """Whether a stored visit's planned days meet the made visit's."""
    return bool(stored["planned_start"] <= made.last and stored["planned_end"] >= made.start)


def cancel_in_the_way(
    conn: Connection, recorded: pl.DataFrame, restored: Iterable[int] = ()
) -> list[tuple[str, str, dict[str, Any]]]:
    """Cancel the planned visits that visits just recorded leave their visitor unable to
    make; the audit events ``(action, household, detail)`` of the households that lose one.

    A visitor is in one household at a time: a planned stay of theirs that shares a day
    with a visit recorded for them (``recorded``: ``visitor_id, first, last``) did not
    happen, and neither did a planned visit given back to its pairing (``restored``) that
    shares a day with any. Left planned, it showed on the work lists and the visitor's
    calendar until the next plan. Each goes as a re-plan removes a planned visit: deleted,
    kept in ``cancelled_visits`` so that calendars cancel it; the next plan finds the
    household's visit gone and plans its visitor again once the household is due.
    """
    found = repo.planned_in_the_way(conn, recorded, pl.Series(list(restored), dtype=pl.Int64))
    visits_repo.delete_visits(conn, found["id"].to_list())
    return [
        (
            "update",
            str(r["household"]),
            {
                "visit": int(r["id"]),
                "visitor": str(r["visitor"]),
                "start": r["planned_start"].isoformat(),
                "end": r["planned_end"].isoformat(),
                "status": VisitStatus.CANCELLED.value,
                "reason": RECORDED_ON_ITS_DAYS,
            },
        )
        for r in found.iter_rows(named=True)
    ]


def _ids(conn: Connection, household: str, visitor: str) -> tuple[int, int]:
    h = repo.ids_by_external_id(conn, "households", [household]).get(household)
    if h is None:
        raise household_data.not_found(conn, household)
    v = repo.ids_by_external_id(conn, "visitors", [visitor]).get(visitor)
    if v is None:
        raise NotFound(Say("no visitor with id %(visitor)s", visitor=repr(visitor)))
    return h, v


def _new_visit_id(conn: Connection, made: MadeVisit) -> str:
    """The id a visit recorded by hand is stored under (:mod:`doorstep.domain.visit_ids`):
    derived from its household, visitor and first day, another only where a visit first
    recorded on that day, moved since, keeps it."""
    n = 0
    while repo.client_id_taken(
        conn, found := recorded_visit_id(made.household, made.visitor, made.start, n=n)
    ):
        n += 1
    return found


def audit_detail(
    made: MadeVisit, recorded: Recorded, *, stored: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """What a visit's audit event notes: which visit, by whom, on which days, and which of
    its code columns the write set or changed from ``stored`` (the visit's row before):
    ``codes``, named and not copied, as ``carried`` is, since the household's trail is in
    the visitor's export too, which holds nothing of what the visit did and found."""
    detail: dict[str, Any] = {
        "visit": recorded.visit,
        "visitor": made.visitor,
        "start": made.start.isoformat(),
        "end": made.last.isoformat(),
    }
    if recorded.was_planned is not None:
        detail["was_planned"] = recorded.was_planned.isoformat()
    before = stored or {}
    if written := [k for k, v in made.codes().items() if v != (before.get(k) or None)]:
        detail["codes"] = written
    if recorded.carried:  # named, not copied: the trail keeps no household's findings
        detail["carried"] = list(recorded.carried)
    return detail | extra


def pretended(today: dt.date | None) -> dict[str, Any]:
    """The audit detail of a write made as of a day other than the real one (``--today``):
    ``{"today": day}``, so that the trail shows a visit recorded ahead of its days was
    recorded under a day given by hand, not by the machine's date."""
    if today is None or today == dt.date.today():
        return {}
    return {"today": today.isoformat()}


def record_visit(
    session: Session, made: MadeVisit, *, actor: str, today: dt.date | None = None
) -> Recorded:
    """Record ``made`` as a visit made, or raise (writing nothing) saying why not.

    A planned visit of the pairing that shares a day with it becomes the recorded one
    (keeping its planned days beside the real ones), rather than being left to be planned
    again beside it; the visitor's other planned visits on its days are cancelled
    (:func:`cancel_in_the_way`). Under the pairing lock, as a plan replaces planned visits
    under it.

    Raises
    ------
    NotFound
        No such household or visitor.
    InvalidInput
        Its end is before its start, or a day of it is after ``today``.
    Conflict
        No pairing of the two holds its days, or it overlaps another recorded visit of
        the visitor.
    NotPermitted
        The household does not consent on its first or last day, or the two are excluded
        (since a day of the visit or before it).
    """
    conn = session.connection()
    lock_pairings(conn)
    household_id, visitor_id = _ids(conn, made.household, made.visitor)
    store = DbStore(conn)
    outcome = check(store, made, household_id, visitor_id, today=today or dt.date.today())
    if isinstance(outcome, Refusal):
        # An exclusion is the visitor's data too: the one the message shows (and since when)
        # is read under the visitor, as an exclusion shown by `pair exclude` is.
        named = (
            Named("visitor", (made.visitor,), {"table": "exclusions", "household": made.household})
            if outcome.exclusion
            else None
        )
        raise outcome.error(
            Say(
                "cannot record the visit of %(visitor)s to %(household)s from %(start)s: "
                "%(reason)s",
                visitor=made.visitor,
                household=made.household,
                start=made.start,
                reason=outcome.says,
            ),
            named=named,
        )
    if made.visit_id is None:
        made = dataclasses.replace(made, visit_id=_new_visit_id(conn, made))
    recorded = write(store, made, household_id, visitor_id, outcome)
    days = pl.DataFrame(
        {"visitor_id": [visitor_id], "first": [made.start], "last": [made.last]},
        schema={"visitor_id": pl.Int64, "first": pl.Date, "last": pl.Date},
    )
    cancelled = cancel_in_the_way(conn, days)
    record_event(
        session,
        actor=actor,
        action="create" if recorded.was_planned is None else "update",
        entity="household",
        entity_id=made.household,
        detail=audit_detail(
            made,
            recorded,
            status=VisitStatus.DONE.value,
            visit_id=made.visit_id,
            **pretended(today),
        ),
    )
    for action, household, detail in cancelled:
        record_event(
            session,
            actor=actor,
            action=action,
            entity="household",
            entity_id=household,
            detail=detail,
        )
    session.flush()
    return dataclasses.replace(
        recorded,
        cancelled=tuple((h, dt.date.fromisoformat(d["start"])) for _, h, d in cancelled),
        visit_id=made.visit_id,
    )


@dataclass(frozen=True)
class Missed:
    """A visit marked missed: its row, and whether it was marked so already."""

    visit: int
    already: bool


def mark_missed(
    session: Session,
    household: str,
    visitor: str,
    start: dt.date,
    *,
    actor: str,
    today: dt.date | None = None,
) -> Missed:
    """Mark the planned visit of ``household`` by ``visitor`` starting on ``start`` as
    missed; its row's id. The next plan pulls the pairing's next visit as early as it can.
    Marked again (a phone sending it twice, its first answer lost), it is left as it is
    and said to be marked already: nothing is written.

    The row stays, with the status ``missed``: re-planning reads which pairings missed a
    visit not made up since from it, and it is the honest record that the visit was due and
    did not happen. No consent is asked for: it records that no visit took place (a
    household that withdrew is not visited again, as plans and lists leave it out).
    """
    day = today or dt.date.today()
    conn = session.connection()
    lock_pairings(conn)
    household_id, visitor_id = _ids(conn, household, visitor)
    visit = repo.planned_starting(conn, household_id, visitor_id, start)
    if visit is not None and start > day:  # looked up first: one not planned says so
        raise InvalidInput(
            Say(
                "the visit starting on %(start)s has not begun (%(today)s is today): a visit "
                "is marked missed from its first day on",
                start=start,
                today=day,
            )
        )
    if visit is None:
        again = repo.planned_starting(conn, household_id, visitor_id, start, VisitStatus.MISSED)
        if again is not None:
            return Missed(again, already=True)
        made = repo.recorded_starting(conn, household_id, visitor_id, start)
        if made is not None:  # not "no such visit": it was made
            days: dt.date | Say = (
                made[0]
                if made[0] == made[1]
                else Say("%(first)s to %(last)s", first=made[0], last=made[1])
            )
            raise Conflict(
                Say(
                    "the visit of %(household)s by %(visitor)s from %(start)s was recorded as "
                    "made (on %(days)s): a visit made is not marked missed",
                    household=household,
                    visitor=visitor,
                    start=start,
                    days=days,
                )
            )
        raise NotFound(
            Say(
                "no planned visit of %(household)s by %(visitor)s starts on %(start)s",
                household=household,
                visitor=visitor,
                start=start,
            )
        )
    repo.update_visit(conn, visit, {"status": VisitStatus.MISSED.value})
    record_event(
        session,
        actor=actor,
        action="update",
        entity="household",
        entity_id=household,
        detail={
            "visit": visit,
            "visitor": visitor,
            "start": start.isoformat(),
            "status": VisitStatus.MISSED.value,
        }
        | pretended(today),
    )
    session.flush()
    return Missed(visit, already=False)


def during_leave(session: Session, visits: pl.DataFrame, *, actor: str) -> pl.DataFrame:
    """Of ``visits`` made (``row``, ``visitor``, ``start``, ``end``), those that share a day
    with their visitor's recorded leave (:func:`~doorstep.storage.repositories.visit_records.
    leave_met`): not refused, as the visit happened and the leave record may be the wrong
    one, but worth a word, since the planner keeps the visitor free those days. Each such
    visitor's leave is read under them, as the word shows it."""
    met = repo.leave_met(session.connection(), visits)
    shown = sorted(set(met["visitor"].to_list()))
    detail = {"table": "visitor_leave", "met_by": "a visit made"}
    record_events(
        session, actor=actor, entity="visitor", events=[("read", v, detail) for v in shown]
    )
    return met


def leave_during(
    session: Session, visitor: str, first: dt.date, last: dt.date, *, actor: str
) -> tuple[dt.date, dt.date] | None:
    """:func:`during_leave` of one visit: the first and last day of the visitor's leave it
    shares a day with, if any."""
    visit = pl.DataFrame({"row": [1], "visitor": [visitor], "start": [first], "end": [last]})
    met = during_leave(session, visit, actor=actor)
    return None if not met.height else (met["first"][0], met["last"][0])


def leave_words(visitor: str, first: dt.date, last: dt.date) -> str:
    """How a visit made during its visitor's leave is told."""
    return leave_said(visitor, first, last).english()


def leave_said(visitor: str, first: dt.date, last: dt.date) -> Say:
    """:func:`leave_words` as a :class:`~doorstep.say.Say`, for a page to translate."""
    return Say(
        "%(visitor)s is on leave from %(first)s to %(last)s by the records: if they worked "
        "those days, correct the leave (export leave, edit it, import leave --replace)",
        visitor=visitor,
        first=first,
        last=last,
    )


def sent_again(session: Session, made: MadeVisit, *, actor: str) -> bool:
    """Whether ``made`` is stored already under its device id (``visit_id``) as made: the
    same household, visitor and days. A device that sends a visit again, its first answer
    lost, then records nothing twice (the check is read in the trail under the household).

    Raises
    ------
    Conflict
        The id is stored for another visit: a recorded visit is changed by an import of
        visits (``doorstep import visits``), which knows it by that id.
    """
    if made.visit_id is None:
        return False
    # The lock a recording, an import of visits and a plan take before their checks, taken
    # before this one: a visit synced while it is being recorded or imported under its id
    # waits for that, then is found here (not refused as "recorded already" on its days).
    lock_pairings(session.connection())
    stored = visit_sync_repo.by_client_ids(session.connection(), [made.visit_id]).get(made.visit_id)
    if stored is None:
        return False
    same = (
        stored["status"] == VisitStatus.DONE.value
        and (stored["household"], stored["visitor"]) == (made.household, made.visitor)
        and (stored["actual_start"], stored["actual_end"]) == (made.start, made.last)
    )
    if not same:
        raise Conflict(
            Say(
                "visit id %(visit_id)s is recorded already for another household, visitor or "
                "days: a recorded visit is changed by %(how)s, which knows it by its id; a new "
                "visit needs a new id",
                visit_id=made.visit_id,
                how=remedies.import_by("visits", "`doorstep import visits`"),
            )
        )
    record_event(
        session,
        actor=actor,
        action="read",
        entity="household",
        entity_id=made.household,
        detail={"visit_id": made.visit_id, "sent_again": True},
    )
    session.flush()
    return True


def visit_attempt(
    actor: str,
    household: str,
    visitor: str,
    start: dt.date,
    status: VisitStatus,
    *,
    today: dt.date | None = None,
) -> Attempt:
    """What recording a visit made (``done``: a ``create``) or marking one missed (an
    ``update``) is, recorded should it not complete: one event, whichever front door it came
    through. ``today``: a day the caller pretends it is (:func:`pretended`)."""
    detail = {"visitor": visitor, "start": start.isoformat(), "status": status.value}
    action = "create" if status is VisitStatus.DONE else "update"
    return Attempt(actor, action, "household", household, detail=detail | pretended(today))
