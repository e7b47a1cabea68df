"""Enumerations of the domain, stored by value."""

from __future__ import annotations

from enum import StrEnum


class ConsentState(StrEnum):
    """Where a household stands on taking part; only ``GIVEN`` allows pairing and visits."""

    PENDING = "pending"
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentAction(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class OrganisationKind(StrEnum):
    DEPARTMENT = "department"
    SPONSOR = "sponsor"
    NGO = "ngo"
    OTHER = "other"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class PairingEndReason(StrEnum):
    REPAIRED = "repaired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    VISITOR_LEFT = "visitor_left"
    EXCLUDED = "excluded"  # the pair was put on the exclusion list while paired
    HOUSEHOLD_LEFT = "household_left"
    REQUESTED = "requested"
    OTHER = "other"


class ActivityKind(StrEnum):
    TRIP = "trip"
    CONTEST = "contest"
    SUMMER_CAMP = "summer_camp"
    TRAINING = "training"
    MEETING = "meeting"
    OTHER = "other"
