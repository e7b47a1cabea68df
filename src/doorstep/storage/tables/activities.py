"""Group activities (trips, contests, camps, training) and development projects, with who
took part in each (migration 0013).

An activity or a project is the programme's, and holds no one's data; its attendance and
its households are the people's: a row names one household (or, for attendance, one
visitor) by id and nothing else about them. A household's rows go with it (``ON DELETE
CASCADE``); a visitor's attendance goes with their erasure
(:data:`~doorstep.storage.repositories.visitor_data.ERASED`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.lengths import CODE_MAX, TITLE_MAX
from doorstep.storage.base import Base, Timestamped


class Activity(Timestamped, Base):
    """A group activity: a trip, contest, summer camp or training, held in an area."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # domain.enums.ActivityKind
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    # The organisation that runs it, if not the programme itself.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class ActivityAttendance(Base):
    """One household, or one visitor, that took part in an activity (never both: each row
    is one person's, so each goes with its own person's erasure)."""

    __tablename__ = "activity_attendance"
    __table_args__ = (
        # Named apart: the naming convention would give both the name of the first column.
        UniqueConstraint("activity_id", "household_id", name="uq_activity_attendance_household"),
        UniqueConstraint("activity_id", "visitor_id", name="uq_activity_attendance_visitor"),
        CheckConstraint(
            "(household_id IS NULL) <> (visitor_id IS NULL)", name="one_household_or_visitor"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )


class Project(Timestamped, Base):
    """A development project sponsored by another organisation, in an area."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # domain.enums.ProjectStatus


class ProjectHousehold(Base):
    """A household that a project benefits."""

    __tablename__ = "project_households"
    __table_args__ = (UniqueConstraint("project_id", "household_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
