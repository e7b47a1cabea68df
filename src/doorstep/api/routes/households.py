"""Households found by id, name or address; one household's consent act, recorded at the
door; why it has its visitor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from doorstep.api import remedies
from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.file_schemas import HouseholdsFound
from doorstep.api.schemas import (
    AlternativeRead,
    ConsentCreate,
    ConsentRead,
    ExplainedProposal,
    PairingExplained,
)
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.say import Say
from doorstep.services import household_consent
from doorstep.services.finding import DEFAULT_FOUND, MOST_FOUND, find_households

router = APIRouter(prefix="/households", tags=["pairing"])


@router.get("")
def find(
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    q: Annotated[str, Query(min_length=1, description="An id or its start, part of a name")],
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MOST_FOUND)] = DEFAULT_FOUND,
) -> HouseholdsFound:
    """Households whose id is ``q`` or begins with it, or whose head's name or address holds
    it (any case), as `doorstep household find` finds them: within the account's area (or
    ``area`` inside it); a visitor's account, among the households it looks after today.
    ``more``: there were more than ``limit``. Each one found is a read in the trail."""
    with unit(engine, who) as session:
        conn = session.connection()
        found = find_households(
            session,
            q,
            actor=who.actor,
            today=today,
            area=access.list_area(conn, who, area),
            visitor=access.list_visitor(who, None),
            limit=limit,
        )
    return HouseholdsFound.model_validate({"rows": found.rows, "more": found.more})


@router.post("/{household:path}/consent", response_model=ConsentRead)
def consent(
    household: str, body: ConsentCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> ConsentRead:
    """Record the household's new consent act; one that no longer consents has its planned
    visits taken off at once. Sent again under its ``client_id``, it is recorded once."""
    return consent_sent(engine, who, household, body, today)


def consent_sent(
    engine: Engine,
    who: Principal,
    household: str,
    body: ConsentCreate,
    today: dt.date,
    *,
    told: Callable[[Say], str] = remedies.said,
) -> ConsentRead:
    """Record ``body`` as ``household``'s consent act, in one audited unit, or raise saying
    why not; sent again under its ``client_id``, answer as the first time, ``already``. The
    API's route and the web app's consent form (and its outbox) all record acts here; its
    notes are in the API's English, or as ``told`` says them (a page: in its language)."""
    tried = household_consent.consent_attempt(who.actor, household, body.state)
    with unit(engine, who, tried) as session:
        access.check_consent(session.connection(), who, household, today)
        done = household_consent.record_consent(
            session,
            household,
            body.state,
            actor=who.actor,
            evidence=body.evidence,
            on=body.on,
            today=today,
            client_id=None if body.client_id is None else str(body.client_id),
        )
    return ConsentRead(
        household=done.household,
        state=done.state,
        since=done.since,
        was=done.was,
        was_since=done.was_since,
        notes=[told(s) for s in done.said],
        already=done.already,
    )


@router.get("/{household:path}/pairing")
def pairing_explained(
    household: str,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    proposal: int | None = None,
    alternatives: Annotated[int, Query(ge=0, le=100)] = 5,
) -> PairingExplained:
    """The household's visitor in the latest proposal that covers it (or ``proposal``), the
    distance, and the next best visitors with why each was not chosen: those whose home
    area is outside the account's withheld (their distance and reason alone)."""
    # The pairing services load the engine's compiled kernels: only when asked.
    from doorstep.services.pairing.explanations import explain_household

    with unit(engine, who) as session:
        conn = session.connection()
        access.check_household(conn, who, household)
        found = explain_household(
            session,
            household,
            actor=who.actor,
            proposal_id=proposal,
            limit=alternatives,
            today=today,
            sees=access.seer(conn, who),
        )
    e = found.explanation
    return PairingExplained(
        household=e.household_id,
        proposal=ExplainedProposal(
            id=found.proposal.id,
            area=found.proposal.area_code,
            status=found.proposal.status,
            stale=found.stale,
            stale_reason=remedies.said_or_none(found.stale_says),
            fallback=found.fallback,
        ),
        visitor=e.visitor_id,
        distance_m=e.distance_m,
        unpaired=None if e.unpaired is None else e.unpaired.value,
        in_area=found.in_area,
        alternatives=[
            AlternativeRead(
                visitor=a.visitor,
                withheld=a.withheld,
                distance_m=a.distance_m,
                why_not=a.why,
                caseload=a.caseload,
                capacity=a.capacity,
                leaving_on=a.leaving_on,
            )
            for a in found.alternatives
        ],
    )
