"""What the work lists (``GET /visits/{kind}``) answer, as Pydantic models: a page of the
due or overdue list, whose rows are households by their deadline, or of the upcoming or
unrecorded list, whose rows are planned visits. The answer's ``kind`` tells which.

A row's fields are the keys of the service's row (:mod:`doorstep.services.work_lists`),
in its order: a test holds them equal, so a column the service adds cannot be dropped
from the answer unseen (a model ignores a key it does not name).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class _Row(BaseModel):
    """The fields every work list's rows begin with: whose row it is, and whose visitor."""

    household: str = Field(description="The household's id")
    head_name: str = Field(description="The name of the household's head")
    area: str = Field(description="The household's area, by name")
    visitor: str = Field(description="The visitor's id")
    visitor_name: str = Field(description="The visitor's name")


#: A row's last field, on every list: what the visitor is to ask about at the door.
_REFERRAL_OPEN_SINCE = (
    "The day the household's oldest referral still open or accepted was made (none: "
    "nothing to follow up)"
)


class DueListed(_Row):
    """A household's visit by its deadline (a row of the due and overdue lists): one per
    open pairing of a household that consents, measured as the planner measures."""

    started_on: dt.date = Field(description="The first day of the pairing (the row's)")
    last_visit: dt.date | None = Field(
        description="The first day of the household's last visit recorded by today, by any "
        "visitor (none: none recorded)"
    )
    under_way: dt.date | None = Field(
        description="The first day of a planned stay of the household begun before today "
        "and not over: it is being visited, and is recorded once the stay is over (none: "
        "no stay under way)"
    )
    next_planned: dt.date | None = Field(
        description="The first day of the household's next planned visit from today, "
        "whoever is to make it (none: none planned)"
    )
    next_visitor: str | None = Field(
        description="Who is to make that visit, by id: handed to an incoming visitor, that "
        "visitor (none: none planned)"
    )
    status: str = Field(
        description="Empty, or why the household needs more than a visit: `visitor left on "
        "<day>`, `visitor starts on <day>` or `pair excluded: a new visitor is needed`"
    )
    deadline: dt.date = Field(
        description="The day its next visit is due by: from the last visit recorded or the "
        "stay under way (else the first day of its run of pairings), plus the list's "
        "max_gap_days"
    )
    days_left: int = Field(description="Days from today to the deadline (below 0: overdue)")
    referral_open_since: dt.date | None = Field(description=_REFERRAL_OPEN_SINCE)


class PlannedVisitListed(_Row):
    """A planned visit (a row of the upcoming and unrecorded lists): to be made, or over
    and neither recorded as made nor marked missed."""

    start: dt.date = Field(description="Its first planned day")
    end_day: dt.date | None = Field(description="Its last planned day (none: none stored)")
    referral_open_since: dt.date | None = Field(description=_REFERRAL_OPEN_SINCE)


class _WorkList(BaseModel):
    """A page of a work list: its rows, where they are in the whole list, and the filters
    that chose them. Each list declares its ``kind`` and its rows' model."""

    kind: str
    today: dt.date = Field(description="The day listed")
    area: str | None = Field(description="The area listed, by code (none: all the caller sees)")
    visitor: str | None = Field(description="The visitor listed, by id (none: every visitor)")
    rows: list[Any]
    total: int = Field(description="How many rows the whole list has")
    start: int = Field(description="The whole list's index (from 0) of the page's first row")
    limit: int
    next: str | None = Field(
        description="Send as `after` for the next page, as it came; none: the last page"
    )


class DueList(_WorkList):
    """A page of the households due a visit within `days`, or overdue one today."""

    kind: Literal["due", "overdue"]
    rows: list[DueListed] = Field(
        description="The page's rows, in the list's order: by deadline, then visitor and household"
    )


class PlannedVisitList(_WorkList):
    """A page of the planned visits coming up within `days`, or of those over within the
    `days` before today and neither recorded nor marked missed."""

    kind: Literal["upcoming", "unrecorded"]
    rows: list[PlannedVisitListed] = Field(
        description="The page's rows, in the list's order: by first day, then visitor and household"
    )


#: A work list's answer, told apart by its ``kind``.
WorkList = Annotated[DueList | PlannedVisitList, Field(discriminator="kind")]
