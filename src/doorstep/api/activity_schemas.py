"""What the routes of group activities (``/activities``) and development projects
(``/projects``) answer, as Pydantic models. A listed row is read from the service's own
row (its fields, in its order: a test holds them equal), so the list says what the
service gives."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ActivityListed(BaseModel):
    """A group activity in a list, with how many took part (counts, naming no one)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: str = Field(description="trip, contest, summer_camp, training or other")
    title: str
    area_code: str = Field(description="The area it is held in")
    starts_on: dt.date
    ends_on: dt.date = Field(description="Its last day")
    households: int = Field(description="How many households took part")
    visitors: int = Field(description="How many visitors took part")


class ActivityAdded(BaseModel):
    """A group activity added, by its code."""

    code: str


class AttendanceRecorded(BaseModel):
    """Who was recorded as taking part in an activity, and who was recorded already."""

    added: list[str] = Field(description="Households and visitors recorded now, by id")
    already: list[str] = Field(description="Those recorded already, left as they were")


class ProjectListed(BaseModel):
    """A development project in a list, with how many households it benefits."""

    code: str
    title: str
    sponsor_code: str = Field(description="The sponsoring organisation")
    area_code: str = Field(description="The area it is in")
    starts_on: dt.date
    ends_on: dt.date | None = Field(description="Its last day, if known")
    status: str = Field(description="planned, running or done")
    households: int = Field(description="How many households it benefits (naming no one)")
    past_end: bool = Field(description="Its last day is behind today and it is not done")


class ProjectAdded(BaseModel):
    """A project added, by its code, with the status it began with."""

    code: str
    status: str


class ProjectMoved(BaseModel):
    """A project moved on to a status."""

    code: str
    status: str
    was: str | None = Field(description="Its status before; none: it had this one already")


class BeneficiariesRecorded(BaseModel):
    """The households recorded as a project's beneficiaries, and those recorded already."""

    added: list[str] = Field(description="Households recorded now, by id")
    already: list[str] = Field(description="Those recorded already, left as they were")
