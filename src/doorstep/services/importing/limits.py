"""What the database can hold for each import column, read from the table definitions, so
that validation refuses a value the database would refuse (or silently change) with a line
naming its row, instead of a crash on one database and not the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String
from sqlalchemy.types import TypeEngine

from doorstep.storage.tables import (
    Activity,
    ActivityAttendance,
    Area,
    Exclusion,
    Household,
    HouseholdBlackout,
    HouseholdIndicator,
    Organisation,
    Project,
    ProjectHousehold,
    Referral,
    Team,
    Visit,
    Visitor,
    VisitorLeave,
)

_TABLES = {
    "areas": Area.__table__,
    "organisations": Organisation.__table__,
    "teams": Team.__table__,
    "visitors": Visitor.__table__,
    "households": Household.__table__,
    "indicators": HouseholdIndicator.__table__,
    "leave": VisitorLeave.__table__,
    "blackouts": HouseholdBlackout.__table__,
    "exclusions": Exclusion.__table__,
    "activities": Activity.__table__,
    "attendance": ActivityAttendance.__table__,
    "projects": Project.__table__,
    "project_households": ProjectHousehold.__table__,
    "referrals": Referral.__table__,
}
#: Imports whose person id refers to a person already imported (checked against those).
_REFERRING = frozenset(
    {"indicators", "leave", "blackouts", "attendance", "project_households", "referrals"}
)
# Import columns stored under another name; reference columns (area_code...) are checked
# against the codes they name, which fit already.
_RENAMED = {"visitor_id": "external_id", "consent": "consent_state", "referral": "id"}
_INT_BITS = {SmallInteger: 16, Integer: 32, BigInteger: 64}


@dataclass(frozen=True, slots=True)
class Limits:
    max_length: int | None = None  # characters; None: no limit
    int_range: tuple[int, int] | None = None


def _stored_type(entity: str, name: str) -> TypeEngine[Any] | None:
    """The type of the database column that ``entity.name`` is stored in, if any."""
    if entity == "visits":  # the household and visitor are references; days and note fit
        return Visit.__table__.c.client_uuid.type if name == "visit_id" else None
    if entity in _REFERRING and name in ("household_id", "visitor_id"):
        return None  # a reference to a person already imported
    if name == "household_id":
        name = "external_id"
    column = _TABLES[entity].c.get(_RENAMED.get(name, name))
    return None if column is None else column.type


def limits(entity: str, name: str) -> Limits:
    """The length of text, or the range of whole numbers, that ``entity.name`` can store."""
    kind = _stored_type(entity, name)
    if isinstance(kind, String) and kind.length is not None:
        return Limits(max_length=kind.length)
    for cls in (BigInteger, SmallInteger, Integer):  # subclasses before Integer
        if isinstance(kind, cls):
            bits = _INT_BITS[cls]
            return Limits(int_range=(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
    return Limits()


def area_path_length() -> int:
    """Characters the materialised path of an area (``/1/4/17/``) can hold."""
    kind = Area.__table__.c.path.type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length
