"""Planned visits no one is to make from a day on: cancelled at once, not at the next plan.

A household that withdraws its consent and a visitor who leaves both end visits from a day
on (the day the withdrawal counts; the day after the visitor's last). Left planned until
the area was planned again, such visits stayed on the work lists and in the calendars'
exports and blocked the visitor's erasure. Both go the same way: a visit from that day is
cancelled as an exclusion cancels a pair's (deleted, kept in ``cancelled_visits`` so that
the visitor's next calendar cancels it), a stay under way then ends the day before, as a
plan cuts one, and each change is audited under its household naming the visitor. Made
(recorded) visits are never touched: only planned ones are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection

from doorstep.domain.enums import VisitStatus
from doorstep.services.cancel_reasons import LAST_DAY, VISITOR_LEFT
from doorstep.services.exclusions import cancel_events
from doorstep.storage.repositories import visits

#: An audit event ``(action, household, detail)``, as :func:`cancel_events` gives them.
Event = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class Stopped:
    """What :func:`stop_planned` did: the visits cancelled (``household``, ``visitor``,
    ``start``, ``end``), the stays cut short (``id, household, visitor, planned_start,
    planned_end, was_end``) and the audit events of both."""

    cancelled: pl.DataFrame
    cut: pl.DataFrame
    events: tuple[Event, ...]


def stop_planned(
    conn: Connection,
    found: pl.DataFrame,
    stop: pl.Expr,
    *,
    cancelled_because: str,
    cut_because: str,
) -> Stopped:
    """Take off the planned visits ``found`` (``visits.planned_not_over``) from the day
    ``stop`` gives each one (null: from before any of them) on: one starting on it or later
    is cancelled, one under way on it cut to end the day before; one over before it stays.
    Events say why: ``cancelled_because`` and ``cut_because``."""
    due = found.with_columns(stop.alias("_stop")).filter(
        pl.col("_stop").is_null() | (pl.col("end") >= pl.col("_stop"))
    )
    begun = (pl.col("start") < pl.col("_stop")).fill_null(False)
    gone = due.filter(~begun)
    visits.delete_visits(conn, gone["id"].to_list())
    cuts = due.filter(begun).select("id", (pl.col("_stop") - pl.duration(days=1)).alias("cut_end"))
    cut = visits.shorten_visits(conn, cuts)
    events = (*cancel_events(gone, cancelled_because), *_cut_events(cut, cut_because))
    return Stopped(gone.drop("_stop"), cut, events)


def stop_after_last_day(conn: Connection, visitors: pl.Series, today: dt.date) -> Stopped:
    """Take off the planned visits of ``visitors`` (database ids) after their last day
    (``active_to``; none for a visitor without one) that are not over before ``today``:
    their households are to be handed over, and the visitor will not come."""
    found = visits.planned_not_over(conn, visitors, today, of="visitor")
    return stop_planned(
        conn,
        found.filter(pl.col("visitor_to").is_not_null()),
        pl.col("visitor_to") + pl.duration(days=1),
        cancelled_because=VISITOR_LEFT,
        cut_because=LAST_DAY,
    )


def said(stopped: Stopped, after: str) -> str:
    """``3 planned visits {after} cancelled, 1 under way cut short``: what a summary says of
    ``stopped`` (empty when it did nothing)."""
    n, cut = stopped.cancelled.height, stopped.cut.height
    if not n and not cut:
        return ""
    under_way = f", {cut} under way cut short" if cut else ""
    return f"{n} planned visit{'s' if n != 1 else ''}{after} cancelled{under_way}"


def _cut_events(cut: pl.DataFrame, reason: str) -> list[Event]:
    """The audit events of stays cut short, naming the visit, its days and ``was_end``, as
    a plan's are."""
    return [
        (
            "update",
            str(r["household"]),
            {
                "table": "visits",
                "visit": int(r["id"]),
                "visitor": str(r["visitor"]),
                "start": r["planned_start"].isoformat(),
                "end": r["planned_end"].isoformat(),
                "was_end": r["was_end"].isoformat(),
                "status": VisitStatus.PLANNED.value,
                "reason": reason,
            },
        )
        for r in cut.iter_rows(named=True)
    ]
