"""Visitors and households: the two sides of every pairing.

By design there is no column for ethnicity, religion, political opinion, criminal record
or the legal status of family members, and no score of people.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.lengths import CODE_MAX
from doorstep.storage.base import Base, Timestamped

#: A folded id (``doorstep.domain.folding``): compared as bytes on PostgreSQL too (collation
#: "C"), so that the ids beginning with a text are one range of its index whatever the
#: database's collation (as on SQLite).
FOLDED_ID = Text().with_variant(Text(collation="C"), "postgresql")


class Visitor(Timestamped, Base):
    __tablename__ = "visitors"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="coords"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    home_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(200))  # ';'-joined ISO 639 codes
    capacity: Mapped[int] = mapped_column(Integer)
    # Indexed: whether any visitor's first or last day lies between two days tells `pair
    # explain` whether a proposal can still hold without reading its area (migration 0025).
    active_from: Mapped[dt.date | None] = mapped_column(Date, index=True)
    active_to: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # Where set, the visitor only takes households inside this area's subtree.
    service_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # Where set, the visitor travels: no distance limit, only households of the same pool.
    remote_pool: Mapped[str | None] = mapped_column(String(64), index=True)
    # The id and name as a search compares them (``doorstep.domain.folding``), written with
    # them by every writer (``storage.repositories.folded``; migration 0024): the name is
    # found through a trigram index (SQLite FTS5 ``visitors_fts``, PostgreSQL ``pg_trgm``).
    folded_id: Mapped[str] = mapped_column(FOLDED_ID, index=True, server_default="")
    folded_name: Mapped[str] = mapped_column(Text, server_default="")


class Household(Timestamped, Base):
    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("members >= 1", name="members_positive"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="coords"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    head_name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    members: Mapped[int] = mapped_column(Integer)
    languages: Mapped[str] = mapped_column(String(200))
    # The remote pool of visitors meant for this household, if any (besides local visitors).
    remote_pool: Mapped[str | None] = mapped_column(String(64), index=True)
    # The current consent act lives on the row (one write per household on import); each
    # act it replaces is appended to consent_records, so the history is never lost.
    consent_state: Mapped[str] = mapped_column(String(20), index=True)
    consent_since: Mapped[dt.date | None] = mapped_column(Date)
    # The day the act was recorded (the ``today`` of the import or service that entered
    # it), from which an undated act counts; none on rows written before migration 0028.
    consent_entered_on: Mapped[dt.date | None] = mapped_column(Date)
    consent_recorded_by: Mapped[str | None] = mapped_column(String(200))
    consent_evidence: Mapped[str | None] = mapped_column(Text)
    preferred_weekdays: Mapped[str | None] = mapped_column(String(20))  # e.g. "0;2;4", Mon=0
    # The id, head's name and address as a search compares them (see ``Visitor``).
    folded_id: Mapped[str] = mapped_column(FOLDED_ID, index=True, server_default="")
    folded_name: Mapped[str] = mapped_column(Text, server_default="")
    folded_address: Mapped[str] = mapped_column(Text, server_default="")


class ConsentRecord(Base):
    """A past consent act (given, withdrawn, pending), kept when a newer act replaced it."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(100), default="programme")
    # The act's date; an act that had none is kept with the day it was entered (from
    # which it counted), or, entered before migration 0028, the day it was replaced.
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text, default="")
    # The day the act was recorded, and the day it came here: replaced by a newer act, or
    # filed already superseded (dated before the act in force); none before migration 0028.
    entered_on: Mapped[dt.date | None] = mapped_column(Date)
    replaced_on: Mapped[dt.date | None] = mapped_column(Date)


class ConsentClientId(Base):
    """A consent act recorded one at a time under the id the device that sent it gave it
    (migration 0021), with the answer it had: sent again, the act is found by this id and
    the same answer given, and nothing is recorded twice. The act itself is on the
    household's row (then in ``consent_records``); this is the household's record too, in
    its export and gone with its erasure."""

    __tablename__ = "consent_client_ids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    # The act as sent and recorded, and the act in force it replaced.
    state: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    was: Mapped[str] = mapped_column(String(20))
    was_since: Mapped[dt.date | None] = mapped_column(Date)
    # What the answer said was done about planned visits (migration 0027): how many it
    # cancelled and how many stays under way it cut short; none for an act kept before.
    cancelled: Mapped[int | None] = mapped_column(Integer)
    cut: Mapped[int | None] = mapped_column(Integer)


class HouseholdIndicator(Base):
    """A household's figures for one year: income, members in work, services enrolled."""

    __tablename__ = "household_indicators"
    __table_args__ = (UniqueConstraint("household_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    annual_income: Mapped[float | None] = mapped_column(Float)
    members_in_work: Mapped[int | None] = mapped_column(Integer)
    services_enrolled: Mapped[str | None] = mapped_column(Text)  # ';'-joined service codes


class HouseholdBlackout(Base):
    """A period a household asked not to be visited (harvest, festival, exams), known by
    its household and first day (unique since migration 0009)."""

    __tablename__ = "household_blackouts"
    __table_args__ = (UniqueConstraint("household_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class VisitorLeave(Base):
    """A visitor's leave, known by its visitor and first day (unique since migration 0009)."""

    __tablename__ = "visitor_leave"
    __table_args__ = (UniqueConstraint("visitor_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
