"""A work list tells the visitor which households have a referral to ask about: the day
their oldest referral still open or accepted was made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.services import referrals, work_lists
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.factories.visits import START, plan_three


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@pytest.fixture
def referred(with_areas: Engine, tmp_path: Path) -> Engine:
    """H0-H2 paired with V1 and planned from START. H0 has two open referrals, one of them
    accepted since; H1 one completed; H2 one made after the day listed."""
    plan_three(with_areas, tmp_path)
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Jobs", "ngo"]])
    run_import(with_areas, "organisations", orgs)
    with unit_of_work(with_areas) as s:

        def refer(household: str, day: int) -> int:
            return referrals.add_referral(
                s,
                household,
                organisation="JOBS",
                service="employment",
                made_on=_day(day),
                visitor="V1",
                actor="test",
                today=_day(90),
            ).id

        refer("H0", 5)
        accepted = refer("H0", 3)
        referrals.move_status(s, accepted, "accepted", on=_day(6), actor="test", today=_day(90))
        done = refer("H1", 2)
        referrals.move_status(s, done, "completed", on=_day(8), actor="test", today=_day(90))
        refer("H2", 80)
    return with_areas


@pytest.mark.parametrize("kind", ["due", "upcoming"])
def test_each_row_names_the_oldest_referral_to_follow(referred: Engine, kind: str) -> None:
    with unit_of_work(referred) as s:
        rows = work_lists.work_list(
            s, kind, actor="test", today=_day(40), days=120, max_gap_days=60
        )
    assert "referral_open_since" in work_lists.COLUMNS[kind]
    since = {r["household"]: r["referral_open_since"] for r in rows}
    assert since == {"H0": _day(3), "H1": None, "H2": None}
