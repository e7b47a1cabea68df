"""Whether a proposal still describes its area, and why not, in the words `pair commit`
refuses it with (the digest itself: :mod:`doorstep.services.pairing.digest`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import TypeAlias

from sqlalchemy import Connection

from doorstep import remedies
from doorstep.engine.pairing.params import PairingParams
from doorstep.say import Code, Say, joined
from doorstep.services.pairing import digest as digests
from doorstep.services.pairing.leaving import WINDOW_AFTER_COMMIT, WINDOW_KEY, Window, flipped
from doorstep.services.pairing.moves import SUBTREE_KEY, crossings
from doorstep.services.pairing.scope import Scope, inputs_digest_of_areas
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.tables import PairingProposal

#: Key in a committed proposal's ``params``: the inputs' fingerprint right after its commit.
DIGEST_AFTER_COMMIT = "digest_after_commit"
#: Key in a committed proposal's ``params``: the date it was committed as of (ISO).
COMMITTED_ON = "committed_on"
#: Key in a committed proposal's ``params``: the digest of each frame of the inputs as its
#: commit left them (:data:`~.digest.PARTS_KEY`'s, after the commit), to name what changed.
PARTS_AFTER_COMMIT = "input_parts_after_commit"
#: Key in a superseded proposal's ``params``: the commit that superseded it, as
#: ``{"proposal": N, "on": ISO date, "started": n, "ended": n, "kept": n}``.
SUPERSEDED_BY = "superseded_by"

#: Of the visitors given, those whose data the account asking may see
#: (:func:`doorstep.privacy.access.visitors_seen`, bound to the account).
Sees: TypeAlias = Callable[[Collection[str]], AbstractSet[str]]


def seen_of(sees: Sees | None, visitors: Collection[str]) -> AbstractSet[str]:
    """Which of ``visitors`` may be shown: all of them, when no account is asking (the
    operator at the command line, who sees everyone)."""
    return set(visitors) if sees is None or not visitors else sees(visitors)


@dataclass(frozen=True)
class Reason:
    """Why a proposal is stale, in the words `pair commit` refuses it with (``says``, which a
    page translates; :attr:`text` in English), and the visitors those words name by id (at
    most five, whose being active changed): a command that shows the words records a read
    under each of them."""

    says: Say
    visitors: tuple[str, ...] = ()
    #: The words naming no one (each visitor counted, not named), as the event of a refused
    #: commit keeps them and an account that may not see a visitor named is shown them;
    #: ``None``: ``says``, which names no one.
    unnamed_says: Say | None = None

    @property
    def text(self) -> str:
        """The words in English, as the command line, the API and the trail write them."""
        return self.says.english()

    @property
    def unnamed(self) -> str | None:
        """:attr:`unnamed_says` in English."""
        return None if self.unnamed_says is None else self.unnamed_says.english()

    def without_names(self) -> Reason:
        """The reason naming no one, for whoever may not see a visitor it names."""
        return Reason(self.unnamed_says or self.says)

    def shown_to(self, seen: AbstractSet[str]) -> Reason:
        """The reason as told to whoever may see the visitors ``seen``: as it is, or naming
        no one when it names a visitor outside them (every one counted, none named: naming
        the others would tell which one is left out). Whoever shows it records a read under
        each of its :attr:`visitors`, so one withheld is read by no one."""
        return self if set(self.visitors) <= seen else self.without_names()


def as_seen(reason: Reason, sees: Sees | None) -> Reason:
    """``reason`` as the account that ``sees`` is told it (:meth:`Reason.shown_to`);
    ``sees`` ``None``: the operator's, who sees everyone."""
    return reason.shown_to(seen_of(sees, reason.visitors))


def _computed_for(day: dt.date) -> Say:
    return Say("it was computed for %(day)s", day=day)


def _committed_on(day: dt.date) -> Say:
    return Say("it was committed on %(day)s", day=day)


def _changes(
    conn: Connection,
    proposal: PairingProposal,
    scope: Scope,
    taken: digests.Taken,
    *,
    today: dt.date,
    was: Callable[[dt.date], Say],
    since: Say,
) -> digests.Changes:
    crossed = crossings(conn, proposal, scope)
    # A proposal that kept its subtree can tell the moves from the rest (older ones cannot).
    besides = crossed.told and crossed.explained and _changed_besides_moves(conn, proposal, taken)
    explained = crossed.explained and not besides
    return digests.changes(
        scope.households,
        scope.visitors,
        scope.exclusions,
        scope.area_code,
        taken,
        now=Window(today, scope.leaving_days),
        was=was,
        since=since,
        crossed=crossed.reasons(scope.area_code, since),
        explained=explained,
    )


def _changed_besides_moves(
    conn: Connection, proposal: PairingProposal, taken: digests.Taken
) -> bool:
    """Whether, on the areas the proposal's subtree held when computed (moved or not), the
    inputs differ from ``taken``: a move changes the households and visitors read for the
    area, so only there can other changes be told apart from it."""
    max_m = PairingParams(max_km=proposal.params["max_km"]).max_m
    then = inputs_digest_of_areas(
        conn, proposal.params[SUBTREE_KEY], taken.tree, as_of=taken.as_of, max_m=max_m
    )
    return then != taken.digest


def not_open(proposal: PairingProposal, area_code: str) -> Say | None:
    """Why `pair commit` refuses a proposal for its status alone (``None``: it is open)."""
    if proposal.status == "open":
        return None
    if proposal.status == "stale":  # set by the commit of another proposal for the area
        return superseded(proposal, area_code)
    return Say(
        "proposal %(number)s is %(status)s; only an open one commits",
        number=proposal.id,
        status=Code(proposal.status),
    )


def superseded(proposal: PairingProposal, area_code: str) -> Say:
    """Why `pair commit` refuses a superseded proposal (status ``stale``): which commit of
    another proposal for the area superseded it, and how (by counts: it names no one)."""
    by = proposal.params.get(SUPERSEDED_BY)
    if by is None:  # superseded before the commit was kept: which one cannot be told
        return Say(
            "proposal %(number)s is stale: it was superseded (another proposal for %(area)s was "
            "committed while it was open); only an open one commits",
            number=proposal.id,
            area=area_code,
        )
    what = (
        Say(
            "which changed the current pairings it was computed from (%(started)s started, "
            "%(ended)s ended, %(kept)s households kept)",
            started=_pairings(by["started"]),
            ended=f"{by['ended']:,}",
            kept=f"{by['kept']:,}",
        )
        if by["started"] or by["ended"]
        else Say("which kept every current pairing (%(kept)s households)", kept=f"{by['kept']:,}")
    )
    return Say(
        "proposal %(number)s is stale: it was superseded by proposal %(by)s for %(area)s, "
        "committed on %(on)s while it was open, %(what)s; only an open one commits: "
        "%(remedy)s",
        number=proposal.id,
        by=by["proposal"],
        area=area_code,
        on=by["on"],
        what=what,
        remedy=remedies.pair_again(area_code),
    )


def _pairings(n: int) -> Say:
    if n == 1:
        return Say("%(n)s pairing", n=f"{n:,}")
    return Say("%(n)s pairings", n=f"{n:,}")


def differs(proposal: PairingProposal, scope: Scope) -> bool:
    """Whether the area read into ``scope`` no longer gives the proposal's digest (one of an
    earlier format never does: it did not cover the area tree), or some visitor is leaving
    in it who was not when the proposal was computed, or the reverse (:func:`leaving_changed`),
    or which visitors were leaving then cannot be told (:data:`NO_WINDOW`)."""
    if not digests.current_format(proposal.params) or scope.digest != proposal.inputs_digest:
        return True
    then = Window.kept(proposal.params, WINDOW_KEY)
    return then is None or leaving_changed(then, scope)


def leaving_changed(then: Window, scope: Scope) -> bool:
    """Whether a visitor of ``scope`` is leaving as of its day and window and not as of the
    window ``then`` a proposal keeps, or the reverse: the problem would give them other
    places. The digest covers each visitor's last day, not the day or the window, so with the
    digest unchanged the same visitors, with the same last days, are compared."""
    return bool(flipped(scope.visitors, then, scope.window).any())


#: Why an open proposal stored without the window of its leaving visitors is stale. Stored
#: before it was kept (before visitors leaving within the cadence were kept from new
#: households, even), it may give one of them new households, and which visitors were
#: leaving in the cadence it was computed in cannot be told: taking it as computed in the
#: programme's window now (as an earlier version did) missed a `cadence set` made before
#: its first check.
NO_WINDOW = Say(
    "it was computed before doorstep kept which visitors were leaving for it (those whose "
    "last day is within the programme's days between visits get no new households), so "
    "whether it gives one of them new households cannot be told"
)


def stale_message(
    conn: Connection, proposal: PairingProposal, scope: Scope, today: dt.date
) -> Reason:
    """Why a proposal no longer holds on ``today``, in the words `pair commit` refuses it with."""
    named: tuple[str, ...] = ()
    plain: list[Say] | None = None
    if digests.current_format(proposal.params):
        changed = _changes(
            conn,
            proposal,
            scope,
            digests.Taken.of(
                proposal.inputs_digest,
                proposal.params,
                dt.date.fromisoformat(proposal.params["today"]),
            ),
            today=today,
            was=_computed_for,
            since=Say("it was computed at %(at)s", at=f"{proposal.created_at:%Y-%m-%d %H:%M}"),
        )
        since = _commits_since(conn, proposal, scope)
        unkept = [NO_WINDOW] if Window.kept(proposal.params, WINDOW_KEY) is None else []
        why, named = unkept + changed.sentences + since, changed.visitors
        plain = None if changed.unnamed is None else unkept + changed.unnamed + since
    else:
        why = [digests.OLD_FORMAT]

    def said(sentences: Sequence[str | Say]) -> Say:
        return Say(
            "proposal %(number)s is stale: %(why)s; %(remedy)s",
            number=proposal.id,
            why=joined(sentences, "; and "),
            remedy=remedies.pair_again(scope.area_code),
        )

    return Reason(said(why), named, None if plain is None else said(plain))


def _commits_since(conn: Connection, proposal: PairingProposal, scope: Scope) -> list[Say]:
    """Each commit (of another area: one of the same area supersedes the proposal) since the
    proposal was computed that changed a pairing of its households or of a visitor it
    considers, named with when and how much (commits from before migration 0008, which kept
    no time, are not told)."""
    found = repo.commits_since(
        conn, proposal.id, proposal.created_at, scope.visitors["id"].to_list()
    )
    out = []
    for other, code, at, households, visitors in found:
        what: list[Say] = []
        if households:
            what.append(Say("%(n)s of its households", n=f"{households:,}"))
        if visitors == 1:
            what.append(Say("%(n)s visitor in its reach", n=f"{visitors:,}"))
        elif visitors:
            what.append(Say("%(n)s visitors in its reach", n=f"{visitors:,}"))
        out.append(
            Say(
                "the commit of proposal %(other)s for %(area)s at %(at)s UTC changed the "
                "pairings of %(what)s",
                other=other,
                area=code,
                at=f"{at:%Y-%m-%d %H:%M}",
                what=joined(what, " and "),
            )
        )
    return out


def changed_since_commit(
    conn: Connection, proposal: PairingProposal, scope: Scope, today: dt.date
) -> Reason:
    """Why a committed proposal's pairs no longer describe the area on ``today``."""
    head = Say(
        "area %(area)s changed after proposal %(number)s was committed",
        area=scope.area_code,
        number=proposal.id,
    )
    on = proposal.params.get(COMMITTED_ON)
    if on is None:  # committed before the date was kept: what changed cannot be told
        return Reason(head)
    # The commit changed no area, nor which areas hold the households: its tree parts hold.
    # The inputs' parts are those the commit left (``input_parts`` are from before it);
    # a proposal committed before they were kept can only say that something changed.
    after = replace(
        digests.Taken.of(
            proposal.params[DIGEST_AFTER_COMMIT],
            proposal.params,
            dt.date.fromisoformat(on),
            with_parts=False,
            window_key=WINDOW_AFTER_COMMIT,
        ),
        parts=proposal.params.get(PARTS_AFTER_COMMIT),
    )
    changed = _changes(
        conn, proposal, scope, after, today=today, was=_committed_on, since=Say("its commit")
    )
    # Which commits since paired its households anew, or ended their pairing without a new
    # one, where that can be known (a pairing made otherwise names no proposal).
    more = [
        Say(
            "the commit of proposal %(other)s for %(area)s paired %(n)s of its households anew",
            other=other,
            area=code,
            n=f"{n:,}",
        )
        for other, code, n in repo.pairings_made_since(conn, proposal.id)
    ]
    more += [
        Say(
            "the commit of proposal %(other)s for %(area)s ended the pairing of %(n)s of its "
            "households without a new one",
            other=other,
            area=code,
            n=f"{n:,}",
        )
        for other, code, n in repo.pairings_ended_since(conn, proposal.id)
    ]
    why = Say("%(head)s: %(why)s", head=head, why=joined(changed.sentences + more, "; and "))
    plain = (
        None
        if changed.unnamed is None
        else Say("%(head)s: %(why)s", head=head, why=joined(changed.unnamed + more, "; and "))
    )
    return Reason(why, changed.visitors, plain)


def staleness_of(
    conn: Connection, proposal: PairingProposal, scope: Scope, today: dt.date
) -> tuple[bool | None, Reason | None]:
    """Whether the area's inputs as of ``today`` differ from the proposal's, and why.

    A superseded proposal (status ``stale``) is stale, for the reason `pair commit` gives.
    An open (or discarded) proposal is compared with what it was computed from, as `pair
    commit` on ``today`` would compare it. A committed one is compared with the area as its
    commit left it: the commit replaced the current pairings, which are part of the inputs,
    so comparing with ``inputs_digest`` would always warn. Either is stale too when a visitor
    is leaving on ``today`` who was not in the window it keeps, or the reverse
    (:func:`leaving_changed`); an open one that keeps no window is stale (:data:`NO_WINDOW`).
    Proposals committed before that fingerprint was kept, or in an earlier format of the
    digest, cannot be told (``None``), nor can one committed before its window was kept
    whose digest still holds (which visitors its commit left leaving is not known).
    """
    if proposal.status == "stale":
        return True, Reason(superseded(proposal, scope.area_code))
    if proposal.status == "committed":
        after = proposal.params.get(DIGEST_AFTER_COMMIT)
        if after is None or not digests.current_format(proposal.params):
            return None, None
        then = Window.kept(proposal.params, WINDOW_AFTER_COMMIT)
        if scope.digest == after:
            if then is None:
                return None, None
            if not leaving_changed(then, scope):
                return False, None
        return True, changed_since_commit(conn, proposal, scope, today)
    if not differs(proposal, scope):
        return False, None
    return True, stale_message(conn, proposal, scope, today)
