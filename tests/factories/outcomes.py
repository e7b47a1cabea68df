"""A programme with households' yearly indicators whose outcomes a reader can count."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

INDICATOR_HEADER = ["household_id", "year", "annual_income", "members_in_work", "services_enrolled"]


def indicators_programme(engine: Engine, tmp_path: Path) -> None:
    """Four households of 4 members (H3: 2) in R-C-V1 and R-C-V2, one in R itself; their
    indicators for 2025 and 2026. With a line of 4,000 a head a year a household of four is
    below it under 16,000."""
    hh = [
        household(household_id="H1"),
        household(household_id="H2"),
        household(household_id="H3", area_code="R-C-V2", members=2),
        household(household_id="H4", area_code="R-C-V2"),
        household(household_id="H5", area_code="R"),  # above the level: the whole's only
    ]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    rows = [
        ["H1", 2025, 12_000, 0, ""],  # below; said no one works, and no service
        ["H2", 2025, 16_000, 1, "health"],  # exactly at the line: not below
        ["H3", 2025, 7_999, "", ""],  # 3,999.50 a head: below; said nothing of work
        ["H4", 2025, "", 2, "school;health"],  # no income: neither below nor above
        ["H5", 2025, 100_000, 1, ""],
        ["H1", 2026, 20_000, 1, "training"],  # out of poverty
        ["H3", 2026, 9_000, 0, ""],  # 4,500 a head: above
    ]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    run_import(engine, "indicators", path)
