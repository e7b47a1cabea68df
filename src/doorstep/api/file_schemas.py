"""What the files and the searches answer (``/households/{id}``, ``/visitors/{id}``,
``/households?q=``, ``/visitors?q=``), as Pydantic models: the API's documentation shows
every field, and an answer is checked against them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, PlainValidator, WithJsonSchema


def _kept(value: object) -> str:
    """Text as it came: a :class:`~doorstep.say.Said` (a status line a service wrote)
    keeps its sentence for a page to say in its language; the JSON is its English."""
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


#: A string field whose value stays the object given (a ``Said`` is a ``str``).
KeptText = Annotated[str, PlainValidator(_kept), WithJsonSchema({"type": "string"})]


class _Due(BaseModel):
    """An open pairing's place in the due list, measured as the list measures it."""

    deadline: dt.date = Field(description="The last day of the cadence: a visit is due by it")
    days_left: int = Field(description="Days from today to the deadline; negative: overdue")
    status: KeptText = Field(description="Empty, or why the pairing needs attention (visitor left)")
    started_on: dt.date
    last_visit: dt.date | None = Field(description="The household's last visit recorded")
    under_way: dt.date | None = Field(description="The first day of a stay under way today")
    next_planned: dt.date | None
    next_visitor: str | None = Field(description="Who is to make the next planned visit")


class HouseholdDue(_Due):
    """An open pairing of the household: its visitor and its deadline."""

    visitor: str
    visitor_name: str


class VisitorHouseholdDue(_Due):
    """A household the visitor looks after, and its deadline."""

    household: str
    head_name: str
    area: str = Field(description="The household's area, by name (as the lists show it)")


class _Visit(BaseModel):
    status: str = Field(description="done, missed, planned, or not recorded (over, planned)")
    start: dt.date
    end: dt.date | None


class HouseholdVisit(_Visit):
    """A visit to the household, by its visitor."""

    visitor: str
    visitor_name: str


class VisitorVisit(_Visit):
    """A visit the visitor made or is to make, by household."""

    household: str
    head_name: str


class HouseholdProfile(BaseModel):
    """Who the household is, where it lives, and its consent."""

    household: str
    head_name: str
    address: str
    members: int
    languages: str = Field(description="Separated by ;")
    preferred_weekdays: str | None
    area: str
    area_name: str
    consent: str | None = Field(description="The consent in force on the file's day")
    consent_act: str = Field(description="The act recorded last (may be dated later)")
    consent_since: dt.date | None


class PairingRow(BaseModel):
    """A pairing of the household with a visitor, open or ended."""

    visitor: str
    visitor_name: str
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str | None


class ReferralRow(BaseModel):
    """A referral of the household to another organisation's service."""

    number: int
    organisation: str
    organisation_name: str
    service: str
    made_on: dt.date
    status: str
    status_on: dt.date
    visitor: str | None = Field(description="The visitor who made it (none: the office)")


class IndicatorRow(BaseModel):
    """The household's indicators of one year."""

    year: int
    annual_income: float | None
    members_in_work: int | None
    services_enrolled: str | None
    income_per_head: float | None = Field(description="Over the members recorded now")
    below_poverty_line: bool | None = Field(description="None: no income reported")


class ActivityRow(BaseModel):
    """A group activity someone took part in."""

    code: str
    kind: str
    title: str
    starts_on: dt.date
    ends_on: dt.date


class ProjectRow(BaseModel):
    """A development project the household benefits from."""

    code: str
    title: str
    sponsor: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str


class HouseholdFile(BaseModel):
    """A household's case file, as `doorstep household show --json` prints it."""

    as_of: dt.date
    max_gap_days: int
    poverty_line: float
    household: HouseholdProfile
    cadence: list[HouseholdDue] = Field(description="One per open pairing; none: no consent")
    pairings: list[PairingRow] = Field(description="The latest begun first")
    visits_made: list[HouseholdVisit] = Field(description="Before today, the latest first")
    visits_made_total: int
    visits_planned: list[HouseholdVisit] = Field(description="From today, the next first")
    visits_planned_total: int
    referrals: list[ReferralRow]
    indicators: list[IndicatorRow] = Field(description="The latest year first")
    activities: list[ActivityRow]
    projects: list[ProjectRow]


class TeamRow(BaseModel):
    """A team the visitor is or was in."""

    code: str
    name: str
    area: str
    starts_on: dt.date
    ends_on: dt.date | None
    is_lead: bool


class VisitorProfile(BaseModel):
    """Who the visitor is, where they live and serve, and their teams."""

    visitor: str
    name: str
    languages: str = Field(description="Separated by ;")
    capacity: int
    active_from: dt.date | None
    active_to: dt.date | None = Field(description="The last day")
    remote_pool: str | None
    home_area: str | None
    home_area_name: str | None
    service_area: str | None = Field(description="The area they serve only, if any")
    organisation: str | None
    organisation_name: str | None
    teams: list[TeamRow]


class Caseload(BaseModel):
    """The visitor's households today, against their capacity."""

    households: int = Field(description="Open pairings today, in any area")
    capacity: int


class LeaveRow(BaseModel):
    """The visitor's leave, from its first to its last day."""

    starts_on: dt.date
    ends_on: dt.date


class VisitorFile(BaseModel):
    """A visitor's file, as `doorstep visitor show --json` prints it."""

    as_of: dt.date
    max_gap_days: int
    visitor: VisitorProfile
    caseload: Caseload
    households: list[VisitorHouseholdDue] = Field(description="The soonest due first")
    households_elsewhere: int = Field(description="Open pairings outside the account's area")
    leave: list[LeaveRow] = Field(description="Not over by today")
    visits_made: list[VisitorVisit]
    visits_made_total: int
    visits_planned: list[VisitorVisit]
    visits_planned_total: int
    activities: list[ActivityRow]


class FoundHousehold(BaseModel):
    """A household found, with its consent today."""

    household: str
    head_name: str
    address: str
    area: str
    area_name: str
    consent: str | None = Field(description="The consent in force today")


class HouseholdsFound(BaseModel):
    """The households found by id, name or address."""

    rows: list[FoundHousehold] = Field(description="The id asked for first, then by id")
    more: bool = Field(description="More were found than the limit")


class FoundVisitor(BaseModel):
    """A visitor found."""

    visitor: str
    name: str
    home_area: str | None
    capacity: int
    active_to: dt.date | None


class VisitorsFound(BaseModel):
    """The visitors found by id or name."""

    rows: list[FoundVisitor] = Field(description="The id asked for first, then by id")
    more: bool = Field(description="More were found than the limit")
