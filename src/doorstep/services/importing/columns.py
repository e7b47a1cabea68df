"""The column schema of every import file: one place that the validator, the loaders,
the ``--help`` text and the README all read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.enums import (
    ActivityKind,
    ConsentState,
    OrganisationKind,
    ProjectStatus,
    ReferralService,
    ReferralStatus,
)
from doorstep.domain.visit_codes import ACTIVITIES, NOTE_MAX, OUTCOMES, Vocabulary


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
    help: str = ""
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
    summary: str
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
    summary="The area tree, any depth (region > county > township > village).",
    columns=(
        Column("code", Kind.ID, True, "unique area code"),
        Column("name", Kind.TEXT, True, "area name, any script"),
        Column("parent_code", Kind.AREA, False, "code of the parent area; empty for a root"),
        Column("level", Kind.TEXT, True, "level name, e.g. region, county, township, village", 40),
    ),
)

ORGANISATIONS = EntitySchema(
    entity="organisations",
    keys=("code",),
    summary="Departments, sponsors and NGOs that visitors belong to or that fund projects.",
    columns=(
        Column("code", Kind.ID, True, "unique organisation code"),
        Column("name", Kind.TEXT, True, "organisation name"),
        Column(
            "kind",
            Kind.CHOICE,
            False,
            "department, sponsor, ngo or other",
            choices=tuple(k.value for k in OrganisationKind),
            default=OrganisationKind.DEPARTMENT.value,
        ),
        Column("area_code", Kind.AREA, False, "area the organisation belongs to"),
        Column(
            "staff_cap",
            Kind.FLOAT,
            False,
            "largest share of its staff away on visits on one day (0-1)",
            minimum=0.0,
            maximum=1.0,
        ),
    ),
)

TEAMS = EntitySchema(
    entity="teams",
    keys=("code",),
    summary="Working teams stationed in an area (usually a village); members come with visitors.",
    columns=(
        Column("code", Kind.ID, True, "unique team code"),
        Column("name", Kind.TEXT, True, "team name"),
        Column("area_code", Kind.AREA, True, "area where the team is stationed"),
        Column("organisation_code", Kind.ORGANISATION, False, "organisation that sends it"),
        Column("starts_on", Kind.DATE, True, "first day, YYYY-MM-DD"),
        Column("ends_on", Kind.DATE, False, "last day, YYYY-MM-DD"),
    ),
)

VISITORS = EntitySchema(
    entity="visitors",
    keys=("visitor_id",),
    summary="Staff or volunteers who visit households.",
    people=True,
    columns=(
        Column("visitor_id", Kind.ID, True, "your id for the visitor"),
        Column("name", Kind.TEXT, True, "full name, any script"),
        Column("organisation_code", Kind.ORGANISATION, False, "organisation the visitor is from"),
        Column("home_area_code", Kind.AREA, False, "area where the visitor lives"),
        Column("lat", Kind.LAT, True, "home latitude, -90 to 90"),
        Column("lon", Kind.LON, True, "home longitude, -180 to 180"),
        Column(
            "languages",
            Kind.LANGUAGES,
            True,
            "ISO 639 codes separated by ';', e.g. zh;hmn; empty: none (shares none, so is "
            "paired with no household)",
            may_be_empty=True,
        ),
        Column("capacity", Kind.INT, True, "most households at once, >= 0", minimum=0),
        Column("active_from", Kind.DATE, False, "first active day"),
        Column("active_to", Kind.DATE, False, "last active day"),
        Column("team_code", Kind.TEAM, False, "team the visitor belongs to"),
        Column(
            "is_team_lead",
            Kind.BOOL,
            False,
            "true for the lead of the team in team_code (refused without a team_code)",
            default="false",
        ),
        Column("service_area_code", Kind.AREA, False, "only pair within this area's subtree"),
        Column(
            "remote_pool",
            Kind.ID,
            False,
            "pool of travelling visitors: no distance limit, only the pool's households",
            64,
        ),
    ),
)

HOUSEHOLDS = EntitySchema(
    entity="households",
    keys=("household_id",),
    summary="Households taking part, with their consent.",
    people=True,
    columns=(
        Column(
            "household_id",
            Kind.ID,
            True,
            'your id for the household; any but "erased household" (in any case), which the '
            "audit trail writes for an erased one",
        ),
        Column("head_name", Kind.TEXT, True, "name of the head of household, any script"),
        Column("address", Kind.TEXT, False, "address text", 500, default=""),
        Column("area_code", Kind.AREA, True, "area (usually a village) of the household"),
        Column("lat", Kind.LAT, True, "latitude, -90 to 90"),
        Column("lon", Kind.LON, True, "longitude, -180 to 180"),
        Column(
            "members",
            Kind.INT,
            True,
            "number of members, >= 1, and no fewer than any year's members_in_work (indicators)",
            minimum=1,
        ),
        Column(
            "languages",
            Kind.LANGUAGES,
            True,
            "ISO 639 codes separated by ';'; empty: none (unpaired: no shared language)",
            may_be_empty=True,
        ),
        Column(
            "consent",
            Kind.CHOICE,
            False,
            "given, pending or withdrawn",
            choices=tuple(s.value for s in ConsentState),
            default=ConsentState.PENDING.value,
        ),
        Column("consent_date", Kind.DATE, False, "day consent was given or withdrawn"),
        Column(
            "remote_pool",
            Kind.ID,
            False,
            "remote pool of visitors also meant for this household",
            64,
        ),
        Column(
            "preferred_weekdays",
            Kind.WEEKDAYS,
            False,
            "days the household prefers visits to start on, e.g. mon;wed;fri or 0;2;4 "
            "(Monday = 0); empty: no preference",
        ),
    ),
)

INDICATORS = EntitySchema(
    entity="indicators",
    keys=("household_id", "year"),
    summary="A household's figures for a year (one row per household and year).",
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, "id of a household already imported"),
        Column(
            "year",
            Kind.INT,
            True,
            "calendar year, this one at the latest",
            minimum=1900,
            maximum=2200,
        ),
        Column("annual_income", Kind.FLOAT, False, "household income that year", minimum=0.0),
        Column(
            "members_in_work",
            Kind.INT,
            False,
            "members in paid work, >= 0, at most the household's members",
            minimum=0,
        ),
        Column(
            "services_enrolled",
            Kind.TEXT,
            False,
            "service codes separated by ';' (any case, stored in lower case); empty or ';': none",
            500,
            code_list=True,
        ),
    ),
)

VISITS = EntitySchema(
    entity="visits",
    keys=("visit_id",),
    summary="Visits made, as field devices record them offline and sync them later.",
    people=True,
    columns=(
        Column(
            "visit_id",
            Kind.ID,
            True,
            "the device's id for the visit, e.g. a UUID (36 characters at most; a UUID in "
            "upper case is the same as in lower case, any other id is kept as written): "
            "imported again, it updates that visit, never adds another; a visit recorded by "
            "hand (visits record) has its own, which export visits writes",
            uuid_lower=True,
        ),
        Column("household_id", Kind.ID, True, "id of the household visited"),
        Column("visitor_id", Kind.ID, True, "id of the visitor who made it"),
        Column("start", Kind.DATE, True, "first day of the visit"),
        Column("end", Kind.DATE, False, "last day of the visit; empty: the first day"),
        Column("note", Kind.TEXT, False, "a note on the visit", NOTE_MAX),
        Column(
            "activities",
            Kind.CODES,
            False,
            "what the visitor did, codes separated by ';' (any case), any of: "
            f"{ACTIVITIES.listed}; empty: none; column left out: a stored visit keeps its own",
            vocabulary=ACTIVITIES,
        ),
        Column(
            "outcome_codes",
            Kind.CODES,
            False,
            "what came of it for the household, codes separated by ';' (any case), any of: "
            f"{OUTCOMES.listed} (alone); empty: none; column left out: a stored visit keeps "
            "its own",
            vocabulary=OUTCOMES,
        ),
        Column(
            "status",
            Kind.CHOICE,
            False,
            "done, or empty: a visit made (`export visits` writes it, and its planned, "
            "missed and cancelled rows are for reading: delete them before importing)",
            choices=("done",),
        ),
    ),
)

EXCLUSIONS = EntitySchema(
    entity="exclusions",
    keys=("household_id", "visitor_id"),
    summary='Pairs never to be made: a conflict of interest, a "do not pair again" request.',
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, "id of a household already imported"),
        Column("visitor_id", Kind.ID, True, "id of a visitor already imported"),
        Column("reason", Kind.TEXT, False, "why, in a few words", default=""),
    ),
)

LEAVE = EntitySchema(
    entity="leave",
    keys=("visitor_id", "starts_on"),
    summary=(
        "Visitors' leave: days a visitor makes no visit. A period is known by its visitor "
        "and first day: imported again, it is updated in place, never added twice."
    ),
    people=True,
    columns=(
        Column("visitor_id", Kind.ID, True, "id of a visitor already imported"),
        Column("starts_on", Kind.DATE, True, "first day of leave"),
        Column("ends_on", Kind.DATE, True, "last day of leave (the same day for one day)"),
    ),
)

BLACKOUTS = EntitySchema(
    entity="blackouts",
    keys=("household_id", "starts_on"),
    summary=(
        "Households' blackout periods (harvest, festivals, exams): days no visit is planned. "
        "A period is known by its household and first day: imported again, it is updated "
        "in place, never added twice."
    ),
    people=True,
    columns=(
        Column("household_id", Kind.ID, True, "id of a household already imported"),
        Column("starts_on", Kind.DATE, True, "first day of the period"),
        Column("ends_on", Kind.DATE, True, "last day of the period (the same day for one day)"),
        Column("reason", Kind.TEXT, False, "why, e.g. harvest", 200, default=""),
    ),
)

GROUP_ACTIVITIES = EntitySchema(
    entity="activities",
    keys=("code",),
    summary="Group activities the programme runs: trips, contests, summer camps, training.",
    columns=(
        Column("code", Kind.ID, True, "unique activity code"),
        Column(
            "kind",
            Kind.CHOICE,
            True,
            "trip, contest, summer_camp, training or other",
            choices=tuple(k.value for k in ActivityKind),
        ),
        Column("title", Kind.TEXT, True, "what it is, e.g. Summer camp 2027"),
        Column("area_code", Kind.AREA, True, "area where it is held"),
        Column("organisation_code", Kind.ORGANISATION, False, "organisation that organises it"),
        Column("starts_on", Kind.DATE, True, "first day"),
        Column("ends_on", Kind.DATE, True, "last day (the same day for one day)"),
    ),
)

ATTENDANCE = EntitySchema(
    entity="attendance",
    keys=("activity_code", "household_id", "visitor_id"),
    summary=(
        "Who took part in an activity: one household, or one visitor, per row. A row "
        "imported again changes nothing; a new one needs the household's consent given on the "
        "activity's first day."
    ),
    people=True,
    columns=(
        Column("activity_code", Kind.ID, True, "code of an activity already imported"),
        Column(
            "household_id", Kind.ID, False, "id of a household that took part (or a visitor_id)"
        ),
        Column("visitor_id", Kind.ID, False, "id of a visitor that took part (or a household_id)"),
    ),
)

PROJECTS = EntitySchema(
    entity="projects",
    keys=("code",),
    summary="Development projects sponsored by other organisations.",
    columns=(
        Column("code", Kind.ID, True, "unique project code"),
        Column("title", Kind.TEXT, True, "what it is, e.g. Clean water"),
        Column("sponsor_code", Kind.ORGANISATION, True, "organisation that sponsors it"),
        Column("area_code", Kind.AREA, True, "area where it runs"),
        Column("starts_on", Kind.DATE, True, "first day"),
        Column("ends_on", Kind.DATE, False, "last day; empty: not set"),
        Column(
            "status",
            Kind.CHOICE,
            False,
            "planned, running or done",
            choices=tuple(s.value for s in ProjectStatus),
            default=ProjectStatus.PLANNED.value,
        ),
    ),
)

PROJECT_HOUSEHOLDS = EntitySchema(
    entity="project_households",
    keys=("project_code", "household_id"),
    summary=(
        "Households a project benefits. A row imported again changes nothing; a new one "
        "needs the household's consent given."
    ),
    people=True,
    columns=(
        Column("project_code", Kind.ID, True, "code of a project already imported"),
        Column("household_id", Kind.ID, True, "id of a household already imported"),
    ),
)

REFERRAL_IMPORT = EntitySchema(
    entity="referrals",
    keys=("household_id", "organisation_code", "service", "made_on"),
    summary=(
        "Households referred to other organisations' services, and where each referral "
        "stands. A row finds its stored referral by its number, or by household, "
        "organisation, service and day; a new one needs the household's consent given. A "
        "status moves on, never back; empty, it keeps the stored one."
    ),
    people=True,
    columns=(
        Column(
            "referral",
            Kind.INT,
            False,
            "its number, as `export referrals` writes it; empty: found by household, "
            "organisation, service and day, else a new referral",
            minimum=1,
        ),
        Column("household_id", Kind.ID, True, "id of the household referred"),
        Column("organisation_code", Kind.ORGANISATION, True, "the organisation referred to"),
        Column(
            "service",
            Kind.CHOICE,
            True,
            "what for",
            choices=tuple(s.value for s in ReferralService),
        ),
        Column("made_on", Kind.DATE, True, "day it was made, today at the latest"),
        Column("visitor_id", Kind.ID, False, "the visitor who made it, if one did"),
        Column(
            "status",
            Kind.CHOICE,
            False,
            "where it stands",
            choices=tuple(s.value for s in ReferralStatus),
            default=ReferralStatus.OPEN.value,
        ),
        Column(
            "status_on",
            Kind.DATE,
            False,
            "day it took that status; empty for an open one (the day it was made)",
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


def describe(schema: EntitySchema) -> str:
    """A plain-text table of the columns, for ``--help`` and the README."""
    lines = [f"{schema.entity}: {schema.summary}", ""]
    for c in schema.columns:
        need = "required" if c.required else "optional"
        lines.append(f"  {c.name:<20} {c.kind.value:<12} {need:<9} {c.help}")
    return "\n".join(lines)


def markdown() -> str:
    """The column tables of every import file, as the README shows them."""
    parts = []
    for s in IMPORTS.values():
        parts.append(f"**{s.entity}** — {s.summary} Key: `{'`, `'.join(s.keys)}`.\n")
        parts.append("| column | type | required | meaning |")
        parts.append("| --- | --- | --- | --- |")
        for c in s.columns:
            extra = f" (one of: {', '.join(c.choices)})" if c.choices else ""
            default = (
                ""
                if c.default is None
                else f"; empty: {f'`{c.default}`' if c.default else 'none'} for a new row, "
                "unchanged for a stored one"
            )
            need = "yes" if c.required else "no"
            if c.may_be_empty:
                need = "yes (may be empty)"
            parts.append(f"| `{c.name}` | {c.kind.value} | {need} | {c.help}{extra}{default} |")
        parts.append("")
    return "\n".join(parts)
