"""Every table, imported here so ``Base.metadata`` is complete for Alembic."""

from doorstep.storage.tables.accounts import Account, ApiToken
from doorstep.storage.tables.activities import (
    Activity,
    ActivityAttendance,
    Project,
    ProjectHousehold,
)
from doorstep.storage.tables.areas import Area
from doorstep.storage.tables.audit import AuditEvent
from doorstep.storage.tables.organisations import Organisation, Team, TeamMember
from doorstep.storage.tables.pairings import (
    Exclusion,
    Pairing,
    PairingInputWrite,
    PairingLockTakes,
    PairingProposal,
    ProposedPair,
)
from doorstep.storage.tables.people import (
    ConsentClientId,
    ConsentRecord,
    Household,
    HouseholdBlackout,
    HouseholdIndicator,
    Visitor,
    VisitorLeave,
)
from doorstep.storage.tables.programme import ProgrammeCadence
from doorstep.storage.tables.referrals import Referral
from doorstep.storage.tables.visits import (
    CancelledVisit,
    ErasedVisitEvent,
    UnvisitedPairing,
    Visit,
)

__all__ = [
    "Account",
    "Activity",
    "ActivityAttendance",
    "ApiToken",
    "Area",
    "AuditEvent",
    "CancelledVisit",
    "ConsentClientId",
    "ConsentRecord",
    "ErasedVisitEvent",
    "Exclusion",
    "Household",
    "HouseholdBlackout",
    "HouseholdIndicator",
    "Organisation",
    "Pairing",
    "PairingInputWrite",
    "PairingLockTakes",
    "PairingProposal",
    "ProgrammeCadence",
    "Project",
    "ProjectHousehold",
    "ProposedPair",
    "Referral",
    "Team",
    "TeamMember",
    "UnvisitedPairing",
    "Visit",
    "Visitor",
    "VisitorLeave",
]
