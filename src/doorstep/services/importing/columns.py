"""The column schema of every import file: one place that the validator, the loaders,
the ``--help`` text, the README and the import page all read.

The summary of an import file and the help of its columns are each a
:class:`~doorstep.say.Say`: written as text (``--help``, the README) it is its English, and
the import page shows it in its language."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.days import FIRST_YEAR
from doorstep.domain.enums import (
    ActivityKind,
    ConsentState,
    OrganisationKind,
    ProjectStatus,
    ReferralService,
    ReferralStatus,
)
from doorstep.domain.visit_codes import ACTIVITIES, NOTE_MAX, OUTCOMES, Vocabulary
from doorstep.say import Say


class Kind(StrEnum):
    ID = "id"  # an identifier: 1-64 characters, no surrounding spaces
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    LAT = "lat"
    LON = "lon"
    DATE = "date"  # ISO 8601, YYYY-MM-DD
    BOOL = "bool"  # true/false, yes/no, 1/0
    LANGUAGES = "languages"  # ';'-separated ISO 639 codes
    WEEKDAYS = "weekdays"  # ';'-separated days: mon;wed;fri or 0;2;4 (Monday = 0)
    CHOICE = "choice"
    CODES = "codes"  # ';'-separated codes of the column's closed vocabulary
    AREA = "area"  # the code of an area, in the database or earlier in the same file
    ORGANISATION = "organisation"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    help: str | Say = ""  # what the column holds (str() of a Say: its English)
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    # A required column whose cell may be empty, storing "none" (a household's languages:
    # none known, so no visitor shares one): the column must be in the file, so leaving it
    # out is not read as an empty cell in every row.
    may_be_empty: bool = False
    # An id that may be a UUID (a device's): one in the 8-4-4-4-12 hex form is read in
    # lower case, as UUIDs are case-insensitive (RFC 4122) and the same visit must not come
    # back as another because a device wrote it in capitals. Other ids are kept as given.
    uuid_lower: bool = False
    # The codes a ``CODES`` column may hold (:mod:`doorstep.domain.visit_codes`).
    vocabulary: Vocabulary | None = None
    # A ``TEXT`` column holding an open list of codes separated by ';' (a household's
    # services): stored tidy, each code trimmed and in lower case, once, empty ones dropped,
    # so that ";" or " ; " is no code at all, as it is no language.
    code_list: bool = False


@dataclass(frozen=True, slots=True)
class EntitySchema:
    entity: str
    keys: tuple[str, ...]  # the columns whose values identify a row across imports
    columns: tuple[Column, ...]
    summary: str | Say  # what the file holds (str() of a Say: its English)
    # Rows about people (households, visitors): an import's errors file, which lies beyond
    # the reach of a household's export and erasure, copies none of their values.
    people: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


AREAS = EntitySchema(
    entity="areas",
    keys=("code",),
    summary=Say("The area tree, any depth (region > county > township > village)."),
    columns=(
        Column("code", Kind.ID, True, Say("unique area code")),
        Column("name", Kind.TEXT, True, Say("area name, any script")),
        Column("parent_code", Kind.AREA, False, Say("code of the parent area; empty for a root")),
        Column(
            "level", Kind.TEXT, True, Say("level name, e.g. region, county, township, village"), 40
        ),
    ),
)

ORGANISATIONS = EntitySchema(
    entity="organisations",
    keys=("code",),
    summary=Say("Departments, sponsors and NGOs that visitors belong to or that fund projects."),
    columns=(
        Column("code", Kind.ID, True, Say("unique organisation code")),
        Column("name", Kind.TEXT, True, Say("organisation name")),
        Column(
            "kind",
            Kind.CHOICE,
            False,
            Say("department, sponsor, ngo or other"),
            choices=tuple(k.value for k in OrganisationKind),
            default=OrganisationKind.DEPARTMENT.value,
        ),
        Column("area_code", Kind.AREA, False, Say("area the organisation belongs to")),
        Column(
            "staff_cap",
            Kind.FLOAT,
            False,
            Say("largest share of its staff away on visits on one day (0-1)"),
            minimum=0.0,
            maximum=1.0,
        ),
    ),
)

TEAMS = EntitySchema(
    entity="teams",
    keys=("code",),
    summary=Say(
        "Working teams stationed in an area (usually a village); members come with visitors."
    ),
    columns=(
        Column("code", Kind.ID, True, Say("unique team code")),
        Column("name", Kind.TEXT, True, Say("team name")),
        Column("area_code", Kind.AREA, True, Say("area where the team is stationed")),
        Column("organisation_code", Kind.ORGANISATION, False, Say("organisation that sends it")),
        Column("starts_on", Kind.DATE, True, Say("first day, YYYY-MM-DD")),
        Column("ends_on", Kind.DATE, False, Say("last day, YYYY-MM-DD")),
    ),
)

VISITORS = EntitySchema(
    entity="visitors",
    keys=("visitor_id",),
    summary=Say("Staff or volunteers who visit households."),
    people=True,
    columns=(
        Column("visitor_id", Kind.ID, True, Say("your id for the visitor")),
        Column("name", Kind.TEXT, True, Say("full name, any script")),
        Column(
            "organisation_code", Kind.ORGANISATION, False, Say("organisation the visitor is from")
        ),
        Column("home_area_code", Kind.AREA, False, Say("area where the visitor lives")),
        Column("lat", Kind.LAT, True, Say("home latitude, -90 to 90")),
        Column("lon", Kind.LON, True, Say("home longitude, -180 to 180")),
        Column(
            "languages",
            Kind.LANGUAGES,
            True,
            Say(
                "ISO 639 codes separated by ';', e.g. zh;hmn; empty: none (shares none, so is "
                "paired with no household)"
            ),
            may_be_empty=True,
        ),
        Column("capacity", Kind.INT, True, Say("most households at once, >= 0"), minimum=0),
        Column("active_from", Kind.DATE, False, Say("first active day")),
        Column("active_to", Kind.DATE, False, Say("last active day")),
        Column("team_code", Kind.TEAM, False, Say("team the visitor belongs to")),
        Column(
            "is_team_lead",
            Kind.BOOL,
            False,
            Say("true for the lead of the team in team_code (refused without a team_code)"),
            default="false",
        ),
        Column("service_area_code", Kind.AREA, False, Say("only pair within this area's subtree")),
        Column(
            "remote_pool",
            Kind.ID,
            False,
            Say("pool of travelling visitors: no distance limit, only the pool's households"),
            64,
        ),
    ),
)

HOUSEHOLDS = EntitySchema(
    entity="households",
    keys=("household_id",),
    summary=Say("Households taking part, with their consent."),
    people=True,
    columns=(
        Column(
            "household_id",
            Kind.ID,
            True,
            Say(
                'your id for the household; any but "erased household" (in any case), which the '
                "audit trail writes for an erased one"
            ),
        ),
        Column("head_name", Kind.TEXT, True, Say("name of the head of household, any script")),
        Column("address", Kind.TEXT, False, Say("address text"), 500, default=""),
        Column("area_code", Kind.AREA, True, Say("area (usually a village) of the household")),
        Column("lat", Kind.LAT, True, Say("latitude, -90 to 90")),
        Column("lon", Kind.LON, True, Say("longitude, -180 to 180")),
        Column(
            "members",
            Kind.INT,
            True,
            Say(
                "number of members, >= 1, and no fewer than any year's members_in_work (indicators)"
            ),
            minimum=1,
        ),
        Column(
            "languages",
            Kind.LANGUAGES,
            True,
            Say("ISO 639 codes separated by ';'; empty: none (unpaired: no shared language)"),
            may_be_empty=True,
        ),
        Column(
            "consent",
            Kind.CHOICE,
            False,
            Say("given, pending or withdrawn"),
            choices=tuple(s.value for s in ConsentState),
            default=ConsentState.PENDING.value,
        ),
        Column("consent_date", Kind.DATE, False, Say("day consent was given or withdrawn")),
        Column(
            "remote_pool",
            Kind.ID,
            False,
            Say("remote pool of visitors also meant for this household"),
            64,
        ),
        Column(
            "preferred_weekdays",
            Kind.WEEKDAYS,
            False,
            Say(
                "days the household prefers visits to start on, e.g. mon;wed;fri or 0;2;4 "
                "(Monday = 0); empty: no preference"
            ),
        ),
    ),
)

INDICATORS = EntitySchema(
    entity="indicators",
    keys=("household_id", "year"),
    summary=Say("A household's figures for a year (one row per household and year)."),
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, Say("id of a household already imported")),
        Column(
            "year",
            Kind.INT,
            True,
            Say("calendar year, this one at the latest"),
            minimum=FIRST_YEAR,
            maximum=2200,
        ),
        Column("annual_income", Kind.FLOAT, False, Say("household income that year"), minimum=0.0),
        Column(
            "members_in_work",
            Kind.INT,
            False,
            Say("members in paid work, >= 0, at most the household's members"),
            minimum=0,
        ),
        Column(
            "services_enrolled",
            Kind.TEXT,
            False,
            Say(
                "service codes separated by ';' (any case, stored in lower case); empty or "
                "';': none"
            ),
            500,
            code_list=True,
        ),
    ),
)

VISITS = EntitySchema(
    entity="visits",
    keys=("visit_id",),
    summary=Say("Visits made, as field devices record them offline and sync them later."),
    people=True,
    columns=(
        Column(
            "visit_id",
            Kind.ID,
            True,
            Say(
                "the device's id for the visit, e.g. a UUID (36 characters at most; a UUID in "
                "upper case is the same as in lower case, any other id is kept as written): "
                "imported again, it updates that visit, never adds another; a visit recorded by "
                "hand (`visits record`) has its own, which `export visits` writes"
            ),
            uuid_lower=True,
        ),
        Column("household_id", Kind.ID, True, Say("id of the household visited")),
        Column("visitor_id", Kind.ID, True, Say("id of the visitor who made it")),
        Column("start", Kind.DATE, True, Say("first day of the visit")),
        Column("end", Kind.DATE, False, Say("last day of the visit; empty: the first day")),
        Column("note", Kind.TEXT, False, Say("a note on the visit"), NOTE_MAX),
        Column(
            "activities",
            Kind.CODES,
            False,
            Say(
                "what the visitor did, codes separated by ';' (any case), any of: %(codes)s; "
                "empty: none; column left out: a stored visit keeps its own",
                codes=ACTIVITIES.listed,
            ),
            vocabulary=ACTIVITIES,
        ),
        Column(
            "outcome_codes",
            Kind.CODES,
            False,
            Say(
                "what came of it for the household, codes separated by ';' (any case), any of: "
                "%(codes)s (alone); empty: none; column left out: a stored visit keeps its own",
                codes=OUTCOMES.listed,
            ),
            vocabulary=OUTCOMES,
        ),
        Column(
            "status",
            Kind.CHOICE,
            False,
            Say(
                "done, or empty: a visit made (`export visits` writes it, and its planned, "
                "missed and cancelled rows are for reading: delete them before importing)"
            ),
            choices=("done",),
        ),
    ),
)

EXCLUSIONS = EntitySchema(
    entity="exclusions",
    keys=("household_id", "visitor_id"),
    summary=Say('Pairs never to be made: a conflict of interest, a "do not pair again" request.'),
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, Say("id of a household already imported")),
        Column("visitor_id", Kind.ID, True, Say("id of a visitor already imported")),
        Column("reason", Kind.TEXT, False, Say("why, in a few words"), default=""),
    ),
)

LEAVE = EntitySchema(
    entity="leave",
    keys=("visitor_id", "starts_on"),
    summary=(
        Say(
            "Visitors' leave: days a visitor makes no visit. A period is known by its visitor "
            "and first day: imported again, it is updated in place, never added twice."
        )
    ),
    people=True,
    columns=(
        Column("visitor_id", Kind.ID, True, Say("id of a visitor already imported")),
        Column("starts_on", Kind.DATE, True, Say("first day of leave")),
        Column("ends_on", Kind.DATE, True, Say("last day of leave (the same day for one day)")),
    ),
)

BLACKOUTS = EntitySchema(
    entity="blackouts",
    keys=("household_id", "starts_on"),
    summary=(
        Say(
            "Households' blackout periods (harvest, festivals, exams): days no visit is planned. "
            "A period is known by its household and first day: imported again, it is updated "
            "in place, never added twice."
        )
    ),
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, Say("id of a household already imported")),
        Column("starts_on", Kind.DATE, True, Say("first day of the period")),
        Column(
            "ends_on", Kind.DATE, True, Say("last day of the period (the same day for one day)")
        ),
        Column("reason", Kind.TEXT, False, Say("why, e.g. harvest"), 200, default=""),
    ),
)

GROUP_ACTIVITIES = EntitySchema(
    entity="activities",
    keys=("code",),
    summary=Say("Group activities the programme runs: trips, contests, summer camps, training."),
    columns=(
        Column("code", Kind.ID, True, Say("unique activity code")),
        Column(
            "kind",
            Kind.CHOICE,
            True,
            Say("trip, contest, summer_camp, training or other"),
            choices=tuple(k.value for k in ActivityKind),
        ),
        Column("title", Kind.TEXT, True, Say("what it is, e.g. Summer camp 2027")),
        Column("area_code", Kind.AREA, True, Say("area where it is held")),
        Column(
            "organisation_code", Kind.ORGANISATION, False, Say("organisation that organises it")
        ),
        Column("starts_on", Kind.DATE, True, Say("first day")),
        Column("ends_on", Kind.DATE, True, Say("last day (the same day for one day)")),
    ),
)

ATTENDANCE = EntitySchema(
    entity="attendance",
    keys=("activity_code", "household_id", "visitor_id"),
    summary=(
        Say(
            "Who took part in an activity: one household, or one visitor, per row. A row "
            "imported again changes nothing; a new one needs the household's consent given on the "
            "activity's first day."
        )
    ),
    people=True,
    columns=(
        Column("activity_code", Kind.ID, True, Say("code of an activity already imported")),
        Column(
            "household_id",
            Kind.ID,
            False,
            Say("id of a household that took part (or a visitor_id)"),
        ),
        Column(
            "visitor_id", Kind.ID, False, Say("id of a visitor that took part (or a household_id)")
        ),
    ),
)

PROJECTS = EntitySchema(
    entity="projects",
    keys=("code",),
    summary=Say("Development projects sponsored by other organisations."),
    columns=(
        Column("code", Kind.ID, True, Say("unique project code")),
        Column("title", Kind.TEXT, True, Say("what it is, e.g. Clean water")),
        Column("sponsor_code", Kind.ORGANISATION, True, Say("organisation that sponsors it")),
        Column("area_code", Kind.AREA, True, Say("area where it runs")),
        Column("starts_on", Kind.DATE, True, Say("first day")),
        Column("ends_on", Kind.DATE, False, Say("last day; empty: not set")),
        Column(
            "status",
            Kind.CHOICE,
            False,
            Say("planned, running or done"),
            choices=tuple(s.value for s in ProjectStatus),
            default=ProjectStatus.PLANNED.value,
        ),
    ),
)

PROJECT_HOUSEHOLDS = EntitySchema(
    entity="project_households",
    keys=("project_code", "household_id"),
    summary=(
        Say(
            "Households a project benefits. A row imported again changes nothing; a new one "
            "needs the household's consent given."
        )
    ),
    people=True,
    columns=(
        Column("project_code", Kind.ID, True, Say("code of a project already imported")),
        Column("household_id", Kind.ID, True, Say("id of a household already imported")),
    ),
)

REFERRAL_IMPORT = EntitySchema(
    entity="referrals",
    keys=("household_id", "organisation_code", "service", "made_on"),
    summary=(
        Say(
            "Households referred to other organisations' services, and where each referral "
            "stands. A row finds its stored referral by its number, or by household, "
            "organisation, service and day; a new one needs the household's consent given. A "
            "status moves on, never back; empty, it keeps the stored one."
        )
    ),
    people=True,
    columns=(
        Column(
            "referral",
            Kind.INT,
            False,
            Say(
                "its number, as `export referrals` writes it; empty: found by household, "
                "organisation, service and day, else a new referral"
            ),
            minimum=1,
        ),
        Column("household_id", Kind.ID, True, Say("id of the household referred")),
        Column("organisation_code", Kind.ORGANISATION, True, Say("the organisation referred to")),
        Column(
            "service",
            Kind.CHOICE,
            True,
            Say("what for"),
            choices=tuple(s.value for s in ReferralService),
        ),
        Column("made_on", Kind.DATE, True, Say("day it was made, today at the latest")),
        Column("visitor_id", Kind.ID, False, Say("the visitor who made it, if one did")),
        Column(
            "status",
            Kind.CHOICE,
            False,
            Say("where it stands"),
            choices=tuple(s.value for s in ReferralStatus),
            default=ReferralStatus.OPEN.value,
        ),
        Column(
            "status_on",
            Kind.DATE,
            False,
            Say("day it took that status; empty for an open one (the day it was made)"),
        ),
    ),
)

#: Group activities and projects, and who takes part in them.
PROGRAMME: dict[str, EntitySchema] = {
    s.entity: s for s in (GROUP_ACTIVITIES, ATTENDANCE, PROJECTS, PROJECT_HOUSEHOLDS)
}

#: Periods of people (imported, validated and written alike): the schema of each.
PERIODS: dict[str, EntitySchema] = {s.entity: s for s in (LEAVE, BLACKOUTS)}

#: The registry: what the demo generates.
SCHEMAS: dict[str, EntitySchema] = {
    s.entity: s for s in (AREAS, ORGANISATIONS, TEAMS, VISITORS, HOUSEHOLDS, INDICATORS)
}
#: Everything `doorstep import` reads: the registry, the calendars, then the visits made
#: and the pairs never to be made, then group activities and projects.
IMPORTS: dict[str, EntitySchema] = (
    SCHEMAS
    | PERIODS
    | {s.entity: s for s in (VISITS, EXCLUSIONS)}
    | PROGRAMME
    | {REFERRAL_IMPORT.entity: REFERRAL_IMPORT}
)

PAIRINGS = EntitySchema(
    entity="pairings",
    keys=("household_id", "visitor_id", "since"),
    summary="Who looks after whom: written by `doorstep export`, never imported.",
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, "id of the household"),
        Column(
            "visitor_id", Kind.ID, True, "id of its visitor (a pairing file's current_visitor_id)"
        ),
        Column("since", Kind.DATE, True, "first day of the pairing"),
        Column("distance_m", Kind.INT, False, "metres between them, as the commit computed it"),
        Column("ended_on", Kind.DATE, False, "day it ended (with --all)"),
        Column("end_reason", Kind.TEXT, False, "why it ended, e.g. repaired (with --all)"),
    ),
)

REFERRALS = EntitySchema(
    entity="referrals",
    keys=("referral",),
    summary="Households referred to other organisations' services: written by `doorstep "
    "export`, made with `doorstep referral`.",
    people=True,
    columns=(
        Column("referral", Kind.INT, True, "its number (`doorstep referral status N`)"),
        Column("household_id", Kind.ID, True, "id of the household referred"),
        Column("organisation_code", Kind.ORGANISATION, True, "the organisation referred to"),
        Column("service", Kind.TEXT, True, "what for: employment, benefits, health..."),
        Column("made_on", Kind.DATE, True, "day it was made"),
        Column("visitor_id", Kind.ID, False, "the visitor who made it, if one did"),
        Column("status", Kind.TEXT, True, "open, accepted, completed, declined or withdrawn"),
        Column("status_on", Kind.DATE, True, "day it took that status"),
    ),
)

#: Everything `doorstep export` writes: what import reads, each in its import file's columns
#: (visits with their status too), and the pairings, which only a commit makes; the
#: referrals with every column (an import finds one by its number).
EXPORTS: dict[str, EntitySchema] = IMPORTS | {s.entity: s for s in (PAIRINGS, REFERRALS)}
