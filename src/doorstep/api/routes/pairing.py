"""Pairing proposals for an area: make one, list, show, review its changes, commit or
discard it, as `doorstep pair --area` and `doorstep pair show|diff|commit|discard` do.

A proposal is computed in the request, by the engine in this process: fine for an area
(seconds), not for a region, whose proposal belongs to the command line (docs/api.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi import status as http

from doorstep.api import remedies
from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.query_params import Offset
from doorstep.api.schemas import (
    CommitRead,
    CommitTraceRead,
    PairChangeRead,
    PairDiffRead,
    ProposalCreate,
    ProposalList,
    ProposalRead,
)
from doorstep.domain.ids import MAX_PROPOSAL_ID
from doorstep.privacy import access
from doorstep.privacy.audit import Attempt
from doorstep.storage.base import as_utc

if TYPE_CHECKING:
    from doorstep.services.pairing import ProposalView

router = APIRouter(prefix="/pairing", tags=["pairing"])

ProposalId = Annotated[int, Path(ge=1, le=MAX_PROPOSAL_ID, description="The proposal's number")]
#: The settings a proposal was made with, of what it stores beside them (its inputs'
#: digests and counts of writes, which say nothing to a reader).
SETTINGS = ("max_km", "keep_km", "balance_m", "today", "mode", "max_settled")


@router.post("/proposals", response_model=ProposalRead, status_code=http.HTTP_201_CREATED)
def propose(
    body: ProposalCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> ProposalRead:
    """Pair the area's households and store the answer as an open proposal."""
    # The pairing services load the engine's compiled kernels: only when asked.
    from doorstep.services import pairing
    from doorstep.services.pairing.settings import check_new_only, solve_params

    tried = Attempt(who.actor, "create", "pairing_proposal", detail={"area": body.area})
    # Solving takes seconds: the writer's lock is taken at the proposal's first write, not
    # before the reads. Inputs written meanwhile leave it stale (its count of their writes
    # is read first), which `commit` refuses.
    with unit(engine, who, tried, lock_first=False) as session:
        access.check_pairing_area(session.connection(), who, body.area)
        check_new_only(body.new_only, max_settled=body.max_settled, balance_m=body.balance_m)
        params = solve_params(max_km=body.max_km, keep_km=body.keep_km, balance_m=body.balance_m)
        view = pairing.propose(
            session,
            body.area,
            params=params,
            actor=who.actor,
            today=today,
            new_only=body.new_only,
            max_settled=body.max_settled,
        )
    return _read(view)


@router.get("/proposals", response_model=ProposalList)
def proposals(
    engine: EngineDep,
    who: PrincipalDep,
    status: Literal["open", "committed", "discarded", "stale"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ProposalList:
    """The proposals for areas within the caller's, newest first (whether each is stale is
    told when it is shown)."""
    from doorstep.services import pairing

    under = access.pairing_scope(who)
    with unit(engine, who) as session:
        page = pairing.list_proposals(
            session, under=under, status=status, limit=limit, offset=offset
        )
    return ProposalList(
        total=page.total, offset=offset, proposals=[_read(v) for v in page.proposals]
    )


@router.get("/proposals/{proposal}", response_model=ProposalRead)
def show(
    proposal: ProposalId, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> ProposalRead:
    """A proposal's figures, caseloads and churn, and whether a commit would refuse it as
    stale today, with commit's reason."""
    from doorstep.services import pairing

    with unit(engine, who) as session:
        conn = session.connection()
        access.check_proposal(conn, who, proposal)
        view = pairing.show(
            session, proposal, actor=who.actor, today=today, sees=access.seer(conn, who)
        )
    return _read(view)


@router.get("/proposals/{proposal}/diff", response_model=PairDiffRead)
def diff(
    proposal: ProposalId,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> PairDiffRead:
    """The households whose visitor the proposal would change, by household, a page at a
    time: ``next_offset`` asks for the next."""
    from doorstep.services import pairing

    with unit(engine, who) as session:
        conn = session.connection()
        access.check_proposal(conn, who, proposal)
        changes = pairing.diff(
            session,
            proposal,
            actor=who.actor,
            limit=limit,
            offset=offset,
            today=today,
            sees=access.seer(conn, who),
        )
    following = offset + len(changes.changes)
    return PairDiffRead(
        proposal=proposal,
        total=changes.total,
        offset=offset,
        next_offset=following if changes.changes and following < changes.total else None,
        stale=changes.stale,
        stale_reason=remedies.said_or_none(changes.stale_says),
        changes=[
            PairChangeRead(
                household=c.household,
                current_visitor=c.current_visitor,
                proposed_visitor=c.proposed_visitor,
                distance_m=c.distance_m,
                reason=c.reason,
                now_by=c.now_by,
            )
            for c in changes.changes
        ],
    )


@router.post("/proposals/{proposal}/commit", response_model=CommitRead)
def commit(
    proposal: ProposalId, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> CommitRead:
    """End the replaced pairings and start the new ones; a proposal whose area changed
    since it was computed is refused as stale (409)."""
    from doorstep.services import pairing

    tried = Attempt(who.actor, "update", "pairing_proposal", str(proposal))
    with unit(engine, who, tried) as session:
        conn = session.connection()
        access.check_proposal(conn, who, proposal)
        counts = pairing.commit(
            session, proposal, actor=who.actor, today=today, sees=access.seer(conn, who)
        )
    return CommitRead(proposal=proposal, **counts)


@router.post("/proposals/{proposal}/discard", status_code=http.HTTP_204_NO_CONTENT)
def discard(proposal: ProposalId, engine: EngineDep, who: PrincipalDep) -> None:
    """Discard an open proposal without changing any pairing."""
    from doorstep.services import pairing

    with unit(engine, who) as session:
        access.check_proposal(session.connection(), who, proposal)
        pairing.discard(session, proposal, actor=who.actor)


def _read(view: ProposalView) -> ProposalRead:
    f = view.figures
    return ProposalRead(
        id=view.id,
        area=view.area_code,
        status=view.status,
        # With its offset, as PostgreSQL gives it (SQLite gives it without: every stored
        # moment is UTC), so that it is an RFC 3339 date-time as the spec says.
        created_at=as_utc(view.created_at),
        created_by=view.created_by,
        committed_at=None if view.committed_at is None else as_utc(view.committed_at),
        stale=view.stale,
        stale_reason=remedies.said_or_none(view.stale_says),
        certified=bool(f["certified"]),
        households=f["households"],
        paired=f["paired"],
        unpaired=f["unpaired"],
        caseloads=f["caseloads"],
        churn=f["churn"],
        params={k: view.params[k] for k in SETTINGS if k in view.params},
        figures=f,
        commit=None if view.commit is None else CommitTraceRead.model_validate(view.commit),
    )
