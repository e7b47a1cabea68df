"""Pair an area and store the answer as an open proposal; show it and what it changes."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.ids import MAX_PROPOSAL_ID
from doorstep.engine.pairing.params import NEW_ONLY, PairingParams
from doorstep.engine.pairing.problem import NONE
from doorstep.engine.pairing.result import REASONS
from doorstep.engine.progress import Progress, Silent
from doorstep.errors import InvalidInput, NotFound
from doorstep.privacy.audit import (
    record_event,
    record_events,
    record_household_events,
    record_row_events,
    record_visitor_events,
)
from doorstep.say import Say
from doorstep.services.pairing import digest as digests
from doorstep.services.pairing import moves, versions
from doorstep.services.pairing.leaving import WINDOW_KEY
from doorstep.services.pairing.scope import figures, load_scope
from doorstep.services.pairing.settings import FLAGS, check_new_only
from doorstep.services.pairing.staleness import Reason, Sees, as_seen, staleness_of, superseded
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.session import take_turn

if TYPE_CHECKING:
    from doorstep.engine.pairing.solve import Mapper
from doorstep.storage.tables import Area, PairingProposal


@dataclass(frozen=True)
class ProposalView:
    id: int
    area_code: str
    status: str
    created_at: dt.datetime
    created_by: str
    params: dict[str, Any]
    figures: dict[str, Any]
    #: When a committed proposal was committed (``None``: not, or before that was kept).
    committed_at: dt.datetime | None = None
    #: What its commit did, as the pairings' rows keep it (``show`` of a committed proposal):
    #: ``started``, ``still_open`` of those, and ``ended`` by end reason.
    commit: dict[str, Any] | None = None
    # As `pair commit` would find it today (for a committed one: changed since its commit);
    # ``None`` when not checked or not known. ``stale_reason``: commit's words for why
    # (``stale_says``: the same, for a page to translate).
    stale: bool | None = None
    stale_reason: str | None = None
    stale_says: Say | None = None


@dataclass(frozen=True)
class PairChange:
    household: str
    current_visitor: str | None
    proposed_visitor: str | None
    distance_m: int | None
    reason: str | None
    #: The proposal whose commit made the current pairing, or, with none now, ended the last
    #: one (``None``: no commit did, or it cannot be told).
    now_by: int | None = None


@dataclass(frozen=True)
class ProposalPage:
    """Proposals in a scope: ``total`` of them, of which ``proposals`` are listed."""

    total: int
    proposals: list[ProposalView]


@dataclass(frozen=True)
class PairDiff:
    """What a proposal would change: ``total`` households, of which ``changes`` are listed."""

    total: int
    changes: list[PairChange]
    # As :attr:`ProposalView.stale`, :attr:`ProposalView.stale_reason` and its ``stale_says``.
    stale: bool | None = None
    stale_reason: str | None = None
    stale_says: Say | None = None


def propose(
    session: Session,
    area_code: str,
    *,
    params: PairingParams,
    actor: str,
    today: dt.date | None = None,
    mapper: Mapper | None = None,
    progress: Progress | None = None,
    new_only: bool = False,
    max_settled: int | None = None,
) -> ProposalView:
    """Pair the households of an area and store the answer as an open proposal.

    With ``new_only`` the area's current pairings stay and only its households without a
    visitor are paired into them
    (:func:`~doorstep.engine.pairing.new_only.pair_new_only`; ``max_settled`` bounds each
    search): an existing household moves only along a chain that makes room for a new one.
    The proposal is still a full pairing (``show``, ``diff``, ``commit`` and ``explain`` read
    it as any other); its figures add ``mode``, ``new``, ``released`` and ``exact``, and
    ``certified`` is false (exact for the insertion, not the least cost of the area).
    """
    # The solvers (numba, OR-Tools) here, not at the module's import: showing, explaining or
    # committing a proposal reads this module but solves nothing.
    from doorstep.engine.pairing.new_only import pair_new_only
    from doorstep.engine.pairing.solve import solve

    check_new_only(new_only, max_settled=max_settled, balance_m=params.balance_m, names=FLAGS)
    today = today or dt.date.today()
    t0 = time.perf_counter()
    progress = progress or Silent()
    # Before the area is read: a write landing meanwhile leaves the count kept too low.
    writes = repo.input_writes(session.connection())
    scope = load_scope(session, area_code, today=today, max_m=params.max_m, progress=progress)
    if scope.problem.n_households == 0:
        # An empty proposal would only be noise to review and commit.
        raise NotFound(
            Say(
                "area %(area)s has no households (in it or in the areas below it); import "
                "households first: %(how)s",
                area=area_code,
                how=remedies.import_file("households"),
            )
        )
    stored: dict[str, Any] = {
        "max_km": params.max_km,
        "keep_km": params.keep_km,
        "balance_m": params.balance_m,
        "today": today.isoformat(),
        **digests.stored_params(scope.households, scope.visitors, scope.exclusions, today),
        **moves.stored_params(session.connection(), scope.area_id),
        versions.WRITES_KEY: writes,
        # Who is leaving depends on the day and the programme's cadence, not in the digest.
        WINDOW_KEY: scope.window.stored(),
    }
    # A visitor leaving within the programme's most days between visits may leave before a
    # household's first visit is due: the problem gave them no new households, and the
    # figures count those they keep.
    leaving = scope.leaving_days
    if new_only:
        inserted = pair_new_only(
            scope.problem, params=params, max_settled=max_settled, progress=progress
        )
        result = inserted.result
        figs = figures(
            scope,
            result,
            time.perf_counter() - t0,
            summary=inserted.summary(),
            today=today,
            leaving_days=leaving,
        )
        stored |= {"mode": NEW_ONLY, "max_settled": max_settled}
    else:
        result = solve(scope.problem, params=params, mapper=mapper, progress=progress)
        figs = figures(scope, result, time.perf_counter() - t0, today=today, leaving_days=leaving)
    # Its staleness is checked at its commit (its digest): what it read need not be current
    # still, and on SQLite a solve of minutes is not refused for any write meanwhile.
    take_turn(session.connection())
    proposal = PairingProposal(
        area_id=scope.area_id,
        created_by=actor,
        status="open",
        params=stored,
        figures=figs,
        inputs_digest=scope.digest,
    )
    session.add(proposal)
    session.flush()
    # Database ids of the chosen visitors, 0 for none (an area may have no visitors at all).
    vids = np.append(scope.visitors["id"].to_numpy(), 0)
    visitor = result.visitor
    codes = result.reason_codes
    pairs = pl.DataFrame(
        {
            "proposal_id": np.full(len(visitor), proposal.id, dtype=np.int64),
            "household_id": scope.households["id"].to_numpy(),
            "visitor_id": vids[np.where(visitor != NONE, visitor, len(vids) - 1)],
            "distance_m": result.distance_m,
            "reason": [REASONS[c - 1].value if c else "" for c in codes.tolist()],
        }
    ).with_columns(
        pl.when(pl.col("visitor_id") > 0).then(pl.col("visitor_id")).alias("visitor_id"),
        pl.when(pl.col("distance_m") >= 0).then(pl.col("distance_m")).alias("distance_m"),
        pl.when(pl.col("reason") != "").then(pl.col("reason")).alias("reason"),
    )
    progress.stage(f"storing {pairs.height:,} proposed pairs", pairs.height)
    bulk.insert_rows(session.connection(), "proposed_pairs", pairs, on_rows=rows_progress(progress))
    record_event(
        session,
        actor=actor,
        action="create",
        entity="pairing_proposal",
        entity_id=str(proposal.id),
        detail={
            "area": area_code,
            # Whose data the proposal read: the visitors considered may live outside the area.
            "households": scope.problem.n_households,
            "visitors": scope.problem.n_visitors,
            "paired": figs["paired"],
            **({"mode": NEW_ONLY} if new_only else {}),
        },
    )
    # Each household the proposal read (place, languages, consent) and proposed a pair or a
    # reason for: its export lists the proposal, and its erasure redacts the event.
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=scope.households["id"],
        detail={"pairing_proposal": proposal.id},
    )
    # And each visitor it read (home, languages, capacity, caseload), in the area or not.
    record_visitor_events(
        session,
        actor=actor,
        action="read",
        visitor_ids=scope.visitors["id"],
        detail={"pairing_proposal": proposal.id},
    )
    return view_of(session, proposal)


def rows_progress(progress: Progress) -> Callable[[int], None]:
    """An ``on_rows`` for :func:`~doorstep.storage.repositories.bulk.insert_rows`, which
    tells rows written so far, for a progress stage that counts them."""
    done = [0]

    def advance(rows: int) -> None:
        progress.advance(rows - done[0])
        done[0] = rows

    return advance


def is_proposal_id(number: int) -> bool:
    """Whether a proposal could have this number: from 1 to :data:`MAX_PROPOSAL_ID`."""
    return 0 < number <= MAX_PROPOSAL_ID


def get_proposal(session: Session, proposal_id: int, *, fresh: bool = False) -> PairingProposal:
    """The proposal; ``fresh`` reads it again even if the session holds it (after a lock).

    A number no proposal can have (0, negative, beyond the column) is bad input, not one
    that was not found: it is a mistake in what was typed, on every database alike.
    """
    if not is_proposal_id(proposal_id):
        raise InvalidInput(
            Say(
                "%(number)s is not a proposal number: they run from 1 to %(most)s",
                number=proposal_id,
                most=f"{MAX_PROPOSAL_ID:,}",
            )
        )
    proposal = session.get(PairingProposal, proposal_id, populate_existing=fresh)
    if proposal is None:
        raise NotFound(Say("no pairing proposal %(number)s", number=proposal_id))
    return proposal


def view_of(session: Session, p: PairingProposal) -> ProposalView:
    code = session.execute(select(Area.code).where(Area.id == p.area_id)).scalar_one()
    return ProposalView(
        p.id, code, p.status, p.created_at, p.created_by, p.params, p.figures, p.committed_at
    )


def list_proposals(
    session: Session,
    *,
    under: str | None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ProposalPage:
    """The proposals for areas within the area path ``under`` (``None``: every area), newest
    first, with their figures as stored: whether one is stale is checked when it is shown
    (:func:`show`), as reading each area again would cost a read per proposal. Not audited:
    a proposal's figures are counts, and its creator an account or user, not a person
    visited."""
    total, rows = repo.proposals_under(session.connection(), under, status, limit, offset)
    views = [
        ProposalView(
            r["id"],
            r["code"],
            r["status"],
            r["created_at"],
            r["created_by"],
            r["params"],
            r["figures"],
            r["committed_at"],
        )
        for r in rows
    ]
    return ProposalPage(total, views)


def staleness(
    session: Session,
    proposal: PairingProposal,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    sees: Sees | None = None,
) -> tuple[bool | None, Reason | None]:
    """Whether `pair commit` would refuse the proposal as stale on ``today`` (default: the
    real date), and its reason: the check `pair explain` makes, for `pair show` and `pair
    diff`, so a coordinator hears of it before reviewing, not at the commit. The caller
    that shows the reason records a read under each visitor it names
    (:func:`record_named`). A reason naming a visitor the account may not see (``sees``;
    ``None``: the operator, who sees everyone) names no one (:func:`.staleness.as_seen`).

    A superseded proposal is stale for its status; an open one is compared with what it was
    computed from, a committed one with what its commit left (``None``: cannot be told); a
    discarded one is not checked (``None``). When nothing it read can have changed
    (:func:`.versions.unchanged`) the area is not read; when it is read and still holds, the
    count of writes is kept so the next check need not read it.
    """
    code = view_of(session, proposal).area_code
    if proposal.status == "stale":
        return True, Reason(superseded(proposal, code))
    if proposal.status not in ("open", "committed"):
        return None, None
    today = today or dt.date.today()
    conn = session.connection()
    if versions.unchanged(conn, proposal, today):
        return False, None
    writes = repo.input_writes(conn)  # before the area: a write meanwhile keeps it low
    max_m = engine_params(proposal).max_m
    scope = load_scope(session, code, today=today, max_m=max_m, progress=progress)
    stale, reason = staleness_of(conn, proposal, scope, today)
    if stale is False:
        versions.checked(conn, proposal, writes, scope.window)
    return stale, None if reason is None else as_seen(reason, sees)


def show(
    session: Session,
    proposal_id: int,
    *,
    actor: str,
    today: dt.date | None = None,
    progress: Progress | None = None,
    sees: Sees | None = None,
) -> ProposalView:
    """A proposal's figures, whether it is stale (:func:`staleness`, whose note names only
    visitors the account ``sees``), and for a committed one what its commit started and
    ended (as the pairings keep it); audited as a read, as every read of a proposal is."""
    proposal = get_proposal(session, proposal_id)
    stale, reason = staleness(session, proposal, today=today, progress=progress, sees=sees)
    text, says = (None, None) if reason is None else (reason.text, reason.says)
    view = replace(view_of(session, proposal), stale=stale, stale_reason=text, stale_says=says)
    if view.status == "committed":
        view = replace(view, commit=repo.commit_trace(session.connection(), proposal_id))
    record_event(
        session, actor=actor, action="read", entity="pairing_proposal", entity_id=str(view.id)
    )
    # The note of why it is stale may name visitors: shown them, the user read that of them.
    record_named(session, reason, actor=actor, detail={"pairing_proposal": view.id})
    return view


def record_named(
    session: Session,
    reason: Reason | None,
    *,
    actor: str,
    detail: dict[str, Any],
    besides: frozenset[str] = frozenset(),
) -> None:
    """A ``read`` under each visitor a stale proposal's ``reason`` names (by id: whether
    they are active, and on which dates), but those in ``besides``, whose read the command
    records already: after the command's own events, so their exports list the read."""
    named = [v for v in (reason.visitors if reason else ()) if v not in besides]
    if named:
        session.flush()  # the command's own events first
        record_events(
            session, actor=actor, entity="visitor", events=[("read", v, detail) for v in named]
        )


def diff(
    session: Session,
    proposal_id: int,
    *,
    actor: str,
    limit: int | None = None,
    offset: int = 0,
    today: dt.date | None = None,
    progress: Progress | None = None,
    sees: Sees | None = None,
) -> PairDiff:
    """The households whose visitor would change, with the proposed visitor and distance
    and the commit their current pairing (or its end) comes from: how many, and ``limit``
    of them by household (all when ``None``) from the ``offset``-th, and whether the
    proposal is stale (:func:`staleness`, whose note names only visitors the account
    ``sees``). Audited: it names households and their visitors, and each one listed is read
    under their own id. A household's visitors, now and proposed, are listed by id wherever
    they live, as its file names them."""
    stale, reason = staleness(
        session, get_proposal(session, proposal_id), today=today, progress=progress, sees=sees
    )
    total, changed = repo.pair_changes(session.connection(), proposal_id, limit, offset)
    record_event(
        session,
        actor=actor,
        action="read",
        entity="pairing_diff",
        entity_id=str(proposal_id),
        detail={"households": total, "listed": changed.height}
        | ({"offset": offset} if offset else {}),
    )
    # Each household listed, with its proposed visitor: its export lists the read.
    record_household_events(
        session,
        actor=actor,
        action="read",
        household_ids=changed["household_id"],
        detail={"pairing_diff": proposal_id},
    )
    # And each visitor listed, now or proposed, once: the diff shows their ids beside the
    # households and distances, and their exports must list it as the households' do.
    shown = pl.concat([changed["visitor_id"], changed["current_visitor_id"]]).drop_nulls()
    session.flush()  # after the households'
    record_row_events(
        session,
        actor=actor,
        action="read",
        entity="visitor",
        source="visitors",
        key="external_id",
        ids=shown,
        detail={"pairing_diff": proposal_id},
    )
    # And each its note of why the proposal is stale names, if not listed already.
    listed = frozenset(pl.concat([changed["visitor"], changed["current_visitor"]]).drop_nulls())
    record_named(session, reason, actor=actor, detail={"pairing_diff": proposal_id}, besides=listed)
    return PairDiff(
        total,
        [
            PairChange(
                r["household"],
                r["current_visitor"],
                r["visitor"],
                r["distance_m"],
                r["reason"],
                r["now_by"],
            )
            for r in changed.iter_rows(named=True)
        ],
        stale,
        None if reason is None else reason.text,
        None if reason is None else reason.says,
    )


def engine_params(proposal: PairingProposal) -> PairingParams:
    p = proposal.params
    # A proposal stored before fractions were refused was solved with its balance rounded.
    balance_m = round(p["balance_m"])
    return PairingParams(max_km=p["max_km"], keep_km=p["keep_km"], balance_m=balance_m)
