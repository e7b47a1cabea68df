"""A programme with households' yearly indicators whose outcomes a reader can count, and
one with years stored before the imports checked a household's size against them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

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


def sizes_stored_before_the_rule(engine: Engine, tmp_path: Path) -> None:
    """H1 (2 members, R-C-V1) with 3 in work in 2025; H2 (3, R-C-V2) with 5 in 2024; H3 (4,
    R-C-V1) with 4: as many, which is right. What `doorstep check sizes` finds: H1's 2025
    and H2's 2024."""
    hh = [
        household(household_id="H1", members=2),
        household(household_id="H2", members=3, area_code="R-C-V2"),
        household(household_id="H3", members=4),
    ]
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    rows = [["H1", 2025, "", 1, ""], ["H2", 2024, "", 1, ""], ["H3", 2025, "", 4, ""]]
    run_import(engine, "indicators", write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows))
    # What an import before the rule could store, written as it would have been.
    with engine.begin() as conn:
        for h, work in (("H1", 3), ("H2", 5)):
            conn.execute(
                text(
                    "UPDATE household_indicators SET members_in_work = :w WHERE household_id = "
                    "(SELECT id FROM households WHERE external_id = :h)"
                ),
                {"w": work, "h": h},
            )
