"""`doorstep cadence show|set`, and the commands that measure by it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.factories.visits import plan_three


def test_the_cadence_is_shown_set_and_followed_by_the_lists_and_plans(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    plan_three(with_areas, tmp_path)
    shown = cli("cadence", "show")
    assert shown.exit_code == 0, shown.output
    assert "At most 60 days between visits; stays of 5 days (the default" in shown.output
    nothing = cli("cadence", "set")
    assert nothing.exit_code == 2
    assert "give --max-gap-days, --stay-days or both: there is nothing to set" in nothing.output
    overlap = cli("cadence", "set", "--max-gap-days", "4")
    assert overlap.exit_code == 2 and "a stay of 5 days is longer" in overlap.output
    done = cli("cadence", "set", "--max-gap-days", "10", "--stay-days", "1")
    assert done.exit_code == 0, done.output
    assert "at most 10 days between visits, stays of 1 day (was 60 and 5)" in " ".join(
        done.output.split()
    )
    assert "(set by " in cli("cadence", "show").output
    # Measured by it: the three households, paired on 2027-01-04, none visited since.
    late = cli("visits", "overdue", "--today", "2027-01-20", "--format", "csv")
    assert late.exit_code == 0, late.output
    rows = list(csv.DictReader(io.StringIO(late.output)))
    # Those neither visited nor being visited were due 10 days after their pairing began.
    fresh = {r["deadline"] for r in rows if not r["last_visit"] and not r["under_way"]}
    assert fresh == {"2027-01-14"}
    own = cli(
        "visits", "overdue", "--today", "2027-01-20", "--max-gap-days", "60", "--format", "csv"
    )
    assert list(csv.DictReader(io.StringIO(own.output))) == []
    planned = cli("plan", "--area", "R", "--months", "1", "--quiet")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.output.splitlines()[-1])["max_gap_days"] == 10
