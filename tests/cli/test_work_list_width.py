"""Work lists read on an 80-column terminal: ids and days whole, never cut to ``V00…``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.cli.work_table import WHOLE
from tests.cli.conftest import doorstep_at
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import pair_and_plan

START = dt.date(2027, 1, 4)


def _doorstep(db_url: str, *args: str) -> str:
    """``doorstep ARGS`` as a user runs it, on a terminal 80 columns wide."""
    return doorstep_at(80, db_url, *args)


@pytest.mark.parametrize(
    ("kind", "today"),
    [("overdue", "2027-03-10"), ("due", "2027-02-20"), ("upcoming", "2027-02-20")],
)
def test_every_id_and_day_a_work_list_shows_at_80_columns_is_whole(
    with_areas: Engine, db_url: str, tmp_path: Path, kind: str, today: str
) -> None:
    names = ["Wang Fang", "欧阳春花", "Li Wei", "Zhang Xiuying", "陈富贵", "Liu Yang"]
    hh = [
        household(household_id=f"H000000{i}", head_name=n, lat=26.58 + i / 1000)
        for i, n in enumerate(names)
    ]
    vv = [visitor(visitor_id=f"V000012{i}", name=f"Visitor {i}", capacity=3) for i in range(2)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    pair_and_plan(with_areas, START)
    with with_areas.begin() as conn:  # a leaver: the longest status there is
        conn.execute(
            text("UPDATE visitors SET active_to = :d WHERE external_id = 'V0000120'"),
            {"d": dt.date(2027, 2, 1)},
        )
    days = () if kind == "overdue" else ("--days", "60")
    args = ("visits", kind, "--area", "R", "--today", today, *days)
    rows = list(csv.DictReader(io.StringIO(_doorstep(db_url, *args, "--format", "csv"))))
    assert rows
    shown = _doorstep(db_url, *args)
    assert "…" not in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
    header = next(line for line in shown.splitlines() if "household" in line)
    columns = [c for c in rows[0] if c in WHOLE and c.replace("_", " ") in header]
    assert "household" in columns
    for row in rows:
        for c in columns:
            assert row[c] in shown, (c, row[c])
    # The status, what to act on, stays and reads on one line (it was the first of the
    # columns that matter to go, and wrapped at 24 characters on the widest terminal).
    statuses = {row["status"] for row in rows if row.get("status")}
    for status in statuses:
        assert any(status in line for line in shown.splitlines()), status
