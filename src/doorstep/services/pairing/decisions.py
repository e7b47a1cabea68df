"""Commit a proposal (end the replaced pairings, start the new ones) or discard it."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.orm import Session

from doorstep.domain.enums import PairingEndReason
from doorstep.engine.pairing.result import Unpaired
from doorstep.engine.progress import Progress, Silent
from doorstep.errors import Conflict, Named
from doorstep.privacy.audit import record_event, record_household_events, record_visitor_events
from doorstep.say import Code, Say
from doorstep.services.pairing import digest as digests
from doorstep.services.pairing import versions
from doorstep.services.pairing.leaving import WINDOW_AFTER_COMMIT
from doorstep.services.pairing.proposals import (
    engine_params,
    get_proposal,
    rows_progress,
    view_of,
)
from doorstep.services.pairing.scope import Scope, digest_after_commit, load_scope
from doorstep.services.pairing.staleness import (
    COMMITTED_ON,
    DIGEST_AFTER_COMMIT,
    PARTS_AFTER_COMMIT,
    SUPERSEDED_BY,
    Sees,
    as_seen,
    differs,
    not_open,
    stale_message,
)
from doorstep.storage.base import utcnow
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories import pairing as repo


def commit(
    session: Session,
    proposal_id: int,
    *,
    actor: str,
    today: dt.date | None = None,
    progress: Progress | None = None,
    sees: Sees | None = None,
) -> dict[str, int]:
    """End the replaced pairings and start the new ones, in the caller's transaction; each
    pairing row names this proposal as the commit that started or ended it.

    The pairing lock is taken first (:func:`~doorstep.storage.repositories.pairing.
    lock_pairings`) and held until the caller's transaction ends, so a concurrent commit
    waits and then sees this one's writes. The area is read again as of ``today`` (default:
    the real date): if it no longer gives the proposal's digest (anything it was computed
    from changed, or a visitor's being active differs on ``today``), or a visitor is leaving
    on ``today`` in the programme's window who was not when it was computed, or the reverse
    (:func:`~.staleness.leaving_changed`), the proposal is stale: refused with
    :func:`~.staleness.stale_message`'s reason, naming no one when it names a visitor the
    account may not see (``sees``; ``None``: the operator, who sees everyone).
    ``progress`` hears of the read, the pairings ended and those started.
    """
    today = today or dt.date.today()
    progress = progress or Silent()
    repo.lock_pairings(session.connection())
    proposal = get_proposal(session, proposal_id, fresh=True)
    code = view_of(session, proposal).area_code
    refused = not_open(proposal, code)
    if refused is not None:
        raise Conflict(refused)
    max_m = engine_params(proposal).max_m
    writes = versions.before_commit(session.connection())
    scope = load_scope(session, code, today=today, max_m=max_m, progress=progress)
    if differs(proposal, scope):
        why = as_seen(stale_message(session.connection(), proposal, scope, today), sees)
        # The visitors it names are read by whoever is told: the refusal's record says so,
        # and the refused commit's own event keeps the words without their ids.
        read = Named("visitor", why.visitors, {"pairing_proposal": proposal_id}, why.unnamed)
        raise Conflict(why.says, named=read if why.visitors else None)
    conn = session.connection()
    pairs = repo.proposed_pairs(conn, proposal_id)
    changed = pairs.filter(pl.col("visitor_id").ne_missing(pl.col("current_visitor_id")))
    ending = changed.filter(pl.col("current_visitor_id").is_not_null())
    progress.stage(f"ending {ending.height:,} pairings", 1)
    for reason, households in _end_reasons(ending, scope, today).items():
        repo.end_pairings(conn, households, today, reason.value, proposal_id)
    progress.advance()
    starting = changed.filter(pl.col("visitor_id").is_not_null()).select(
        pl.col("visitor_id"),
        pl.col("household_id"),
        pl.lit(today).alias("started_on"),
        pl.lit(proposal_id, dtype=pl.Int64).alias("proposal_id"),
    )
    progress.stage(f"starting {starting.height:,} pairings", starting.height)
    bulk.insert_rows(conn, "pairings", starting, on_rows=rows_progress(progress))
    proposal.status = "committed"
    # When, to the moment: an open proposal computed before it and gone stale names it.
    proposal.committed_at = utcnow()
    # The commit itself changes the inputs (the current pairings), so ``inputs_digest`` no
    # longer describes the area. Keep the fingerprint of the area as the commit left it:
    # `pair explain` then warns only about changes made after the commit.
    after, parts = digest_after_commit(scope, pairs, today)
    proposal.params = {
        **proposal.params,
        DIGEST_AFTER_COMMIT: after,
        PARTS_AFTER_COMMIT: parts,
        COMMITTED_ON: today.isoformat(),
        versions.WRITES_AFTER_COMMIT: versions.after_commit(conn, writes),
        # Who is leaving as the commit left them: those of the proposal (else it is stale).
        WINDOW_AFTER_COMMIT: scope.window.stored(),
    }
    counts = {
        "ended": ending.height,
        "started": starting.height,
        "kept": pairs.height - changed.height,
    }
    # Other open proposals over this area are now stale; say so instead of leaving them open,
    # and keep which commit changed the pairings they were computed from, and how.
    repo.supersede_open_proposals(
        session.connection(),
        proposal.area_id,
        proposal_id,
        {SUPERSEDED_BY: {"proposal": proposal_id, "on": today.isoformat(), **counts}},
    )
    record_event(
        session,
        actor=actor,
        action="update",
        entity="pairing_proposal",
        entity_id=str(proposal_id),
        detail={"committed": counts},
    )
    # Whose pairing the commit ended or started (a household moved: both, one event).
    record_household_events(
        session,
        actor=actor,
        action="update",
        household_ids=changed["household_id"],
        detail={"table": "pairings", "proposal": proposal_id},
    )
    # And whose households it gave or took: the visitor's export lists the commit.
    record_visitor_events(
        session,
        actor=actor,
        action="update",
        visitor_ids=pl.concat([changed["visitor_id"], changed["current_visitor_id"]]).drop_nulls(),
        detail={"table": "pairings", "proposal": proposal_id},
    )
    session.flush()
    return counts


def _end_reasons(
    ending: pl.DataFrame, scope: Scope, today: dt.date
) -> dict[PairingEndReason, list[int]]:
    """The households whose pairing ends, by why, for the history: the household has no
    consent; else the pair was excluded since it was made (the scope's exclusions hold
    every one between its households and their current visitors); else its visitor is not
    active on ``today``; else it is left without a visitor (no one can take it now); else
    it was paired anew."""
    visitors = scope.visitors
    gone = visitors.filter(~pl.Series(digests.active(visitors, today)))["id"].implode()
    excluded = ending.join(
        scope.exclusions.rename({"visitor_id": "current_visitor_id"}),
        on=["household_id", "current_visitor_id"],
        how="semi",
    )["household_id"].implode()
    why = (
        pl.when(pl.col("reason") == Unpaired.NO_CONSENT.value)
        .then(pl.lit(PairingEndReason.CONSENT_WITHDRAWN.value))
        .when(pl.col("household_id").is_in(excluded))
        .then(pl.lit(PairingEndReason.EXCLUDED.value))
        .when(pl.col("current_visitor_id").is_in(gone))
        .then(pl.lit(PairingEndReason.VISITOR_LEFT.value))
        .when(pl.col("visitor_id").is_null())
        .then(pl.lit(PairingEndReason.NO_VISITOR.value))
        .otherwise(pl.lit(PairingEndReason.REPAIRED.value))
    )
    grouped = ending.select(pl.col("household_id"), why.alias("why"))
    return {
        PairingEndReason(w): grouped.filter(pl.col("why") == w)["household_id"].to_list()
        for w in grouped["why"].unique().sort().to_list()
    }


def discard(session: Session, proposal_id: int, *, actor: str) -> None:
    """Mark an open proposal discarded (under the commit's lock: never both at once)."""
    repo.lock_pairings(session.connection())
    proposal = get_proposal(session, proposal_id, fresh=True)
    if proposal.status != "open":
        raise Conflict(
            Say(
                "proposal %(number)s is %(status)s; only an open one is discarded",
                number=proposal_id,
                status=Code(proposal.status),
            )
        )
    proposal.status = "discarded"
    record_event(
        session,
        actor=actor,
        action="update",
        entity="pairing_proposal",
        entity_id=str(proposal_id),
        detail={"discarded": True},
    )
    session.flush()
