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
