"""What the API takes and gives, as Pydantic models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class AccountRead(BaseModel):
    """The calling account, and what it may see."""

    name: str
    role: str
    area: str | None = Field(description="Its area's code; none: the whole programme")
    visitor: str | None = Field(description="A visitor's account: the visitor's id")


class VisitCreate(BaseModel):
    """A visit as its visitor reports it, once made."""

    household: str
    visitor: str
    start: dt.date
    end: dt.date | None = Field(None, description="Its last day (default: the start)")
    note: str | None = None
    visit_id: str | None = Field(
        None,
        description="The id the device gave it: sent again, it is recorded once (none: the "
        "API gives it one, derived from the household, visitor and first day)",
    )
    activities: list[str] | None = None
    outcomes: list[str] | None = None


class VisitRecorded(BaseModel):
    visit_id: str
    recorded: bool = Field(description="False: it was recorded already (sent again)")
    planned_from: dt.date | None = Field(
        None, description="The planned visit it became, by its first planned day"
    )
    cancelled: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The visitor's other planned visits on its days, cancelled",
    )
    leave: tuple[dt.date, dt.date] | None = Field(
        None, description="The first and last day of the visitor's recorded leave it meets"
    )


class MissedCreate(BaseModel):
    """A planned visit that was not made."""

    household: str
    visitor: str
    start: dt.date = Field(description="Its first planned day")


class WorkList(BaseModel):
    """A page of a work list."""

    kind: str
    today: dt.date
    area: str | None
    visitor: str | None
    rows: list[dict[str, Any]] = Field(description="The page's rows, in the list's order")
    total: int = Field(description="How many rows the whole list has")
    start: int = Field(description="The whole list's index (from 0) of the page's first row")
    limit: int
    next: str | None = Field(
        description="Send as `after` for the next page, as it came; none: the last page"
    )


class ConsentCreate(BaseModel):
    """A household's new consent act."""

    state: str = Field(description="given, withdrawn or pending")
    evidence: str = Field(description="What it rests on: a signed form, a call, a letter")
    on: dt.date | None = Field(None, description="The day it was made (default: today)")


class ConsentRead(BaseModel):
    household: str
    state: str
    since: dt.date
    was: str
    was_since: dt.date | None
    notes: list[str] = Field(
        default_factory=list, description="What was done about its planned visits"
    )
