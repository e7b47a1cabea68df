"""What the referrals routes (``/referrals``) answer, as Pydantic models. A listed
referral is read from the service's own row (its fields, in its order: a test holds them
equal)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ReferralListed(BaseModel):
    """A referral in a list: how long since it was made, and whether it is due a follow-up."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Its number")
    household: str
    area: str = Field(description="The household's area")
    organisation: str = Field(description="The organisation it was referred to, by code")
    service: str
    made_on: dt.date
    visitor: str | None = Field(description="The visitor who made it (none: the office)")
    status: str = Field(description="open, accepted, completed, declined or withdrawn")
    status_on: dt.date = Field(description="The day it took its status")
    days: int = Field(description="Days since it was made")
    follow_up: bool = Field(description="Open for the list's follow_up_days or more")


class ReferralMade(BaseModel):
    """A referral made: open from its day (sent again under its ``client_id``: as it
    stands now, ``already``)."""

    id: int = Field(description="Its number")
    household: str
    status: str = Field(description="open; sent again, its status now")
    made_on: dt.date
    already: bool = Field(description="Sent again under its client_id: made before, not now")


class ReferralMoved(BaseModel):
    """A referral moved on to a status, from a day."""

    id: int = Field(description="Its number")
    status: str
    was: str = Field(description="Its status before")
    on: dt.date
