"""Why a household got (or did not get) its visitor in a proposal, with alternatives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, case, literal, select
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.engine.pairing.explain import Alternative, Explanation, explain
from doorstep.engine.pairing.params import NEW_ONLY, PairingParams, explain_params
from doorstep.engine.pairing.problem import NONE, IntArray
from doorstep.engine.pairing.result import REASONS, PairingResult, SolveStats, Unpaired
from doorstep.engine.progress import Progress, Silent
from doorstep.errors import NotFound
from doorstep.privacy.audit import record_event, record_events
from doorstep.say import Say
from doorstep.services.pairing import versions
from doorstep.services.pairing.leaving import leaving
from doorstep.services.pairing.proposals import ProposalView, engine_params, get_proposal, view_of
from doorstep.services.pairing.scope import (
    HouseholdScope,
    Scope,
    load_household_scope,
    load_scope,
)
from doorstep.services.pairing.staleness import Reason, Sees, seen_of, staleness_of
from doorstep.storage.repositories import household_data
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.tables import Area, Household, PairingProposal, ProposedPair


@dataclass(frozen=True)
class AlternativeShown:
    """An alternative visitor as a front door shows it: its distance from the household and
    why it was not chosen (a reason code; ``as_near``: it has room and is exactly as near as
    the visitor chosen), and, unless it is withheld (its home area is outside the area of
    the account asking), its id, real caseload (its households in the proposal plus its open
    pairings outside the area) and capacity, the places it has left in the proposal's area
    (the explanation's own load and capacity count only those, what the pairing could use)
    and its last day, when that is within the programme's most days between visits: such a
    visitor has no places for new households (``full``), only for those it looks after.

    A withheld visitor is shown by its distance and reason alone: they still say why the
    household did not get a nearer visitor, while the rest would tell an account of another
    area about a person outside it (its id, how much work it has, when it leaves)."""

    distance_m: int
    why: str
    visitor: str | None = None
    caseload: int | None = None
    capacity: int | None = None
    places_left: int | None = None
    leaving_on: dt.date | None = None

    @property
    def withheld(self) -> bool:
        """Whether the visitor is outside the area of the account asking, so not named."""
        return self.visitor is None


@dataclass(frozen=True)
class HouseholdExplanation:
    proposal: ProposalView
    # The engine's explanation; its alternatives are those the account asking may see (all
    # of them, when no account is asking): show ``alternatives``, which hold the others too.
    explanation: Explanation
    # The area changed since the proposal was computed (for a committed one: since its
    # commit), as of the day explained; ``None`` when that cannot be told.
    stale: bool | None
    # No open or committed proposal covers the household, so a discarded or stale one was used.
    fallback: bool = False
    # When ``stale``: why, in the words `pair commit` refuses such a proposal with (for a
    # committed one: what changed since its commit).
    stale_reason: str | None = None
    # False: the household has left the proposal's area since (an area above it was moved,
    # or it was re-imported elsewhere); ``explanation`` is only the proposal's pair for it.
    in_area: bool = True
    # The alternatives as shown, nearest first, those the account may not see withheld.
    alternatives: tuple[AlternativeShown, ...] = ()
    # ``stale_reason`` as said, for a page to say it in its language.
    stale_says: Say | None = None


#: Statuses whose pairs are current or may become so; `pair explain` prefers them.
_LIVE = ("open", "committed")


def _latest_proposal(session: Session, household_id: int) -> tuple[int, bool] | None:
    """The proposal to explain a household by: the latest open or committed one covering it,
    else the latest of any status (``True`` second: it is such a fallback); among them, one
    whose area holds the household now before one it has left (a village's open proposal,
    made before the household moved to the next village, hid the township's committed one,
    which can still give its alternatives)."""
    live = case((PairingProposal.status.in_(_LIVE), 0), else_=1)
    where = session.scalar(
        select(Area.path)
        .join(Household, Household.area_id == Area.id)
        .where(Household.id == household_id)
    )
    holds = case((literal(where or "").startswith(Area.path), 0), else_=1)
    row = session.execute(
        select(PairingProposal.id, live)
        .join(ProposedPair, ProposedPair.proposal_id == PairingProposal.id)
        .join(Area, Area.id == PairingProposal.area_id)
        .where(ProposedPair.household_id == household_id)
        .order_by(live, holds, PairingProposal.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (int(row[0]), bool(row[1]))


def explain_household(
    session: Session,
    household: str,
    *,
    actor: str,
    proposal_id: int | None = None,
    limit: int | None = 5,
    today: dt.date | None = None,
    progress: Progress | None = None,
    sees: Sees | None = None,
) -> HouseholdExplanation:
    """Why a household got (or did not get) its visitor in a proposal, with alternatives.

    Unless ``proposal_id`` is given, the latest open or committed proposal that covers the
    household is used (a discarded or stale one only when there is no other: ``fallback``).
    The problem is rebuilt from the data as of ``today`` (default: the real date, as `pair
    commit` checks it) with the proposal's pairs; ``stale`` says when that data differs from
    what the proposal was computed from (or what its commit left), and ``stale_reason`` why:
    for an open proposal, the reason `pair commit` would refuse it with. A household the
    proposal holds that has left its area since is given as the proposal has it, without
    alternatives (``in_area`` false; the proposal is then stale, saying why). ``progress``
    hears of the read of the area, most of the time taken. ``limit`` alternatives are
    listed, nearest first (``None``: all of them).

    When nothing the proposal was computed from (for a committed one: nothing its commit
    left) can have changed (:func:`.versions.unchanged`), only what the household is near is
    read, not the whole area: the same explanation, not stale (a region: under a second
    instead of 13-19 s).

    ``sees`` (an account's scope; ``None``: the operator's, who sees everyone) tells which
    visitors' data may be shown. The household's own visitor in the proposal is shown by
    its id, as the household's file names its visitors. An alternative it does not see is
    shown by its distance and reason alone (:class:`AlternativeShown`); a note of why the
    proposal is stale that names a visitor it does not see counts them instead. The trail
    records a read of each visitor shown, and of no other.
    """
    today = today or dt.date.today()
    conn = session.connection()
    hid = repo.household_id(conn, household)
    if hid is None:
        raise household_data.not_found(conn, household)
    fallback = False
    if proposal_id is None:
        found = _latest_proposal(session, hid)
        if found is None:
            raise NotFound(
                Say(
                    "household %(household)s is in no pairing proposal yet; %(remedy)s",
                    household=repr(household),
                    remedy=remedies.pair_first(),
                )
            )
        proposal_id, fallback = found
    proposal = get_proposal(session, int(proposal_id))
    view = view_of(session, proposal)
    params = engine_params(proposal)
    pair = repo.proposed_pair(conn, proposal.id, hid)
    if pair is None:
        raise NotFound(
            Say(
                "household %(household)s is not in proposal %(proposal)s (area %(area)s)",
                household=repr(household),
                proposal=proposal.id,
                area=view.area_code,
            )
        )
    if proposal.params.get("mode") == NEW_ONLY:
        params = explain_params(params)
    if versions.unchanged(conn, proposal, today):
        # Nothing the proposal was computed from (or its commit left) has changed since:
        # the household's surroundings are enough, not the whole area.
        report = progress or Silent()
        report.stage(f"reading what {household} is near in area {view.area_code}", 1)
        local = load_household_scope(session, view.area_code, hid, today=today, max_m=params.max_m)
        report.advance()
        own = pl.DataFrame([{c: pair[c] for c in _PAIR_COLUMNS}], schema=_PAIR_COLUMNS)
        loads = _loads(conn, proposal.id, local.visitors)
        explanation, in_area = _explained(local, hid, pair, own, (proposal, params, limit), loads)
        visitors, leaving_days = local.visitors, local.leaving_days
        stale: bool | None = False
        reason: Reason | None = None
    else:
        writes = repo.input_writes(conn)  # before the area: a write meanwhile keeps it low
        scope = load_scope(
            session, view.area_code, today=today, max_m=params.max_m, progress=progress
        )
        # Every pair, for the caseloads; by ids alone, as only this household is named.
        pairs = repo.proposal_pairs(conn, proposal.id)
        explanation, in_area = _explained(scope, hid, pair, pairs, (proposal, params, limit))
        visitors, leaving_days = scope.visitors, scope.leaving_days
        stale, reason = staleness_of(conn, proposal, scope, today)
        if stale is False:  # the next explanation can read only what the household is near
            versions.checked(conn, proposal, writes, scope.window)
    record_event(
        session,
        actor=actor,
        action="read",
        entity="pairing_explanation",
        entity_id=household,
        detail={"proposal": proposal.id},
    )
    session.flush()  # the explanation's own event first
    named = () if reason is None else reason.visitors
    seen = seen_of(sees, [*(a.visitor_id for a in explanation.alternatives), *named])
    reason = None if reason is None else reason.shown_to(seen)
    shown = _shown(visitors, explanation, seen, today, leaving_days)
    explanation = replace(
        explanation, alternatives=tuple(a for a in explanation.alternatives if a.visitor_id in seen)
    )
    # The visitors it shows (the household's, the alternatives with their distances and
    # caseloads, and those its note of why the proposal is stale names), once each, under
    # their ids: their exports list the read. One withheld is not shown: no read of it.
    read_ids = {a.visitor_id for a in explanation.alternatives}
    if explanation.visitor_id is not None:
        read_ids.add(explanation.visitor_id)
    read_ids.update(() if reason is None else reason.visitors)
    read = {"pairing_explanation": proposal.id}
    record_events(
        session,
        actor=actor,
        entity="visitor",
        events=[("read", v, read) for v in sorted(read_ids)],
    )
    text, says = (None, None) if reason is None else (reason.text, reason.says)
    return HouseholdExplanation(
        view,
        explanation,
        stale,
        fallback,
        text,
        in_area=in_area,
        alternatives=shown,
        stale_says=says,
    )


def _shown(
    visitors: pl.DataFrame,
    explanation: Explanation,
    seen: AbstractSet[str],
    today: dt.date,
    leaving_days: int,
) -> tuple[AlternativeShown, ...]:
    """Each alternative as shown: with its real caseload and capacity, and its last day if
    it is leaving, when it is ``seen``; else by its distance and reason alone."""
    elsewhere = visitors["busy_elsewhere"].to_list()
    capacity = visitors["capacity"].to_list()
    last = visitors["active_to"].to_list()
    soon = leaving(visitors, today, leaving_days)

    def one(a: Alternative) -> AlternativeShown:
        why = "as_near" if explanation.as_near(a) else a.why.value
        if a.visitor_id not in seen:
            return AlternativeShown(int(a.distance_m), why)
        return AlternativeShown(
            int(a.distance_m),
            why,
            visitor=a.visitor_id,
            caseload=a.load + int(elsewhere[a.visitor]),
            capacity=int(capacity[a.visitor]),
            places_left=max(a.capacity - a.load, 0),
            leaving_on=last[a.visitor] if soon[a.visitor] else None,
        )

    return tuple(one(a) for a in explanation.alternatives)


#: The columns of :func:`~doorstep.storage.repositories.pairing.proposal_pairs`.
_PAIR_COLUMNS = {
    "household_id": pl.Int64,
    "visitor_id": pl.Int64,
    "distance_m": pl.Int64,
    "reason": pl.String,
}


def _loads(conn: Connection, proposal_id: int, visitors: pl.DataFrame) -> IntArray:
    """How many of the proposal's households each of ``visitors`` takes, in their order."""
    ids = visitors.select(pl.col("id").alias("visitor_id"))
    counted = repo.proposal_loads(conn, proposal_id, ids["visitor_id"].to_list())
    joined = ids.join(counted, on="visitor_id", how="left", maintain_order="left")
    return joined["n"].fill_null(0).to_numpy().astype(np.int64)


def _explained(
    scope: Scope | HouseholdScope,
    household_id: int,
    pair: dict[str, Any],
    pairs: pl.DataFrame,
    how: tuple[PairingProposal, PairingParams, int | None],
    loads: IntArray | None = None,
) -> tuple[Explanation, bool]:
    """The explanation of a household (``pair`` in the proposal) over the problem of
    ``scope``, with the proposal's ``pairs`` as the result (``loads``: the caseloads, when
    these are not all of them), ``how``: the proposal, its settings, the alternatives
    wanted; and whether the household is in the area still (if not: its pair as the
    proposal has it, nothing more)."""
    proposal, params, limit = how
    order = scope.households.select(pl.col("id").alias("household_id")).with_row_index("h")
    at = order.filter(pl.col("household_id") == household_id)["h"]
    if at.is_empty():  # it left the area since (an area above it moved, or it did)
        return _as_proposed(pair), False
    result = _stored_result(scope.visitors, order, pairs, proposal)
    h = int(at[0])
    return explain(scope.problem, result, h, params=params, limit=limit, loads=loads), True


def _stored_result(
    visitors: pl.DataFrame, order: pl.DataFrame, pairs: pl.DataFrame, proposal: PairingProposal
) -> PairingResult:
    """The proposal's pairs as a result over a problem of ``visitors`` and the households
    ``order``."""
    vindex = visitors.select(pl.col("id").alias("visitor_id")).with_row_index("v")
    joined = (
        order.join(pairs, on="household_id", how="left")
        .join(vindex, on="visitor_id", how="left")
        .sort("h")
    )
    code_of = {r.value: i + 1 for i, r in enumerate(REASONS)}
    codes = joined["reason"].replace_strict(code_of, default=0, return_dtype=pl.Int8)
    return PairingResult(
        visitor=joined["v"].fill_null(NONE).to_numpy().astype(np.int32),
        distance_m=joined["distance_m"].fill_null(-1).to_numpy().astype(np.int64),
        reason_codes=codes.fill_null(0).to_numpy(),
        total_cost=0,
        certified=bool(proposal.figures.get("certified", False)),
        moved=int(proposal.figures.get("moved", 0)),
        # A stored result: the solver's statistics are not kept.
        stats=SolveStats(0, 0, 0, 0, 0, ()),
    )


def _as_proposed(pair: dict[str, Any]) -> Explanation:
    """A household's pair as the proposal holds it, for a household no longer in the area:
    no problem holds it today, so no indexes (``-1``, ``None``) and no alternatives."""
    reason = pair["reason"]
    return Explanation(
        household=-1,
        household_id=pair["household"],
        visitor=None,
        visitor_id=pair["visitor"],
        distance_m=pair["distance_m"],
        unpaired=Unpaired(reason) if reason else None,
        alternatives=(),
    )
