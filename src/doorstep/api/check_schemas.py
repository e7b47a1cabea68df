"""What the check routes (``/checks``) answer, as Pydantic models: stored data that today's
rules would refuse, to correct it. A listed row is read from the service's own row (its
fields, in its order: a test holds them equal)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OverWorkListed(BaseModel):
    """A household's year whose members in paid work are more than the household's members:
    figures stored before the imports refused them (`doorstep check sizes`)."""

    model_config = ConfigDict(from_attributes=True)

    household: str
    area: str = Field(description="The household's area")
    year: int
    members: int = Field(description="The household's members, as recorded now")
    members_in_work: int = Field(description="Its members in paid work that year, as stored")


class OverWorkList(BaseModel):
    """A page of those years, by household then year: where it is in the whole list, and
    how many rows the list has."""

    area: str | None = Field(description="The area listed, by code (none: every area)")
    total: int = Field(description="How many rows the whole list has")
    offset: int = Field(description="The whole list's index (from 0) of the page's first row")
    limit: int
    next_offset: int | None = Field(
        description="Send as `offset` for the next page; none: the last page"
    )
    rows: list[OverWorkListed]
