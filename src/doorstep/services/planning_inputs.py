"""What a database-mode plan is built from, as columns, and the problem built from them.

A region's plan has 1.5 million pairings and, re-planned, ten million kept visits and as many
stays to look at. Built one call and one tuple per row (``PlanningProblemBuilder``) that took
minutes and gigabytes, so here each step is a frame operation with the meaning the builder's
calls have: visitors and households in the order their first pairing names them, pairings
in the order of ``pairs``, fixed visits (history, then the kept ones) by their pairing.

Spans (leave, blackouts, stays) are frames ``(owner id, first, last)``, both days inclusive.

The planner (numba's kernels among it) is imported by the functions that build the problem:
the work lists and the imports use the frame steps here, and must not wait for it to load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from doorstep.services.cancel_reasons import CONSENT_ENDS, LEAVE_BEGINS

if TYPE_CHECKING:
    from doorstep.engine.planning import PlanningProblem
    from doorstep.engine.planning.problem import Intervals
    from doorstep.services.planning import PlanSettings


def spans(frame: pl.DataFrame, owner: str, first: str, last: str) -> pl.DataFrame:
    """Spans as ``owner, first, last`` from ``frame``'s columns."""
    return frame.select(
        pl.col(owner).cast(pl.Int64).alias("owner"),
        pl.col(first).cast(pl.Date).alias("first"),
        pl.col(last).cast(pl.Date).alias("last"),
    )


def head_counts(
    orgs: pl.DataFrame, staff: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """``orgs`` with ``staff``: the fewest of each organisation's visitors active on one
    day of ``[start, end)`` (``staff``: ``organisation_id, active_from, active_to``,
    inclusive, null for open ends).

    A cap is a share of the staff who are there: visitors who have left or not yet begun
    are nobody to share the work with. The engine holds one cap per organisation for the
    whole horizon, so the day with the fewest active staff sets it: never more away than
    the cap allows on any day, at the price of a tighter cap on the other days.
    """
    last = end - dt.timedelta(days=1)
    there = staff.filter(
        pl.col("active_from").fill_null(dt.date.min) <= last,
        pl.col("active_to").fill_null(dt.date.max) >= start,
    )
    # The count changes only where someone begins or leaves: +1 on the first active day
    # (from the start), -1 on the day after the last (within the horizon).
    days = pl.concat(
        [
            orgs.select(
                pl.col("id").alias("org"), pl.lit(start).alias("day"), pl.lit(0).alias("n")
            ),
            there.select(
                pl.col("organisation_id").alias("org"),
                pl.max_horizontal(pl.col("active_from").fill_null(start), pl.lit(start)).alias(
                    "day"
                ),
                pl.lit(1).alias("n"),
            ),
            there.filter(pl.col("active_to") < last).select(
                pl.col("organisation_id").alias("org"),
                (pl.col("active_to") + pl.duration(days=1)).alias("day"),
                pl.lit(-1).alias("n"),
            ),
        ]
    )
    least = (
        days.group_by("org", "day")
        .agg(pl.col("n").sum())
        .sort("org", "day")
        .select("org", pl.col("n").cum_sum().over("org").alias("staff"))
        .group_by("org")
        .agg(pl.col("staff").min())
    )
    return orgs.join(least, left_on="id", right_on="org", how="left", maintain_order="left")


def overlapping(visits: pl.DataFrame, key: str, owned: pl.DataFrame) -> pl.Series:
    """The visitor ids of the visits (``planned_start..planned_end``) that overlap a span
    owned by their ``key`` (``visitor_id`` or ``household_id``)."""
    return (
        visits.select(
            pl.col("visitor_id").alias("_who"),
            pl.col(key).alias("owner"),
            "planned_start",
            "planned_end",
        )
        .join(owned, on="owner", how="inner")
        .filter(
            (pl.col("first") <= pl.col("planned_end")) & (pl.col("planned_start") <= pl.col("last"))
        )
        .get_column("_who")
        .unique()
    )


def not_made(under_way: pl.DataFrame, made: pl.DataFrame) -> pl.DataFrame:
    """``id, visitor_id`` of the planned stays (``under_way``: ``id, visitor_id,
    planned_start, planned_end``) that share a day with a stay their visitor made (``made``:
    ``visitor_id, starts_on, ends_on``): one visitor cannot be in two places at once, and the
    recorded visit is what happened."""
    return (
        under_way.select("id", "visitor_id", "planned_start", "planned_end")
        .join(made.select("visitor_id", "starts_on", "ends_on"), on="visitor_id")
        .filter(
            (pl.col("starts_on") <= pl.col("planned_end"))
            & (pl.col("planned_start") <= pl.col("ends_on"))
        )
        .select("id", "visitor_id")
        .unique("id")
    )


def cut_by_leave(under_way: pl.DataFrame, leave: pl.DataFrame) -> pl.DataFrame:
    """``id, visitor_id, planned_start, cut_end, reason`` of the stays under way
    (``under_way``: ``id, visitor_id, planned_start, planned_end``) that their visitor's
    leave (``leave``: ``owner, first, last``) meets: each ends the day before the first such
    leave begins (before its own first day where the leave began by then: nothing of it is
    kept)."""
    return (
        under_way.select("id", "visitor_id", "planned_start", "planned_end")
        .join(leave, left_on="visitor_id", right_on="owner")
        .filter(
            (pl.col("first") <= pl.col("planned_end")) & (pl.col("planned_start") <= pl.col("last"))
        )
        .group_by("id", "visitor_id", "planned_start")
        .agg((pl.col("first").min() - pl.duration(days=1)).alias("cut_end"))
        .with_columns(pl.lit(LEAVE_BEGINS).alias("reason"))
        .sort("id")
    )


def cut_by_consent(under_way: pl.DataFrame) -> pl.DataFrame:
    """``cut_by_leave`` for a withdrawal of consent dated after the stay began: the stays
    under way (``under_way``: ``id, visitor_id, planned_start, planned_end, consent_until``,
    the day the withdrawal takes effect or null) end the day before it."""
    return (
        under_way.filter(pl.col("consent_until") <= pl.col("planned_end"))
        .select(
            "id",
            "visitor_id",
            "planned_start",
            (pl.col("consent_until") - pl.duration(days=1)).alias("cut_end"),
            pl.lit(CONSENT_ENDS).alias("reason"),
        )
        .sort("id")
    )


def earliest_cut(*cuts: pl.DataFrame) -> pl.DataFrame:
    """Of several cuts of the same stays (``cut_by_leave``, ``cut_by_consent``), the one
    that ends each stay first, with its reason (on a tie, the first given)."""
    return (
        pl.concat(cuts)
        .sort("id", "cut_end", maintain_order=True)
        .unique("id", keep="first", maintain_order=True)
    )


def owners(pairs: pl.DataFrame, visits: pl.DataFrame, stay_days: int) -> pl.Series:
    """The pairing each made visit (``household_id, visitor_id, pairing_id, day``) belongs
    to, or null.

    A household may be paired with the same visitor more than once (on other days): a visit
    they made belongs to the pairing of the two whose days hold it (from its start to the
    end of a stay begun on its last day), whatever it is filed under, the first such pairing
    when the days of two hold it; with none, to the pairing it is filed under when that one
    is planned here with the same visitor.
    """
    windows = pairs.select(
        pl.col("id").alias("_q"),
        "household_id",
        "visitor_id",
        pl.col("plan_from").fill_null(dt.date.min).alias("_a"),
        (pl.col("plan_to") + pl.duration(days=stay_days - 1)).fill_null(dt.date.max).alias("_z"),
    )
    v = visits.select("household_id", "visitor_id", "pairing_id", "day").with_row_index("_r")
    held = (
        v.join(windows, on=["household_id", "visitor_id"], how="inner")
        .filter((pl.col("_a") <= pl.col("day")) & (pl.col("day") < pl.col("_z")))
        .group_by("_r")
        .agg(
            (pl.col("_q") == pl.col("pairing_id")).any().alias("_filed"),
            pl.col("_q").min().alias("_first"),
        )
    )
    planned_here = pairs.select(pl.col("id").alias("pairing_id"), pl.col("visitor_id").alias("_v"))
    return (
        v.join(held, on="_r", how="left")
        .join(planned_here, on="pairing_id", how="left")
        .sort("_r")
        .select(
            pl.when(pl.col("_filed"))
            .then(pl.col("pairing_id"))
            .when(pl.col("_first").is_null() & (pl.col("_v") == pl.col("visitor_id")))
            .then(pl.col("pairing_id"))
            .otherwise(pl.col("_first"))
            .alias("own")
        )
        .get_column("own")
    )


def affected(
    pairs: pl.DataFrame,
    planned: pl.DataFrame,
    done: pl.DataFrame,
    missed: list[int],
    leave: pl.DataFrame,
    blackouts: pl.DataFrame,
    settled: pl.Series,
) -> pl.Series:
    """Visitors whose planned visits must be planned again; the others' visits stay.

    A visitor is affected by a new pairing (one with no planned visit that is not
    ``settled``, see :func:`settled`), a missed visit not yet made up, leave or a household
    blackout over a planned visit, or a recorded visit (``done``, spans by visitor) that
    overlaps a planned one (a visit made on other days than planned).
    """
    new = pairs.filter(
        ~pl.col("id").is_in(planned["pairing_id"].implode())
        & ~pl.col("id").is_in(settled.implode())
    )
    late = pairs.filter(pl.col("id").is_in(pl.Series(missed, dtype=pl.Int64).implode()))
    return pl.concat(
        [
            new["visitor_id"],
            late["visitor_id"],
            overlapping(planned, "visitor_id", leave),
            overlapping(planned, "household_id", blackouts),
            overlapping(planned, "visitor_id", done),
        ]
    ).unique()


def unvisited(
    pairs: pl.DataFrame, visited: pl.Series, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """The rows of ``unvisited_pairings`` a plan from ``start`` leaves: its pairings
    (``pairs``: ``id, household_id, visitor_id, plan_from, plan_end``) with no planned
    visit from the start on (``visited`` holds the pairing ids of those with one, kept or
    new), with the active days the plan gave them and the end of its horizon (``end``, the
    first day after it)."""
    return pairs.filter(~pl.col("id").is_in(visited.implode())).select(
        pl.col("id").alias("pairing_id"),
        "household_id",
        "visitor_id",
        pl.lit(start, pl.Date).alias("planned_from"),
        pl.col("plan_from").alias("active_from"),
        pl.col("plan_end").alias("active_end"),
        pl.lit(end, pl.Date).alias("horizon_end"),
    )


def settled(
    pairs: pl.DataFrame, unvisited: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.Series:
    """The ids of the pairings (``pairs``: ``id, visitor_id, plan_from, plan_end``) that
    the last plan of their area already considered and left without a visit, where that
    plan was from ``start`` too, over a horizon that ends on ``end`` (the first day after
    this plan's) or later, and saw them over the same active days (``unvisited``: rows of
    ``unvisited_pairings``).

    Such a pairing is not new: planning its visitor again, alone with everyone else's
    visits kept, only moved their other visits a little at every re-plan (the joint plan
    had laid them otherwise). A pairing committed since has no row; one whose days changed
    since (its end, its visitor's last day, its household's consent) and any pairing at a
    plan from another day is new, as before. So is one at a plan over a longer horizon:
    the last plan never looked at the days after its own, where a visit may fit (a
    pairing begun late in a month's plan is not due in it, and is in a year's), and the
    joint plan of its visitor lays their visits with it. A row whose horizon is not known
    (null: left by a plan before migration 0023) settles nothing. The pairing is still in
    the problem: the planner gives it a visit wherever the kept visits leave room for one.
    """
    return (
        pairs.select("id", "visitor_id", "plan_from", "plan_end")
        .join(
            unvisited.filter((pl.col("planned_from") == start) & (pl.col("horizon_end") >= end)),
            left_on=["id", "visitor_id"],
            right_on=["pairing_id", "visitor_id"],
        )
        .filter(
            pl.col("plan_from").eq_missing(pl.col("active_from"))
            & pl.col("plan_end").eq_missing(pl.col("active_end"))
        )
        .get_column("id")
    )


def overdue_kept(
    pairs: pl.DataFrame,
    history: pl.DataFrame,
    kept: pl.DataFrame,
    unmade: pl.DataFrame,
    start: dt.date,
    gap: int,
) -> pl.Series:
    """Visitors with a pairing begun by ``start`` whose first kept visit comes after both
    the start and its household's deadline (its last visit before that one, ``history``,
    else its clock, plus ``gap``), and counted on a stay that passed unmade: ``unmade``
    holds, per pairing, the first and last days (``unmade``, ``unmade_end``) of its latest
    planned stays over before the start and neither recorded nor marked missed; the stay
    came after the household's last visit, and the kept visit was laid by a plan from
    before its end (``kept.planned_from``, null if unknown).

    Such a stay was the household's next visit, and it was not made: the household is
    overdue, its next visit is pulled forward, and a kept visit days later would be a
    second one, serving no cadence and taking a day (and a cap slot) from others. Such a
    visitor is planned again, as after a missed visit. A late first visit with no stay
    passed unmade before it is the plan's own choice (a full week, a cap, leave), and one
    laid by a plan that already knew the stay passed unmade was pulled forward then:
    planning either's visitor again would only move visits at every re-plan.
    """
    first = (
        kept.sort("planned_start")
        .group_by("pairing_id")
        .agg(
            pl.col("planned_start").first().alias("_first"),
            pl.col("planned_from").first().alias("_laid"),
        )
    )
    begun = pairs.filter(pl.col("plan_from").fill_null(dt.date.min) <= start).select(
        pl.col("id").alias("pairing_id"),
        "visitor_id",
        pl.min_horizontal(
            "plan_from", *(["clock_from"] if "clock_from" in pairs.columns else [])
        ).alias("_clock"),
    )
    due = (
        begun.join(first, on="pairing_id")
        .join(unmade.select("pairing_id", "unmade", "unmade_end"), on="pairing_id")
        .filter(pl.col("_laid").is_null() | (pl.col("_laid") <= pl.col("unmade_end")))
    )
    last = (
        history.join(due.select("pairing_id", "_first"), on="pairing_id")
        .filter(pl.col("first") < pl.col("_first"))
        .group_by("pairing_id")
        .agg(pl.col("first").max().alias("_last"))
    )
    return (
        due.join(last, on="pairing_id", how="left")
        .filter(
            (pl.col("_first") > start)
            & (
                pl.coalesce("_last", "_clock", pl.lit(start)) + pl.duration(days=gap)
                < pl.col("_first")
            )
            & (pl.col("unmade") >= pl.coalesce("_last", "_clock", pl.lit(dt.date.min)))
        )
        .get_column("visitor_id")
        .unique()
    )


def _weekday_masks(text: pl.Series) -> pl.Series:
    """``"0;2;4"`` as a 7-bit mask (bit 0 = Monday); parts that are not weekdays are left
    out. Few distinct values occur, so each is parsed once."""
    masks: dict[str | None, int] = {}
    for value in text.unique().to_list():
        days = {
            int(p) for p in (value or "").split(";") if p.strip().isdigit() and 0 <= int(p) <= 6
        }
        masks[value] = sum(1 << d for d in days)
    return text.replace_strict(masks, return_dtype=pl.UInt8, default=0)


def _days(column: str, start: dt.date) -> pl.Expr:
    return (pl.col(column) - pl.lit(start)).dt.total_days()


def _intervals(
    n_owners: int, owned: pl.DataFrame, index: pl.DataFrame, start: dt.date
) -> Intervals:
    """``Intervals`` of the spans whose owner ``index`` (``owner``, ``ix``) numbers."""
    from doorstep.engine.planning.problem import Intervals

    rows = owned.join(index, on="owner", how="inner").select(
        "ix", _days("first", start), _days("last", start)
    )
    return Intervals.build(n_owners, *(c.to_numpy() for c in rows.get_columns()))


@dataclass
class PlanInputs:
    """The frames a plan is built from; ``kept`` may shrink (kept visits broken by changed
    settings are planned again), so the problem can be built again."""

    settings: PlanSettings
    # The plannable pairings in the problem's order (row ``i`` is pairing ``i``); with
    # ``clock_from`` (see ``clock_starts``) where the cadence clock starts before them.
    pairs: pl.DataFrame
    holidays: frozenset[dt.date]
    orgs: pl.DataFrame  # id, code, staff_cap, staff
    leave: pl.DataFrame  # spans by visitor id: leave, and stays elsewhere
    blackouts: pl.DataFrame  # spans by household id
    history: pl.DataFrame  # fixed visits (pairing_id, first, last): recorded, under way
    # Planned visits kept as they are: id, visitor_id, pairing_id, planned_start, planned_end.
    kept: pl.DataFrame

    def rows_of(self, pairing_ids: pl.Series) -> pl.Series:
        """The problem's pairing index of each pairing id (all must be plannable)."""
        ids = self.pairs["id"]
        return pairing_ids.replace_strict(
            ids, pl.Series(np.arange(len(ids), dtype=np.int64)), return_dtype=pl.Int64
        )

    def build(self) -> PlanningProblem:
        """The problem, as ``PlanningProblemBuilder`` would build it from one call per row."""
        from doorstep.engine.planning import PlanningProblem, VisitorCalendar, add_months
        from doorstep.engine.planning.builder import max_away
        from doorstep.engine.planning.problem import NO_ORGANISATION

        st = self.settings
        start = st.start
        n_days = (add_months(start, st.months) - start).days
        pairs = self.pairs
        visitors = (
            pairs.select("visitor_id", "visitor", "organisation_id")
            .unique("visitor_id", keep="first", maintain_order=True)
            .with_row_index("ix")
        )
        households = (
            pairs.select("household_id", "household", "lat", "lon", "preferred_weekdays")
            .unique("household_id", keep="first", maintain_order=True)
            .with_row_index("ix")
        )
        orgs = self.orgs
        org_cap = [
            max_away(
                int(staff),
                cap if cap is not None else st.default_staff_cap,
                minimum=st.min_away,
            )
            for cap, staff in orgs.select("staff_cap", "staff").iter_rows()
        ]
        v_org = visitors["organisation_id"].replace_strict(
            orgs["id"],
            pl.Series(np.arange(orgs.height, dtype=np.int32)),
            default=NO_ORGANISATION,
            return_dtype=pl.Int32,
        )
        p = pairs.select(
            pl.col("household_id").replace_strict(
                households["household_id"], households["ix"], return_dtype=pl.Int64
            ),
            pl.col("visitor_id").replace_strict(
                visitors["visitor_id"], visitors["ix"], return_dtype=pl.Int64
            ),
            _days("plan_from", start).fill_null(0),
            _days("plan_to", start).fill_null(n_days).clip(upper_bound=n_days),
            _days("plan_end" if "plan_end" in pairs.columns else "plan_to", start)
            .fill_null(n_days)
            .clip(upper_bound=n_days)
            .alias("plan_end"),
            pl.min_horizontal(  # never after the pairing's own first day
                _days("plan_from", start).fill_null(0),
                *([_days("clock_from", start)] if "clock_from" in pairs.columns else []),
            ).alias("clock"),
        )
        fixed = pl.concat(
            [
                self.history.select(
                    self.rows_of(self.history["pairing_id"]).alias("row"),
                    _days("first", start).alias("first"),
                    _days("last", start).alias("last"),
                ),
                self.kept.select(
                    self.rows_of(self.kept["pairing_id"]).alias("row"),
                    _days("planned_start", start).alias("first"),
                    _days("planned_end", start).alias("last"),
                ),
            ]
        )
        n_pairs = pairs.height
        return PlanningProblem(
            start=start,
            n_days=n_days,
            policies=(st.policy,),
            calendars=(VisitorCalendar(st.working_days, self.holidays),),
            visitor_ids=tuple(visitors["visitor"].to_list()),
            visitor_calendar=np.zeros(visitors.height, np.int32),
            visitor_org=v_org.to_numpy(),
            org_ids=tuple(orgs["code"].to_list()),
            org_max_away=np.array(org_cap, np.int32),
            household_ids=tuple(households["household"].to_list()),
            household_lat=households["lat"].fill_null(np.nan).to_numpy(),
            household_lon=households["lon"].fill_null(np.nan).to_numpy(),
            household_preferred_weekdays=_weekday_masks(
                households["preferred_weekdays"]
            ).to_numpy(),
            blackouts=_intervals(
                households.height,
                self.blackouts,
                households.select(pl.col("household_id").alias("owner"), "ix"),
                start,
            ),
            leave=_intervals(
                visitors.height,
                self.leave,
                visitors.select(pl.col("visitor_id").alias("owner"), "ix"),
                start,
            ),
            pairing_household=p.get_column("household_id").to_numpy(),
            pairing_visitor=p.get_column("visitor_id").to_numpy(),
            pairing_policy=np.zeros(n_pairs, np.int32),
            pairing_from=p.get_column("plan_from").to_numpy(),
            pairing_to=p.get_column("plan_to").to_numpy(),
            pairing_home_distance_m=np.full(n_pairs, np.nan),
            fixed_pairing=fixed["row"].to_numpy(),
            fixed_start=fixed["first"].to_numpy(),
            fixed_end=fixed["last"].to_numpy(),
            travel_threshold_m=st.travel_km * 1000.0,
            travel_days=st.travel_days,
            pairing_clock=p.get_column("clock").to_numpy(),
            pairing_end=np.maximum(
                p.get_column("plan_end").to_numpy(), p.get_column("plan_to").to_numpy()
            ),
        )
