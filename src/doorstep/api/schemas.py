"""What the API takes and gives, as Pydantic models."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from doorstep.api.choices import Choices
from doorstep.domain.enums import ConsentState
from doorstep.domain.lengths import EVIDENCE_MAX
from doorstep.domain.visit_ids import VISIT_ID_MAX
from doorstep.domain.weekdays import parse_weekdays

#: The most days a plan's day counts take (``services.planning_settings.MAX_DAYS``),
#: and the programme's cadence at most.
PLAN_MAX_DAYS = 3660

#: A moment as the accounts and the trail have always answered it: ISO 8601 with its
#: offset written out (``+00:00``), which Pydantic would write as ``Z``.
Moment = Annotated[
    dt.datetime,
    PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class AccountRead(BaseModel):
    """The calling account, and what it may see."""

    name: str
    role: str
    area: str | None = Field(description="Its area's code; none: the whole programme")
    visitor: str | None = Field(description="A visitor's account: the visitor's id")


class VisitCreate(BaseModel):
    """A visit as its visitor reports it, once made."""

    household: str
    visitor: str
    start: dt.date
    end: dt.date | None = Field(None, description="Its last day (default: the start)")
    note: str | None = None
    visit_id: str | None = Field(
        None,
        max_length=VISIT_ID_MAX,
        description="The id the device gave it: sent again, it is recorded once (none or "
        "blank: the API gives it one, derived from the household, visitor and first day)",
    )
    activities: list[str] | None = None
    outcomes: list[str] | None = None

    @field_validator("visit_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """A blank id is none, as the record page and an import of visits take it: kept
        as an id, every later visit sent with a blank one was refused as another's."""
        return None if value is None else value.strip() or None


class CancelledVisitRead(BaseModel):
    """A planned visit cancelled by the visit recorded: the same visitor's, on its days."""

    household: str = Field(description="The household's id")
    start: dt.date = Field(description="The visit's first planned day")


class VisitRecorded(BaseModel):
    """A visit recorded (or found recorded already), and what that changed."""

    visit_id: str
    recorded: bool = Field(description="False: it was recorded already (sent again)")
    planned_from: dt.date | None = Field(
        None, description="The planned visit it became, by its first planned day"
    )
    cancelled: list[CancelledVisitRead] = Field(
        default_factory=list,
        description="The visitor's other planned visits on its days, cancelled",
    )
    leave: tuple[dt.date, dt.date] | None = Field(
        None, description="The first and last day of the visitor's recorded leave it meets"
    )


class MissedCreate(BaseModel):
    """A planned visit that was not made."""

    household: str
    visitor: str
    start: dt.date = Field(description="Its first planned day")


class CadenceRead(BaseModel):
    """The programme's cadence: the default of every list, report, file and plan."""

    max_gap_days: int = Field(description="Most days between two visits' starts")
    stay_days: int = Field(description="Days in one stay (1 for day visits)")
    set_on: dt.date | None = Field(description="When it was set (none: the default)")
    set_by: str | None = Field(description="Who set it (none: the default)")


class CadenceSet(BaseModel):
    """A new cadence for the programme: what is not given stays as it is."""

    model_config = ConfigDict(extra="forbid")

    max_gap_days: int | None = Field(None, ge=1, le=PLAN_MAX_DAYS)
    stay_days: int | None = Field(None, ge=1, le=PLAN_MAX_DAYS)


class ConsentCreate(BaseModel):
    """A household's new consent act."""

    # The choices and bounds are the service's to refuse, in its words (as the command line
    # and the pages are told); the spec states them for a client built from it.
    state: str = Field(
        description="given, withdrawn or pending",
        json_schema_extra={"enum": [s.value for s in ConsentState]},
    )
    evidence: str = Field(
        description="What it rests on: a signed form, a call, a letter",
        json_schema_extra={"minLength": 1, "maxLength": EVIDENCE_MAX},
    )
    on: dt.date | None = Field(None, description="The day it was made (default: today)")
    client_id: uuid.UUID | None = Field(
        None,
        description="The id the device gave the act: sent again with the same act, it is "
        "recorded once and answered `already: true`; with another act, refused (409)",
    )


class ConsentRead(BaseModel):
    """A household's consent act recorded: its state now and before, and what was done."""

    household: str
    state: str
    since: dt.date
    was: str
    was_since: dt.date | None
    notes: list[str] = Field(
        default_factory=list,
        description="What was done about its planned visits; sent again (`already`), a note "
        "that it was recorded already, then the first answer's notes",
    )
    already: bool = Field(
        False, description="True: sent again under its `client_id`, and recorded already"
    )


class ErasureConfirm(BaseModel):
    """An erasure's confirmation: it cannot be undone, so the id is typed again."""

    confirm: str = Field(description="The id of the household or visitor erased, again")


class HouseholdErased(BaseModel):
    """A household erased, and how many rows that took from each table."""

    household: str
    erased: dict[str, int] = Field(description="Rows erased, by table")
    still_on_disk: bool = Field(
        description="SQLite only: another reader kept the erased rows in the database file "
        "until its next checkpoint"
    )


class VisitorErased(BaseModel):
    """A visitor's personal data erased, and what the households' records keep."""

    visitor: str
    erased: dict[str, int] = Field(description="Rows erased, by table (their row kept, empty)")
    kept: dict[str, int] = Field(
        description="The households' records that name the visitor by id, kept, by table"
    )
    still_on_disk: bool = Field(
        description="SQLite only: another reader kept the erased values in the database file "
        "until its next checkpoint"
    )


class ProposalCreate(BaseModel):
    """A pairing proposal to make for an area: the settings of `doorstep pair --area` that
    mean something in a request (not where the parts are solved, nor the solver's limits)."""

    model_config = ConfigDict(extra="forbid")

    area: str = Field(min_length=1, description="The area's code: its households are paired")
    max_km: float = Field(30.0, gt=0, description="Greatest home-to-home distance for a pair")
    keep_km: float | None = Field(
        None,
        ge=0,
        description="Continuity: a current pair counts as this much shorter (default: 5, or "
        "max_km when that is smaller)",
    )
    balance_m: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Balance: the j-th household of a visitor costs balance_m*(2j-1) metres more",
    )
    new_only: bool = Field(
        False,
        description="Keep the current pairs and pair only the households without a visitor",
    )
    max_settled: int | None = Field(
        None, ge=1, description="With new_only: cut a search short after this many visitors"
    )


class CommitTraceRead(BaseModel):
    """What a proposal's commit did to the pairings, as their rows keep it."""

    started: int = Field(description="The pairings it started")
    still_open: int = Field(description="Of those, how many are open still")
    ended: dict[str, int] = Field(
        description="The pairings it ended, by why: an end reason, such as repaired, "
        "visitor_left or consent_withdrawn"
    )


class ProposalRead(BaseModel):
    """A proposal's figures as `doorstep pair show` gives them."""

    id: int
    area: str
    status: str = Field(description="open, committed, discarded or stale (superseded)")
    created_at: Moment
    created_by: str
    committed_at: Moment | None = None
    stale: bool | None = Field(
        None,
        description="Whether a commit would be refused as stale today (a committed one: "
        "changed since its commit); none when not checked (in a list) or not known",
    )
    stale_reason: str | None = None
    certified: bool = Field(description="Whether the pairing is proved least-cost")
    households: int
    paired: int
    unpaired: int
    caseloads: dict[str, int] = Field(
        description="How many active visitors have each caseload (households), after it"
    )
    churn: dict[str, int] = Field(description="Pairs kept, moved and new (and ended)")
    params: dict[str, Any] = Field(description="The settings it was made with")
    figures: dict[str, Any] = Field(description="Every figure stored with it")
    commit: CommitTraceRead | None = Field(
        None, description="A committed one, when shown: the pairings its commit started and ended"
    )


class ProposalList(BaseModel):
    """A page of pairing proposals."""

    total: int
    offset: int
    proposals: list[ProposalRead]


class PairChangeRead(BaseModel):
    """A household whose visitor a proposal would change, and how."""

    household: str
    current_visitor: str | None
    proposed_visitor: str | None
    distance_m: int | None
    reason: str | None = Field(description="Why none is proposed (a reason code)")
    now_by: int | None = Field(
        description="The proposal whose commit made its current pairing (or ended its last)"
    )


class PairDiffRead(BaseModel):
    """A page of the households a proposal would change."""

    proposal: int
    total: int = Field(description="How many households the proposal would change")
    offset: int
    next_offset: int | None = Field(description="The offset of the next page (none: the last)")
    stale: bool | None
    stale_reason: str | None
    changes: list[PairChangeRead]


class CommitRead(BaseModel):
    """A proposal committed: how many pairings it started, ended and kept."""

    proposal: int
    started: int
    ended: int
    kept: int


def _holiday_countries() -> list[str]:
    """The countries a plan's ``country`` may be (the service refuses another), read when
    the spec is built: the holidays library is not loaded before."""
    from doorstep.services.planning_settings import holiday_countries

    return holiday_countries()


class PlanCreate(BaseModel):
    """A plan of an area's stored pairings: the settings of `doorstep plan --area` that mean
    something in a request (not its output files nor its progress), and how many of the
    households that miss their cadence to show."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    area: str = Field(min_length=1, description="The area's code: its pairings are planned")
    start: dt.date | None = Field(None, description="First day of the horizon (default today)")
    months: int = Field(12, ge=1, le=120, description="Length of the horizon in months")
    max_gap_days: int | None = Field(
        None,
        ge=1,
        le=PLAN_MAX_DAYS,
        description="Most days between two visits' starts (default: the programme's cadence)",
    )
    stay_days: int | None = Field(
        None,
        ge=1,
        le=PLAN_MAX_DAYS,
        description="Days in one stay, 1 for day visits (default: the programme's cadence)",
    )
    country: Annotated[str, Choices(_holiday_countries)] | None = Field(
        None, description="Public holidays of this country (e.g. CN)"
    )
    subdivision: str | None = Field(None, description="...and of this subdivision")
    staff_cap: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Most of an organisation's staff away on any day, a share such as 0.3 (no "
        "cap without it; an organisation's own staff_cap wins)",
    )
    min_away: int = Field(1, ge=0, description="Under a cap, at least this many may be away")
    working_days: str = Field("all", description="Days visitors can be on a stay (mon-fri)")
    start_days: str = Field("all", description="Weekdays a stay may start on")
    travel_km: float = Field(50.0, ge=0, description="Households farther apart need...")
    travel_days: int = Field(
        1, ge=0, le=PLAN_MAX_DAYS, description="...this many free days between stays"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the spread of first visits")
    unmet_limit: int = Field(
        200,
        ge=0,
        le=2000,
        description="Show the first this many pairings whose cadence is not met (each one "
        "shown is a read in the audit trail)",
    )

    @field_validator("working_days", "start_days")
    @classmethod
    def _weekdays(cls, text: str) -> str:
        """Refused here, so that the error names the field (the planner reads it again)."""
        parse_weekdays(text)
        return text


class UnmetRead(BaseModel):
    """A pairing whose cadence the plan does not meet: the row `plan --compliance` writes."""

    household: str
    visitor: str
    visits: int
    longest_gap_days: int
    gap_from: dt.date | None
    gap_to: dt.date | None
    reason: str
    failed_rules: list[str]


class PlanRead(BaseModel):
    """A plan's summary, as `doorstep plan --area` prints it, and the first pairings whose
    cadence it does not meet."""

    area: str
    start: dt.date
    months: int
    max_gap_days: int
    pairings: int = Field(description="Pairings planned")
    visits: int = Field(description="Planned visits from the start on")
    kept: int = Field(description="...of which kept from the last plan")
    new: int = Field(description="...of which newly planned")
    removed: int = Field(
        description="Planned visits of the last plan removed: moved, or no longer wanted"
    )
    compliant_pairings: int
    infeasible: int = Field(description="Pairings whose cadence is not met")
    not_met: dict[str, int] = Field(description="Pairings whose cadence is not met, by reason")
    not_planned: dict[str, int] = Field(description="Open pairings given no visit, by why")
    seconds: float = Field(description="The request's work, from reading the area to the commit")
    read_again: bool = Field(
        description="Whether the area was read and planned again, holding the pairing lock, "
        "as another request or command wrote to the database while it was planned"
    )
    unmet_total: int = Field(description="How many pairings miss their cadence")
    unmet: list[UnmetRead] = Field(description="The first unmet_limit of them, by household")


class AlternativeRead(BaseModel):
    """A visitor the household could have had, and why it was not chosen; one whose home
    area is outside the account's is withheld: its distance and reason alone."""

    visitor: str | None = Field(description="Its id; none: withheld")
    withheld: bool = Field(
        default=False,
        description="Its home area is outside the account's: its id, caseload, capacity and "
        "last day are not given (nor read in the trail)",
    )
    distance_m: int = Field(description="Home to home, in metres")
    why_not: str = Field(
        description="Why not chosen (a reason code); as_near: as near as the chosen visitor"
    )
    caseload: int | None = Field(
        description="Its households: in the proposal and open elsewhere; none: withheld"
    )
    capacity: int | None = Field(description="None: withheld")
    leaving_on: dt.date | None = Field(
        default=None,
        description="Its last day, when within the programme's most days between visits: "
        "it takes no new households (why_not full), only keeps those it looks after",
    )


class ExplainedProposal(BaseModel):
    """The proposal a household's pairing is explained by."""

    id: int
    area: str
    status: str = Field(description="open, committed, discarded or stale (superseded)")
    stale: bool | None = Field(
        description="The area changed since it was made (a committed one: since its commit); "
        "none when that cannot be told"
    )
    stale_reason: str | None
    fallback: bool = Field(
        description="No open or committed proposal covers the household: a discarded or "
        "stale one was used"
    )


class PairingExplained(BaseModel):
    """Why a household has its visitor in a proposal, and the next best visitors."""

    household: str
    proposal: ExplainedProposal
    visitor: str | None = Field(description="The visitor proposed; none: left unpaired")
    distance_m: int | None = Field(description="Home to home, in metres")
    unpaired: str | None = Field(description="Why no visitor is proposed (a reason code)")
    in_area: bool = Field(
        description="False: the household has left the proposal's area since (no alternatives)"
    )
    alternatives: list[AlternativeRead] = Field(description="The next best visitors, in order")


class ExclusionListed(BaseModel):
    """A pair kept apart, as a list shows it: the household and its area, the visitor."""

    model_config = ConfigDict(from_attributes=True)

    household: str
    area: str = Field(description="The household's area")
    visitor: str
    reason: str


class ExclusionRemoved(BaseModel):
    """A household and a visitor that may be paired again."""

    household: str
    visitor: str
    change: str = Field(description="removed")
    reason: str = Field(description="The reason it was kept with")


class ExclusionMade(BaseModel):
    """A household and a visitor kept apart from now on, and what that did."""

    household: str
    visitor: str
    change: str = Field(description="added, updated (its reason) or unchanged")
    reason: str
    paired_in: str | None = Field(
        description="The area whose next committed pairing ends their open pairing; none: "
        "they are not paired now"
    )
    cancelled: list[dt.date] = Field(
        description="The first days of their planned visits cancelled now, in order"
    )


class ImportDone(BaseModel):
    """A file imported: how many of its rows were written, and how."""

    entity: str = Field(description="What its rows are (households, visitors, ...)")
    file: str = Field(description="The upload's file name")
    sheet: str | None = Field(description="The workbook's sheet read, when it has several")
    rows: int
    created: int
    updated: int
    unchanged: int = Field(description="Rows stored already as the file has them")
    notes: list[str] = Field(description="How some rows were taken, one line each")
