"""Reads of referrals for other lists: which households have a referral still to follow."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, text

from doorstep.domain.enums import ReferralStatus
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.visit_records import _day as as_day

#: A referral not yet answered for good: the service has not said no, nor been given.
STILL_OPEN = (ReferralStatus.OPEN.value, ReferralStatus.ACCEPTED.value)


def open_since(conn: Connection, household_ids: pl.Series, today: dt.date) -> dict[int, dt.date]:
    """For each of these households with a referral made by ``today`` and still open or
    accepted, the day its oldest such referral was made."""
    if household_ids.is_empty():
        return {}
    with bulk.id_table(conn, "_referral_households", household_ids) as ids:
        rows = conn.execute(
            text(
                f"SELECT r.household_id, MIN(r.made_on) FROM referrals r JOIN {ids} k "
                "ON k.id = r.household_id WHERE r.status IN (:a, :b) AND r.made_on <= :today "
                "GROUP BY r.household_id"
            ),
            {"a": STILL_OPEN[0], "b": STILL_OPEN[1], "today": today},
        ).all()
    return {int(h): as_day(d) for h, d in rows}
