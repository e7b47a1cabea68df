"""The programme's cadence: at most how many days between two visits to a household, and
how long a stay lasts. Set once for the database (``doorstep cadence set``), it is the
default of every work list, report, file and plan, on every front door; a command's own
``--max-gap-days`` or ``--stay-days`` still wins for that command. Unset, the programme
visits at least every 60 days and stays 5 days, as the issue's example programme does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event
from doorstep.say import Say
from doorstep.storage.repositories import cadence as repo

#: The cadence of a programme that has set none.
DEFAULT_MAX_GAP_DAYS = 60
DEFAULT_STAY_DAYS = 5
#: The most days either may be: ten years.
MOST_DAYS = 3660


@dataclass(frozen=True)
class Cadence:
    """The programme's cadence; ``set_on`` and ``set_by`` none while it is the default."""

    max_gap_days: int = DEFAULT_MAX_GAP_DAYS
    stay_days: int = DEFAULT_STAY_DAYS
    set_on: dt.date | None = None
    set_by: str | None = None


def programme_cadence(conn: Connection) -> Cadence:
    """The cadence stored for the programme, else the default."""
    row = repo.stored(conn)
    return Cadence() if row is None else Cadence(**row)


def gap_days(conn: Connection, given: int | None) -> int:
    """``given`` (a command's own), else the programme's most days between visits."""
    return programme_cadence(conn).max_gap_days if given is None else given


#: The end of a pairing that has not ended, as whole days since the epoch (int64's largest):
#: after every other.
_NO_END = 2**63 - 1


def clock_starts(pairings: pl.DataFrame) -> pl.DataFrame:
    """``id, clock_from``: the day each pairing's cadence clock starts when its household
    has no recorded visit, the first day of the household's uninterrupted run of pairings.

    The cadence is the household's: handed from one visitor to another (the earlier
    pairing ended on or after the later one began, ``ended_on`` being its first day
    without it), it is as due as before, not paired afresh. A run ends where the household
    went a day without any pairing; its next pairing starts a new clock. ``pairings`` are
    all of the households' pairings (``id, household_id, started_on, ended_on``).
    """
    if pairings.is_empty():
        return pl.DataFrame(schema={"id": pl.Int64, "clock_from": pl.Date})
    begin = pl.col("started_on").dt.epoch("d")
    end = pl.col("ended_on").dt.epoch("d").fill_null(_NO_END)
    reached = end.cum_max().shift(1).over("household_id")  # the latest end before this one
    return (
        pairings.sort("household_id", "started_on", "id")
        .with_columns(
            (reached.is_null() | (reached < begin)).cum_sum().over("household_id").alias("_run")
        )
        .select("id", pl.col("started_on").min().over("household_id", "_run").alias("clock_from"))
    )


def set_cadence(
    session: Session,
    *,
    max_gap_days: int | None,
    stay_days: int | None,
    actor: str,
    today: dt.date,
    names: tuple[str, str] = ("max_gap_days", "stay_days"),
) -> tuple[Cadence, Cadence]:
    """Set the programme's cadence (what is not given stays as it is); the cadence before
    and after. Audited, with both. ``names``: the two settings as the caller's user gives
    them (the API's fields; the command line's options), for the refusal of neither.

    Raises:
        InvalidInput: nothing to set; a number of days out of 1..3660; a stay longer than
        the gap (two stays of a household would overlap).
    """
    if max_gap_days is None and stay_days is None:
        raise InvalidInput(
            Say(
                "give %(gap)s, %(stay)s or both: there is nothing to set",
                gap=names[0],
                stay=names[1],
            )
        )
    conn = session.connection()
    was = programme_cadence(conn)
    gap = was.max_gap_days if max_gap_days is None else max_gap_days
    stay = was.stay_days if stay_days is None else stay_days
    for name, days in (("max_gap_days", gap), ("stay_days", stay)):
        if not 1 <= days <= MOST_DAYS:
            raise InvalidInput(
                Say(
                    "%(name)s must be from 1 to %(most)s days, not %(days)s",
                    name=name,
                    most=MOST_DAYS,
                    days=days,
                )
            )
    if stay > gap:
        raise InvalidInput(
            Say(
                "a stay of %(stay)s days is longer than the %(gap)s days between visits: a "
                "household's stays would overlap",
                stay=stay,
                gap=gap,
            )
        )
    repo.store(conn, gap, stay, today, actor)
    record_event(
        session,
        actor=actor,
        action="update",
        entity="programme",
        entity_id="cadence",
        detail={
            "max_gap_days": gap,
            "stay_days": stay,
            "was": {"max_gap_days": was.max_gap_days, "stay_days": was.stay_days},
        },
    )
    return was, Cadence(gap, stay, today, actor)
