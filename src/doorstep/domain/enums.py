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
    """Why a commit ended a pairing (``pairings.end_reason``, a plain string: a new reason
    needs no migration)."""

    REPAIRED = "repaired"  # the household was paired anew, with another visitor
    CONSENT_WITHDRAWN = "consent_withdrawn"
    VISITOR_LEFT = "visitor_left"
    EXCLUDED = "excluded"  # the pair was put on the exclusion list while paired
    # Left without a visitor: no one can take the household now (out of reach, no shared
    # language, full), its own visitor included. Before this reason such pairings were
    # ended as ``repaired``, which told a reader of the history that it had a new visitor.
    NO_VISITOR = "no_visitor"
    HOUSEHOLD_LEFT = "household_left"
    REQUESTED = "requested"
    OTHER = "other"


class ActivityKind(StrEnum):
    """What kind of group activity the programme runs (a closed list)."""

    TRIP = "trip"
    CONTEST = "contest"
    SUMMER_CAMP = "summer_camp"
    TRAINING = "training"
    OTHER = "other"


class ProjectStatus(StrEnum):
    """Where a development project stands."""

    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"


class ReferralService(StrEnum):
    """What a household is referred for (a closed list: no free text, which would be room
    for what the programme must not hold about people)."""

    EMPLOYMENT = "employment"
    BENEFITS = "benefits"
    HEALTH = "health"
    EDUCATION = "education"
    HOUSING = "housing"
    CHILDCARE = "childcare"
    TRAINING = "training"
    OTHER = "other"


class ReferralStatus(StrEnum):
    """Where a referral stands: open until the service answers; accepted while it is being
    given; completed, declined or withdrawn (by the household) for good."""

    OPEN = "open"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
