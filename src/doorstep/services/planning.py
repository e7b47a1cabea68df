"""Database-mode planning: plan the stored pairings of an area and list the work.

Re-planning replaces only planned visits from the start day on; recorded visits stay where
they are and count as history, so the first visit after a gap is pulled as early as the
constraints allow.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from doorstep.domain.enums import ConsentState, VisitStatus
from doorstep.engine.planning import (
    CadencePolicy,
    PlanningProblem,
    PlanParams,
    PlanResult,
    add_months,
    plan,
    public_holidays,
    visit_flags,
)
from doorstep.engine.planning.problem import overlapping_pairings
from doorstep.errors import Conflict, Named
from doorstep.privacy.audit import (
    record_event,
    record_events,
    record_household_events,
    record_visitor_events,
)
from doorstep.say import Say
from doorstep.services.cadence import clock_starts
from doorstep.services.planning_inputs import (
    PlanInputs,
    affected,
    cut_by_consent,
    cut_by_leave,
    earliest_cut,
    head_counts,
    not_made,
    overdue_kept,
    owners,
    settled,
    spans,
    unvisited,
)
from doorstep.services.planning_unmet import unmet_pairings
from doorstep.storage.repositories import audit as audit_repo
from doorstep.storage.repositories import bulk, erased_events
from doorstep.storage.repositories import pairing as pairing_repo
from doorstep.storage.repositories import unvisited as unvisited_repo
from doorstep.storage.repositories import visits as repo
from doorstep.storage.session import has_written

ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class PlanSettings:
    """What a database-mode plan needs besides the data."""

    start: dt.date
    months: int = 12
    policy: CadencePolicy = field(default_factory=CadencePolicy)
    country: str | None = None
    subdivision: str | None = None
    working_days: frozenset[int] = ALL_DAYS
    default_staff_cap: float | None = None
    min_away: int = 1
    travel_km: float = 50.0
    travel_days: int = 1
    seed: int = 0
    # Keep the planned visits of visitors nothing has changed for (see ``_affected``).
    keep_unaffected: bool = True


@dataclass(frozen=True)
class PlanSummary:
    pairings: int
    visits: int
    compliant_pairings: int
    infeasible: int
    reasons: dict[str, int]
    replaced: int  # planned visits deleted: moved, or no longer wanted
    kept: int  # planned visits kept as they were (``visits - kept`` are new)
    seconds: float
    # The pairings whose cadence is not met, a row each, by id (``planning_unmet``): what
    # ``reasons`` counts, for ``plan --area --compliance`` to list.
    unmet: pl.DataFrame
    # Open pairings of the area left out of the plan, by why (``not_planned``).
    not_planned: dict[str, int]
    # Whether the area was read again under the write lock, as something it had read was
    # changed while it was planned (:func:`plan_area`).
    read_again: bool = False


@dataclass(frozen=True)
class _Built:
    result: PlanResult
    pairs: pl.DataFrame  # the plannable pairings: row i is the problem's pairing i
    path: str
    dropped_visits: list[int]  # planned visits to plan again, or no longer wanted
    kept_visits: int
    # Stays under way cut short by their visitor's leave or their household's withdrawal:
    # id, visitor_id, planned_start, cut_end (their last day now), reason.
    shortened: pl.DataFrame
    # Open pairings of the area that get no visit from this plan, by why (``not_planned``).
    not_planned: dict[str, int]
    # The plannable pairings left with no planned visit from the start on, as rows of
    # ``unvisited_pairings`` (``planning_inputs.unvisited``).
    unvisited: pl.DataFrame


def _active_days(pairs: pl.DataFrame, stay_days: int) -> pl.DataFrame:
    """Each pairing's active days ``[plan_from, plan_to)``: from its start to its end, and
    only while its visitor is active (``active_to`` is the visitor's last day) and its
    household consents; null for open ends. Where it ends, the last ``stay_days - 1`` days
    are left out, so that a stay started in it is over by the end (an open pairing's stays
    may run past the horizon); ``plan_end`` keeps the end, until which the household is in
    the pairing's care.

    Consent is taken as the work lists take it on a day (``consent_on``): a household that
    does not consent on the plan's start day but does by its current act is planned from
    the day that act counts (``consent_from``, where its cadence clock starts too), and one
    that consents on the start day but withdrew by an act dated later is planned up to the
    day before it (``consent_until``). Acts replaced in between are not looked at: the
    window is the start day's state and the current act's.
    """
    given = ConsentState.GIVEN.value
    on_start = (pl.col("consent_on_start") == given).fill_null(False)
    now = pl.col("consent_state") == given
    begins = pl.when(now & ~on_start).then(pl.col("consent_act_from"))
    # The same rule as a hand-over's stay (``under_way_of_ended``): SQL ``consent_until``.
    ends = pl.when(on_start).then(pl.col("consent_ends_on"))
    end = pl.min_horizontal("ended_on", pl.col("visitor_to") + pl.duration(days=1), "consent_until")
    return pairs.with_columns(
        begins.alias("consent_from"), ends.alias("consent_until")
    ).with_columns(
        pl.max_horizontal("started_on", "visitor_from", "consent_from").alias("plan_from"),
        (end - pl.duration(days=stay_days - 1)).alias("plan_to"),
        end.alias("plan_end"),
    )


def _plannable(pairs: pl.DataFrame, start: dt.date, end: dt.date) -> pl.Series:
    """Pairings that get visits in ``[start, end)``: the household consents on a day of it
    (its window is in the pairing's active days, ``_active_days``), the pair is not
    excluded, and the pairing is active on at least one day of the horizon.

    An excluded pair's pairing stays until the next commit for its area ends it, but its
    visitor is not to go there again (its planned visits were cancelled when it was
    excluded): a plan meanwhile gives it none, and drops any it still has.
    """
    frm = pairs["plan_from"].fill_null(dt.date.min)
    # In care until its end, though no stay may start in its last days: one whose visitor
    # leaves within a stay of the start gets no visit, but its household's cadence is
    # still measured (and reported, overdue say) until then.
    to = pairs["plan_end"].fill_null(dt.date.max)
    return (
        pairs.select(_consents()).to_series()
        & (pairs["excluded"] == 0)
        & (frm < to)
        & (frm < end)
        & (to > start)
    )


def _consents() -> pl.Expr:
    """Whether a pairing's household consents, now or on the plan's start day."""
    given = ConsentState.GIVEN.value
    return (pl.col("consent_state") == given) | (pl.col("consent_on_start") == given).fill_null(
        False
    )


#: Why an open pairing of the area is not planned, in the order they are told apart.
NOT_PLANNED = ("pair excluded", "no consent", "visitor gone", "no active day")


def not_planned(pairs: pl.DataFrame, plannable: pl.Series, start: dt.date) -> dict[str, int]:
    """How many of ``pairs`` (``_active_days``) are not ``plannable``, by the first reason of
    :data:`NOT_PLANNED` that holds: the pair excluded (its pairing waits for the next
    commit to end it), its household not consenting, its visitor gone before ``start``
    (the pairing stays open until a commit hands the household over), or else no day of
    the horizon (it begins after it, or its consent ends before it). A plan's count of
    pairings left out these, which ``stats`` counts as active: the summary says why."""
    why = (
        pl.when(pl.col("excluded") != 0)
        .then(pl.lit(NOT_PLANNED[0]))
        .when(~_consents())
        .then(pl.lit(NOT_PLANNED[1]))
        .when(pl.col("visitor_to") < start)
        .then(pl.lit(NOT_PLANNED[2]))
        .otherwise(pl.lit(NOT_PLANNED[3]))
    )
    counts = pairs.filter(~plannable).select(why.alias("why"))["why"].value_counts()
    found = dict(zip(counts["why"].to_list(), counts["count"].to_list(), strict=True))
    return {w: int(found[w]) for w in NOT_PLANNED if w in found}


def _without_broken(inputs: PlanInputs) -> tuple[PlanningProblem, set[int]]:
    """The problem with only those kept visits that still meet every hard constraint (the
    settings may have changed since they were planned: holidays, working days, stay length,
    a staffing cap); the visitors whose kept visits did not are planned again."""
    broken: set[int] = set()
    while True:
        problem = inputs.build()
        n_kept = inputs.kept.height
        if not n_kept:
            return problem, broken
        n_fixed = len(problem.fixed_pairing)
        given = np.arange(n_fixed) < n_fixed - n_kept  # the kept visits are the last ones
        flags = visit_flags(
            problem, problem.fixed_pairing, problem.fixed_start, problem.fixed_end, given
        )
        bad = np.zeros(n_fixed, np.bool_)
        for flagged in flags.values():
            bad |= flagged
        bad &= ~given
        if not bad.any():
            return problem, broken
        rows = np.flatnonzero(bad) - (n_fixed - n_kept)
        now = set(inputs.kept["visitor_id"].gather(rows).to_list())
        broken |= now
        inputs.kept = inputs.kept.filter(~pl.col("visitor_id").is_in(list(now)))


def build_result(
    conn: Connection, area_code: str, settings: PlanSettings, *, progress: Any = None
) -> _Built:
    """Plan the area's active pairings around recorded visits and the visits kept."""
    _, path, _ = pairing_repo.area_by_code(conn, area_code)
    start = settings.start
    end = add_months(start, settings.months)  # the first day after the horizon
    stay_days = settings.policy.stay_days
    scope = _active_days(repo.scope_pairings(conn, path, start), stay_days)
    plannable = _plannable(scope, start, end)
    pairs = scope.filter(plannable)
    _refuse_overlapping(pairs, area_code)
    holidays = (
        public_holidays(settings.country, start, end, subdivision=settings.subdivision)
        if settings.country
        else frozenset()
    )
    org_ids = [int(o) for o in pairs["organisation_id"].drop_nulls().unique().to_list()]
    visitor_ids = [int(v) for v in pairs["visitor_id"].unique().to_list()]
    household_ids = [int(h) for h in pairs["household_id"].unique().to_list()]
    # The cadence runs per household: never visited, a pairing is due from the first day
    # of its household's run of pairings (handed over, it is as due as before), as the work
    # lists say. The engine measures a pairing's first gap from the household's last visit
    # before it, by any of its pairings in this plan, planned or recorded; the clock counts
    # only where there is none (a pairing taking over from one too short to need a visit).
    clocks = clock_starts(repo.household_pairings(conn, household_ids))
    pairs = pairs.join(clocks, on="id", how="left", maintain_order="left").with_columns(
        # A household whose consent begins inside the horizon is due as a new pairing is,
        # from that day (its recorded visits, if recent, still set an earlier deadline).
        pl.max_horizontal("clock_from", "consent_from").alias("clock_from")
    )
    leave = spans(
        repo.spans(conn, "visitor_leave", "visitor_id", visitor_ids),
        "visitor_id",
        "starts_on",
        "ends_on",
    )
    blackouts = spans(
        repo.spans(conn, "household_blackouts", "household_id", household_ids),
        "household_id",
        "starts_on",
        "ends_on",
    )

    # Stays under way on the start day of pairings ended by then (a hand-over: the visitor
    # leaving finishes one) follow the rules of the plan's own (below): one at a household
    # its visitor is not to visit now (it withdrew, or the pair was excluded) is cancelled,
    # as is one its visitor's leave began by its first day; leave later cuts it short.
    handed, handed_cut = _handed_over(conn, path, start, leave, visitor_ids)
    handed_gone = pl.concat(
        [
            handed.filter(pl.col("unwanted") == 1)["id"],
            handed_cut.filter(pl.col("cut_end") < pl.col("planned_start"))["id"],
        ]
    )
    handed_gone_households = handed.filter(pl.col("id").is_in(handed_gone.implode()))[
        "household_id"
    ]
    handed_cut = handed_cut.filter(pl.col("cut_end") >= pl.col("planned_start"))
    handed = handed.filter(~pl.col("id").is_in(handed_gone.implode()))

    # A visitor is away on every stay that is not one of this plan's pairings' own (in
    # another area, made for a pairing that gets no visits now, made for another visitor)
    # and that this plan does not cancel: such stays block the visitor's days as leave does
    # (and are named so in the reasons), with the travel days around them, as the
    # households' distance is not looked at. A made visit is the own stay of the pairing
    # whose days hold it (see ``owners``): that pairing has it as a fixed visit (below).
    pad = pl.duration(days=settings.travel_days)
    planned = repo.planned_visits(conn, scope["id"].to_list(), start).join(
        pairs.select(
            pl.col("id").alias("pairing_id"),
            pl.col("plan_from").fill_null(dt.date.min).alias("_from"),
            pl.col("plan_to").fill_null(dt.date.max).alias("_to"),
            "consent_until",
        ),
        on="pairing_id",
        how="left",
    )
    # From the first day of a stay under way, so that visits made over it are seen (below).
    since = start - dt.timedelta(days=settings.travel_days)
    begun = planned["planned_start"].filter(planned["planned_start"] < since).min()
    # The stays this plan cancels keep nobody busy: those of the area's pairings that get no
    # visits now (under way too: a household that withdrew is not visited to the stay's end),
    # and the hand-overs cancelled by leave (above).
    cancelled = pl.concat([handed_gone, planned.filter(pl.col("_from").is_null())["id"]])
    stays = (
        repo.stays_of(conn, visitor_ids, begun if isinstance(begun, dt.date) else since)
        .filter(~pl.col("id").is_in(cancelled.implode()))
        .join(handed_cut.select("id", "cut_end"), on="id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("cut_end", "ends_on").alias("ends_on"))
        .drop("cut_end")
    )
    made = pl.col("status") != VisitStatus.PLANNED.value
    planned_stays = stays.filter(
        ~made
        & ~(pl.col("pairing_id").is_in(scope["id"].implode()) & (pl.col("starts_on") >= start))
    ).join(
        pairs.select(pl.col("id").alias("pairing_id"), pl.col("visitor_id").alias("_v")),
        on="pairing_id",
        how="left",
    )
    made_stays = stays.filter(made).with_columns(pl.col("starts_on").alias("day"))
    elsewhere = pl.concat(
        [
            planned_stays.filter(pl.col("_v").is_null() | (pl.col("_v") != pl.col("visitor_id"))),
            made_stays.filter(owners(pairs, made_stays, stay_days).is_null()),
        ],
        how="diagonal",
    ).select(
        pl.col("visitor_id").alias("owner"),
        (pl.col("starts_on") - pad).alias("first"),
        (pl.col("ends_on") + pad).alias("last"),
    )
    on_leave = leave  # the visitor's own leave, not stays elsewhere: it cuts stays short
    leave = pl.concat([leave, elsewhere])

    # History. The cadence runs per household: its visits by any visitor count, however
    # long ago the last one was; a visit by another pairing counts as its day only.
    history_from = start - dt.timedelta(days=settings.policy.max_gap_days)
    recorded = (
        repo.recorded_visits(conn, household_ids, history_from)
        .filter(pl.col("actual_start") < end)  # made after the horizon: nothing to plan around
        .with_columns(
            pl.col("actual_start").alias("first"),
            pl.coalesce("actual_end", "actual_start").alias("last"),
            pl.col("actual_start").alias("day"),
        )
    )
    recorded = recorded.with_columns(owners(pairs, recorded, stay_days).alias("own"))
    own = recorded.filter(pl.col("own").is_not_null())
    done = own.select(pl.col("visitor_id").alias("owner"), "first", "last")
    others = (
        recorded.filter(pl.col("first") < start)  # the household's other pairings' day
        .join(pairs.select("household_id", pl.col("id").alias("other")), on="household_id")
        .filter(pl.col("own").is_null() | (pl.col("other") != pl.col("own")))
    )
    # A stay under way on the start day for a pairing ended by then (its household handed
    # to another visitor that day, say) is happening (unless the plan cancelled it, above):
    # it is the household's last visit, so the visitor taking over is due a gap after it,
    # not sent at once to double up.
    handed = handed.join(
        pairs.select("household_id", pl.col("id").alias("other")), on="household_id"
    )

    # A pairing with no visit to its household before it is due within the gap of its
    # clock (its household's first pairing of the run, ``clock_starts``), as the work lists
    # say: the engine measures its first gap from that day (before the horizon, for one
    # begun by the start), and spreads the first visits of such pairings over what is left
    # of it. (Given as a visit on its first
    # day, as until session 26, it made every pairing begun on one day due on the same day,
    # and 11 % of a county paired on a Tuesday missed that day when planned from Monday.)

    # Planned visits: those under way on the start day stay (unless their visitor provably
    # did not make them, below); those of pairings that get no visits now, or on days the
    # pairing is not active, go; the others stay unless their visitor is affected by a change.
    ours = pl.col("_from").is_not_null()
    under_way = ours & (pl.col("planned_start") < start)
    inside = (
        ours
        & (pl.col("_from") <= pl.col("planned_start"))
        & (pl.col("planned_start") < pl.min_horizontal("_to", pl.lit(end)))
    )
    # A stay under way that its visitor provably did not make (a visit of theirs is recorded
    # on one of its days, elsewhere) is not happening: it is no visit of its household and
    # keeps nobody busy. It goes as a replaced visit does (kept as cancelled, for the
    # calendars), and its visitor is planned again.
    phantom = not_made(planned.filter(under_way), stays.filter(made))
    # A stay under way that its visitor's leave meets (leave imported since it was planned)
    # ends the day before the leave begins: the visitor is away. One the leave began by its
    # first day is not kept at all, as one its visitor did not make. One its household's
    # withdrawal (dated after the start) meets ends the day before it takes effect.
    going_on = planned.filter(under_way & ~pl.col("id").is_in(phantom["id"].implode()))
    cut = earliest_cut(cut_by_leave(going_on, on_leave), cut_by_consent(going_on))
    nothing_left = pl.col("cut_end") < pl.col("planned_start")
    phantom = pl.concat([phantom, cut.filter(nothing_left).select("id", "visitor_id")])
    cut = cut.filter(~nothing_left)
    gone = pl.col("id").is_in(phantom["id"].implode())
    under_way = under_way & ~gone
    history = pl.concat(
        [
            own.select(pl.col("own").alias("pairing_id"), "first", "last"),
            others.select(
                pl.col("other").alias("pairing_id"), "first", pl.col("first").alias("last")
            ),
            handed.select(
                pl.col("other").alias("pairing_id"),
                pl.col("planned_start").alias("first"),
                pl.col("planned_start").alias("last"),
            ),
            planned.filter(under_way)
            .join(cut.select("id", "cut_end"), on="id", how="left")
            .select(
                "pairing_id",
                pl.col("planned_start").alias("first"),
                pl.coalesce("cut_end", "planned_end").alias("last"),
            ),
        ]
    )
    dropped: list[int] = planned.filter(~under_way & ~inside | gone)["id"].to_list()
    dropped += handed_gone.to_list()
    planned = planned.filter(~under_way & inside & ~gone).drop("_from", "_to", "consent_until")
    # Asked once the stays under way that did not happen are known: such a stay makes up
    # no missed visit (it counts for nothing), so it must not hide one.
    missed = repo.missed_since(
        conn, pairs["id"].to_list(), history_from, start, not_made=phantom["id"].to_list()
    )
    again = pl.col("visitor_id").is_in(
        pl.concat(
            [
                affected(
                    pairs,
                    planned,
                    done,
                    missed,
                    leave,
                    blackouts,
                    # Left without a visit by the last plan from this day, over a
                    # horizon no shorter: not new.
                    settled(pairs, unvisited_repo.of_area(conn, path), start, end),
                ),
                phantom["visitor_id"],
                cut["visitor_id"],  # its household's cadence planned around what is left
                # A hand-over stay cancelled was its household's last visit: the visitor
                # who took it over is due sooner.
                pairs.filter(pl.col("household_id").is_in(handed_gone_households.implode()))[
                    "visitor_id"
                ],
                overdue_kept(
                    pairs,
                    history,
                    planned,
                    repo.last_unmade_before(conn, pairs["id"].to_list(), start),
                    start,
                    settings.policy.effective_gap_days,
                ),
            ]
        ).implode()
        if settings.keep_unaffected
        else pairs["visitor_id"].implode()
    )
    dropped += planned.filter(again)["id"].to_list()
    inputs = PlanInputs(
        settings,
        pairs,
        holidays,
        head_counts(repo.organisations_of(conn, org_ids), repo.staff_of(conn, org_ids), start, end),
        leave,
        blackouts,
        history,
        planned.filter(~again).select(
            "id", "visitor_id", "pairing_id", "planned_start", "planned_end"
        ),
    )
    kept_ids = inputs.kept["id"].to_numpy()
    problem, _ = _without_broken(inputs)
    dropped += np.sort(kept_ids[~np.isin(kept_ids, inputs.kept["id"].to_numpy())]).tolist()
    urgent = inputs.rows_of(pairs["id"].filter(pairs["id"].is_in(missed))).to_list()
    result = plan(
        problem, params=PlanParams(seed=settings.seed), progress=progress, pull_forward=urgent
    )
    shortened = pl.concat([cut, handed_cut.select(cut.columns)])
    v = result.visits
    visited = pl.concat(
        [
            inputs.kept["pairing_id"],
            pl.Series("pairing_id", pairs["id"].to_numpy()[v.pairing[~v.fixed]], pl.Int64),
        ]
    )
    return _Built(
        result,
        pairs,
        path,
        dropped,
        inputs.kept.height,
        shortened,
        not_planned(scope, plannable, start),
        unvisited(pairs, visited, start, end),
    )


def _handed_over(
    conn: Connection, path: str, start: dt.date, leave: pl.DataFrame, read: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The area's stays under way on ``start`` of pairings ended by then
    (``under_way_of_ended``), and the cuts of those not ``unwanted``: their visitor's leave
    or their household's withdrawal meets them (``earliest_cut``). ``leave`` holds that of
    the visitors ``read``; a hand-over's visitor may have no pairing in the plan, so the
    others' is read here."""
    handed = repo.under_way_of_ended(conn, path, start)
    others = sorted(set(handed["visitor_id"].to_list()) - set(read))
    if others:
        theirs = repo.spans(conn, "visitor_leave", "visitor_id", others)
        leave = pl.concat([leave, spans(theirs, "visitor_id", "starts_on", "ends_on")])
    wanted = handed.filter(pl.col("unwanted") == 0)
    return handed, earliest_cut(cut_by_leave(wanted, leave), cut_by_consent(wanted))


def forget_day(start: dt.date, today: dt.date) -> dt.date:
    """The day before which a plan forgets cancelled events (``cancelled_visits``,
    ``erased_visit_events``): the earlier of ``today`` and the plan's ``start``.

    Not the start alone: a calendar drawn today (``visits calendar`` sends what ends on
    ``--since``, today by default, or later) still has to send as cancelled an event over
    between today and a later start, as a phone keeps an event until it gets it back
    cancelled. Not today alone either, where the start is earlier (only a caller of the
    service can plan from a past day): the plan itself cancels the visits it replaces from
    its start on, and forgetting those at once would leave them on the phones of anyone
    drawing a calendar from that start.

    No ``ANALYZE`` after it: a delete leaves the planner over-estimating these small
    tables, which costs their per-visitor lookups nothing (the harm is in under-estimating,
    after a bulk insert, see :mod:`~doorstep.storage.repositories.bulk`), and autovacuum
    samples them again once a tenth has gone.
    """
    return min(start, today)


def _refuse_overlapping(pairs: pl.DataFrame, area_code: str) -> None:
    """Refuse a household paired with one visitor twice over the same days.

    Paired again later (after another visitor, say) is fine: each pairing keeps its own days.
    Over the same days, one visitor would keep two cadences at one household, and a visit
    could not be filed under either pairing alone; merging them would have to pick one, so
    the coordinator is asked to end one instead.
    """
    ids = pairs.select(
        (pl.col("household_id") * (pl.col("visitor_id").max() + 1) + pl.col("visitor_id")),
        pl.col("plan_from").fill_null(dt.date.min).dt.epoch("d"),
        pl.col("plan_to").fill_null(dt.date.max).dt.epoch("d"),
    )
    clash = overlapping_pairings(*(c.to_numpy() for c in ids))
    if clash is not None:
        first, second = (pairs.row(i, named=True) for i in clash)
        household, visitor = second["household"], second["visitor"]
        rest = Say(
            "twice over the same days (pairings %(first)s and %(second)s): end one of them to "
            "plan the area",
            first=first["id"],
            second=second["id"],
        )
        # The user is shown both ids, a read under each; the refused plan's event, which
        # neither's erasure finds, keeps the line without them (privacy.audit's rule).
        unnamed = f"a household is paired with a visitor {rest}"
        reads = (
            Named("household", (household,), {"area": area_code}, unnamed=unnamed),
            Named("visitor", (visitor,), {"area": area_code}),
        )
        said = Say(
            "household %(household)s is paired with visitor %(visitor)s %(rest)s",
            household=household,
            visitor=visitor,
            rest=rest,
        )
        raise Conflict(said, named=reads)


def _new_visits(result: PlanResult, pairs: pl.DataFrame) -> pl.DataFrame:
    """The plan's visits to write (not those it was given), as ``visits`` rows."""
    # By the problem's pairing index, not by household and visitor: the same two may be
    # paired more than once, and each visit goes to the pairing it was planned for.
    pid = pairs["id"].to_numpy()
    v = result.visits
    mine = ~v.fixed
    row = v.pairing[mine]
    day0 = np.datetime64(result.problem.start, "D")
    return pl.DataFrame(
        {
            "pairing_id": pid[row],
            "household_id": pairs["household_id"].to_numpy()[row],
            "visitor_id": pairs["visitor_id"].to_numpy()[row],
            "planned_start": day0 + v.start[mine].astype(np.int64),
            "planned_end": day0 + v.end[mine].astype(np.int64),
        },
        schema={
            "pairing_id": pl.Int64,
            "household_id": pl.Int64,
            "visitor_id": pl.Int64,
            "planned_start": pl.Date,
            "planned_end": pl.Date,
        },
    ).with_columns(
        pl.lit(VisitStatus.PLANNED.value).alias("status"),
        pl.col("planned_start").alias("window_start"),
        pl.col("planned_end").alias("window_end"),
        pl.lit(result.problem.start, pl.Date).alias("planned_from"),
    )


def _same_days_kept(
    conn: Connection, dropped: list[int], new: pl.DataFrame, start: dt.date
) -> tuple[list[int], pl.DataFrame, int]:
    """The visits to delete and those to write, less each dropped visit the plan writes
    again on the same days for the same pairing, whose row stays (its ``planned_from``
    now ``start``: this plan laid it); and how many stay. A visitor planned again (a
    pairing of theirs gets no visit however often it is planned: they leave before there
    is room, say, and the plan is from another day than the last, see
    ``planning_inputs.settled``) gets most visits on the same days as before: kept, they
    are neither cancelled and re-sent to the phones nor a write to their households (the
    day of the plan is the plan's bookkeeping, nothing a household or a calendar shows)."""
    numbered = new.with_row_index("_new")
    same = (
        repo.unchanged_if_planned_again(conn, dropped)
        .join(numbered, on=["pairing_id", "planned_start", "planned_end"])
        .unique("id", keep="first", maintain_order=True)
        .unique("_new", keep="first", maintain_order=True)
    )
    stay = set(same["id"].to_list())
    repo.set_planned_from(conn, sorted(stay), start)
    written = numbered.filter(~pl.col("_new").is_in(same["_new"].implode())).drop("_new")
    return [i for i in dropped if i not in stay], written, same.height


def _build_then_lock(
    session: Session, area_code: str, settings: PlanSettings, progress: Any
) -> tuple[_Built, bool]:
    """The plan built, and the pairing lock held; whether it was built twice (see
    :func:`plan_area`).

    PostgreSQL: built in the unit's transaction, then the lock taken; built again when the
    lock's count of takes moved meanwhile (every writer of what a plan reads takes it, and
    its take counts once it commits). SQLite: built on a connection of its own, where the
    unit has written nothing yet (a unit that has holds the lock already) and the database
    is not one shared connection (an in-memory one's); then the unit takes its turn to
    write (:func:`~doorstep.storage.session.take_turn`: its transaction begun again with
    the lock, not refused for what others wrote while it planned), and the plan is built
    again when the audit trail holds anything but a read since (any write, whether or not
    it took the lock)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        before = pairing_repo.lock_takes(conn)
        built = build_result(conn, area_code, settings, progress=progress)
        if pairing_repo.lock_pairings(conn) == before:
            return built, False
        return build_result(conn, area_code, settings, progress=progress), True
    engine = conn.engine
    shared = isinstance(engine.pool, SingletonThreadPool | StaticPool)
    if shared or has_written(conn):
        pairing_repo.lock_pairings(conn)
        return build_result(conn, area_code, settings, progress=progress), False
    mark = audit_repo.last_event_id(conn)
    with engine.connect() as reader:
        built = build_result(reader, area_code, settings, progress=progress)
        reader.rollback()  # its temporary tables' transaction: nothing else was written
    # Its turn (the unit begun again, with the writer's lock): the trail is read again.
    pairing_repo.lock_pairings(conn)  # no one writes from here to the commit
    if not audit_repo.written_since(conn, mark):
        return built, False
    return build_result(conn, area_code, settings, progress=progress), True


def plan_area(
    session: Session,
    area_code: str,
    settings: PlanSettings,
    *,
    actor: str,
    today: dt.date,
    progress: Any = None,
) -> PlanSummary:
    """Plan the area from ``settings.start``: affected visitors' planned visits are planned
    again, the others are kept (all are planned again with ``keep_unaffected=False``). The
    area's pairings it leaves with no planned visit are recorded (``unvisited_pairings``), so
    that the next plan from the same day takes them as settled, not new
    (``planning_inputs.settled``).

    Written under the pairing lock, held to the commit: two plans at once (of one area, or
    of nested ones) would each replace the same visits and both write theirs, and a commit
    or an erasure in between would change the pairings under the plan. The area is read
    and planned without it (visits, consent and imports sent meanwhile are not held up:
    recording a visit takes the lock too, and on SQLite it is the database's one writer's
    lock), then the lock is taken, and if a writer committed since the reading began the
    area is read and planned again under it (``read_again``; see
    :func:`_build_then_lock`): what is written is always planned from what is stored.

    ``today`` is the day the plan is made (the caller's clock, not read here): cancelled
    events over before it, and before the start, are forgotten (:func:`forget_day`).
    """
    built, read_again = _build_then_lock(session, area_code, settings, progress)
    result, pairs = built.result, built.pairs
    conn = session.connection()
    dropped, new, same = _same_days_kept(
        conn, built.dropped_visits, _new_visits(result, pairs), settings.start
    )
    deleted = pl.concat(
        [
            repo.delete_visits(conn, dropped),
            repo.delete_planned_of_ended(conn, built.path, settings.start),
        ]
    )
    replaced = deleted.height
    shortened = repo.shorten_visits(conn, built.shortened.select("id", "cut_end")).join(
        built.shortened.select("id", "reason"), on="id", maintain_order="left"
    )
    forget = forget_day(settings.start, today)
    repo.forget_cancelled_before(conn, forget)
    erased_events.forget_before(conn, forget)
    bulk.insert_rows(conn, "visits", new)
    unvisited_repo.replace(conn, built.path, built.unvisited)
    unmet = unmet_pairings(result, pairs)
    reasons = Counter(unmet["reason"].to_list())
    summary = PlanSummary(
        pairings=len(result.compliant),
        visits=new.height + built.kept_visits + same,
        compliant_pairings=int(np.sum(result.compliant)),
        infeasible=int(len(result.compliant) - np.sum(result.compliant)),
        reasons=dict(reasons),
        replaced=replaced,
        kept=built.kept_visits + same,
        seconds=round(result.seconds, 3),
        unmet=unmet,
        not_planned=built.not_planned,
        read_again=read_again,
    )
    record_event(
        session,
        actor=actor,
        action="create",
        entity="visit_plan",
        detail={
            "area": area_code,
            "start": settings.start.isoformat(),
            "visits": new.height,
            "replaced": replaced,
            **({"shortened": shortened.height} if shortened.height else {}),
        },
    )
    # Whose visits the plan wrote or deleted (a visitor's visits planned again at the same
    # days were deleted and written: the household's schedule was still rewritten).
    record_household_events(
        session,
        actor=actor,
        action="update",
        household_ids=pl.concat([deleted["household_id"], new["household_id"]]),
        detail={"table": "visits", "area": area_code, "start": settings.start.isoformat()},
    )
    # And whose schedule it wrote: each visitor with a visit written, deleted or cut short.
    record_visitor_events(
        session,
        actor=actor,
        action="update",
        visitor_ids=pl.concat(
            [deleted["visitor_id"], new["visitor_id"], built.shortened["visitor_id"]]
        ),
        detail={"table": "visits", "area": area_code, "start": settings.start.isoformat()},
    )
    # A stay cut short (leave, a withdrawal) is named with its days, as a visit recorded or
    # cancelled is.
    record_events(
        session,
        actor=actor,
        entity="household",
        events=[
            (
                "update",
                str(r["household"]),
                {
                    "visit": int(r["id"]),
                    "visitor": str(r["visitor"]),
                    "start": r["planned_start"].isoformat(),
                    "end": r["planned_end"].isoformat(),
                    "was_end": r["was_end"].isoformat(),
                    "status": VisitStatus.PLANNED.value,
                    "reason": str(r["reason"]),
                },
            )
            for r in shortened.iter_rows(named=True)
        ],
    )
    session.flush()
    return summary
