"""Planned and recorded visits, and planned visits cancelled (by a re-plan, or by a visit
of their visitor recorded on their days), the events of an erased household's visits
that calendars are still to cancel, and the pairings a plan left without a visit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.visit_ids import VISIT_ID_MAX
from doorstep.storage.base import Base, Timestamped


class Visit(Timestamped, Base):
    """A visit: planned (window and planned days) and, once it happened, recorded."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Offline clients create visits with their own UUID so a re-sync never duplicates.
    client_uuid: Mapped[str | None] = mapped_column(String(VISIT_ID_MAX), unique=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    window_start: Mapped[dt.date | None] = mapped_column(Date)
    window_end: Mapped[dt.date | None] = mapped_column(Date, index=True)
    planned_start: Mapped[dt.date | None] = mapped_column(Date, index=True)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    # The first day of the plan that laid it: a stay that passed unmade after that day was
    # still to come when it was planned, and a re-plan lays the visit again.
    planned_from: Mapped[dt.date | None] = mapped_column(Date)
    actual_start: Mapped[dt.date | None] = mapped_column(Date)
    actual_end: Mapped[dt.date | None] = mapped_column(Date)
    days_stayed: Mapped[int | None] = mapped_column(Integer)
    activities: Mapped[str | None] = mapped_column(Text)  # ';'-joined activity codes
    outcome_codes: Mapped[str | None] = mapped_column(Text)  # ';'-joined outcome codes
    notes: Mapped[str | None] = mapped_column(Text)


class CancelledVisit(Base):
    """A planned visit a re-plan removed (or a visit recorded on its days cancelled), kept
    so that calendars can cancel its event.

    A calendar app that imported a visitor's earlier calendar keeps each event until a later
    one cancels it by its UID (household, visitor, first day). The visit's own row is gone
    (re-planning replaces planned visits), so its days stay here until they are past.
    """

    __tablename__ = "cancelled_visits"
    __table_args__ = (UniqueConstraint("household_id", "visitor_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date, index=True)
    cancelled_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ErasedVisitEvent(Base):
    """An event of an erased household's visit that a visitor's calendar may show, kept so
    that their next calendars send it cancelled (a phone keeps an event until then).

    It holds what the cancelled event holds (UID and days) and no link to the household:
    the UID is a digest of household, visitor and first day, and the household's id stays
    in the trail's erasure event, so the row goes once it is over (``kept_until``), or with
    the visitor.
    """

    __tablename__ = "erased_visit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    #: The last day a calendar sends it: a visit made over a planned one lasts, on the
    #: phone, as long as the longer of the two.
    kept_until: Mapped[dt.date] = mapped_column(Date, index=True)
    #: How many writes to the household the trail held at its erasure: the event's
    #: ``SEQUENCE`` is that plus the visitor's count (see ``doorstep.services.calendars``).
    sequence_base: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class UnvisitedPairing(Base):
    """A pairing the last plan of its area considered and gave no planned visit (its visitor
    leaves before there is room for one, say), with that plan's first day and the end of its
    horizon, and the pairing's active days as the plan saw them (``plan_from``, ``plan_end``
    of ``doorstep.services.planning``; null for open ends).

    A re-plan plans a visitor again when a pairing of theirs is new; one with no planned
    visit looks new, whether the last plan gave it none or it was committed since. This
    row tells them apart: a re-plan from the same day, over a horizon no longer, finds the
    pairing settled where its days are as they were. Each plan replaces the rows of its
    area's pairings. The row goes with its household's erasure and with its visitor's (its
    days are the visitor's too: the day they leave), and each one's export lists it.
    """

    __tablename__ = "unvisited_pairings"

    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), primary_key=True
    )
    # The pairing's household and visitor, as its row names them: each one's export lists
    # the row, and each one's erasure deletes it (see the docstring).
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    planned_from: Mapped[dt.date] = mapped_column(Date)
    active_from: Mapped[dt.date | None] = mapped_column(Date)
    active_end: Mapped[dt.date | None] = mapped_column(Date)
    # The first day after the plan's horizon (migration 0023): a longer horizon has days
    # the plan did not look at. Null in rows from before it: not known, so never settled.
    horizon_end: Mapped[dt.date | None] = mapped_column(Date)
