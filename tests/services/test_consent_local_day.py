"""An undated act of consent counts from the day it was recorded as the programme's clock
reads it: the local date of the household row's ``created_at`` (or ``updated_at``), as
``today`` is the local date, not the UTC one. On a machine behind UTC, a household written in
the evening is in the work lists, and its pairing's clock runs, from that evening's day."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import work_lists
from doorstep.storage.repositories import visits
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

#: A Monday in winter: Los Angeles is 8 hours behind UTC.
DAY = dt.date(2027, 1, 11)
#: 03:00 UTC on the day after DAY: 19:00 on DAY in Los Angeles.
EVENING = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)


@pytest.fixture
def behind_utc() -> Iterator[None]:
    """The process's clock in Los Angeles, as ``dt.date.today()`` would read it there."""
    was = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    yield
    if was is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = was
    time.tzset()


@pytest.fixture
def written_in_the_evening(with_areas: Engine, tmp_path: Path) -> Engine:
    """H1, paired with V1 since DAY, its undated consent recorded with its row at EVENING;
    H2, whose undated consent replaced a pending act with a write at EVENING. Both acts
    were entered before migration 0028, which keeps the day of each act: the row's moments
    are all that is known of them."""
    engine = with_areas
    vv = [visitor(visitor_id="V1")]
    hh = [household(household_id="H1"), household(household_id="H2", lat=26.581)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE households SET consent_since = NULL, consent_entered_on = NULL, "
                "created_at = :at, updated_at = :at"
            ),
            {"at": EVENING},
        )
        conn.execute(
            text("UPDATE households SET created_at = :before WHERE external_id = 'H2'"),
            {"before": EVENING - dt.timedelta(days=30)},
        )
        conn.execute(
            text(
                "INSERT INTO consent_records (household_id, action, scope, recorded_on, "
                "recorded_by, evidence) SELECT id, 'pending', 'programme', :d, 'import', '' "
                "FROM households WHERE external_id = 'H2'"
            ),
            {"d": DAY - dt.timedelta(days=30)},
        )
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :s FROM households h, visitors v "
                "WHERE v.external_id = 'V1'"
            ),
            {"s": DAY - dt.timedelta(days=70)},
        )
    return engine


def test_an_undated_consent_written_in_the_evening_counts_from_that_local_day(
    behind_utc: None, written_in_the_evening: Engine
) -> None:
    engine = written_in_the_evening
    listed = {}
    for day in (DAY - dt.timedelta(days=1), DAY):
        with unit_of_work(engine) as s:
            rows = work_lists.work_list(s, "overdue", actor="test", today=day, days=60)
        listed[day] = sorted(r["household"] for r in rows)
    assert listed == {DAY - dt.timedelta(days=1): [], DAY: ["H1", "H2"]}


def test_the_planner_s_clock_of_an_undated_consent_starts_on_that_local_day(
    behind_utc: None, written_in_the_evening: Engine
) -> None:
    with written_in_the_evening.connect() as conn:
        found = visits.scope_pairings(conn, "", DAY)
    assert dict(zip(found["household"], found["consent_act_from"], strict=True)) == {
        "H1": DAY,
        "H2": DAY,
    }
