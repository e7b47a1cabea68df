"""Referrals of households to other organisations' services, as `doorstep referral`
records, moves on and lists them: by an area's accounts for its households, and by a
visitor's account for the households its visitor looks after today."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.referral_schemas import ReferralListed, ReferralMade, ReferralMoved
from doorstep.domain.enums import ReferralService, ReferralStatus
from doorstep.domain.ids import MAX_PROPOSAL_ID, normal_id
from doorstep.domain.lengths import CODE_MAX
from doorstep.errors import NotPermitted
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import Attempt
from doorstep.say import Say
from doorstep.services import referrals

router = APIRouter(prefix="/referrals", tags=["referrals"])

ReferralNumber = Annotated[int, Path(ge=1, le=MAX_PROPOSAL_ID, description="The referral's number")]


class ReferralCreate(BaseModel):
    """A household referred to an organisation for a service (its consent must be given)."""

    model_config = ConfigDict(extra="forbid")

    household: str = Field(min_length=1, max_length=CODE_MAX)
    organisation: str = Field(min_length=1, max_length=CODE_MAX, description="Its code")
    service: ReferralService
    made_on: dt.date | None = Field(None, description="The day it was made (default: today)")
    visitor: str | None = Field(
        None,
        max_length=CODE_MAX,
        description="The visitor who made it (a visitor's account: its own, the default)",
    )
    client_id: uuid.UUID | None = Field(
        None,
        description="The id the device gave it: sent again with the same referral, it is "
        "made once and answered `already: true`; with another referral, refused (409)",
    )


#: The statuses a referral moves on to: never back to open, which the service refuses (the
#: spec offered it, and a client sent it to be refused).
MovedTo = Literal["accepted", "completed", "declined", "withdrawn"]


class ReferralMove(BaseModel):
    """A referral's new status, from a day (default: today)."""

    model_config = ConfigDict(extra="forbid")

    status: MovedTo
    on: dt.date | None = None


@router.get("")
def list_referrals(
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
    area: str | None = None,
    household: str | None = None,
    status: ReferralStatus | None = None,
    follow_up: bool = False,
    follow_up_days: Annotated[int, Query(ge=0, le=3650)] = referrals.FOLLOW_UP_DAYS,
) -> list[ReferralListed]:
    """The referrals of an area's households (default: the account's area) or of one
    household, oldest first, each with its days since it was made and whether it is due a
    follow-up (open ``follow_up_days`` or more); ``follow_up`` keeps those only. A visitor's
    account asks for one household it looks after today. Each household listed is read in
    the trail."""
    with unit(engine, who) as session:
        conn = session.connection()
        if household is not None:
            household = normal_id(household)
            access.check_referral_household(conn, who, household, today)
            area = None if area is None else access.list_area(conn, who, normal_id(area))
        elif who.role == "visitor":
            raise NotPermitted(
                Say(
                    "account %(account)s is a visitor's: give household, one its visitor looks "
                    "after today",
                    account=who.name,
                )
            )
        else:
            area = access.list_area(conn, who, None if area is None else normal_id(area))
        rows = referrals.list_referrals(
            session,
            actor=who.actor,
            today=today,
            area=area,
            household=household,
            status=None if status is None else status.value,
            follow_up_only=follow_up,
            follow_up_days=follow_up_days,
        )
    return [ReferralListed.model_validate(r) for r in rows]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    # The answer to a referral sent again: a client must find it in the spec too.
    responses={200: {"model": ReferralMade, "description": "Sent again: made already"}},
)
def add_referral(
    body: ReferralCreate, engine: EngineDep, who: PrincipalDep, today: TodayDep, response: Response
) -> ReferralMade:
    """Refer a household: open from its day; answers with its number. Sent again under its
    ``client_id``, it is made once (answered 200, ``already: true``)."""
    made = referral_sent(engine, who, body, today)
    if made.already:
        response.status_code = status.HTTP_200_OK
    return made


def referral_sent(
    engine: Engine, who: Principal, body: ReferralCreate, today: dt.date
) -> ReferralMade:
    """Make ``body``'s referral in one audited unit, or raise saying why not; sent again
    under its ``client_id``, answer with the referral made then (its status now),
    ``already``. The API's route and the web app's forms (and its outbox) all refer here."""
    household = normal_id(body.household)
    tried = Attempt(who.actor, "create", "household", household, {"table": referrals.TABLE})
    client_id = None if body.client_id is None else str(body.client_id)
    with unit(engine, who, tried) as session:
        access.check_referral_household(session.connection(), who, household, today)
        visitor = access.referral_visitor(
            who, None if body.visitor is None else normal_id(body.visitor)
        )
        organisation = normal_id(body.organisation)
        made = referrals.sent_again(
            session,
            client_id,
            household,
            organisation=organisation,
            service=body.service.value,
            made_on=body.made_on,
            visitor=visitor,
            actor=who.actor,
        )
        already = made is not None
        if made is None:
            made = referrals.add_referral(
                session,
                household,
                organisation=organisation,
                service=body.service.value,
                made_on=body.made_on or today,
                visitor=visitor,
                actor=who.actor,
                today=today,
                client_id=client_id,
            )
        number, made_on, now = made.id, made.made_on, made.status
    return ReferralMade(
        id=number, household=household, status=now, made_on=made_on, already=already
    )


@router.post("/{number}/status")
def move_status(
    number: ReferralNumber,
    body: ReferralMove,
    engine: EngineDep,
    who: PrincipalDep,
    today: TodayDep,
) -> ReferralMoved:
    """Move a referral on (open, accepted, then completed, declined or withdrawn: never
    back, and not from a final status, 409), as `referral status` does."""
    tried = Attempt(who.actor, "update", "referral", str(number), {"status": body.status})
    on = body.on or today
    with unit(engine, who, tried) as session:
        access.check_referral(session.connection(), who, number, today)
        was = referrals.move_status(
            session, number, body.status, on=on, actor=who.actor, today=today
        )
    return ReferralMoved(id=number, status=body.status, was=was, on=on)
