"""A day typed with a digit missing (0148-05-03) in any date column of any import file is
refused by row, column and reason, saying the earliest day a record may hold; the file
imports nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from doorstep.domain.days import TOO_EARLY
from doorstep.services.importing import IMPORTS
from doorstep.services.importing.columns import Kind
from doorstep.services.importing.validate import References, validate
from tests.factories.db import rejected, run_import
from tests.factories.files import household, visitor, write_csv

EARLY = "0148-05-03"
REASON = "before 1900-01-01, the earliest day a record may hold: check the year"

DATES = [(e, c.name) for e, s in IMPORTS.items() for c in s.columns if c.kind is Kind.DATE]


@pytest.mark.parametrize(("entity", "column"), DATES)
def test_every_date_column_refuses_a_day_before_the_first_a_record_may_hold(
    entity: str, column: str
) -> None:
    cells = [EARLY, "1899-12-31", "1900-01-01", "2027-01-20"]
    raw = pl.DataFrame({c.name: ["x"] * len(cells) for c in IMPORTS[entity].columns})
    raw = raw.with_columns(pl.Series(column, cells))
    found = validate(IMPORTS[entity], raw, References())
    assert TOO_EARLY.english() == REASON
    assert [str(e) for e in found.errors if e.column == column] == [
        f"row 2, column {column} (value {EARLY!r}): {REASON}",
        f"row 3, column {column} (value '1899-12-31'): {REASON}",
    ]


#: A file of each kind with one day too early: its row, and the column that holds the day.
FILES: list[tuple[str, dict[str, Any], str]] = [
    (
        "teams",
        {"code": "T", "name": "Team", "area_code": "R-C-V1", "starts_on": EARLY},
        "starts_on",
    ),
    ("visitors", visitor(active_from=EARLY), "active_from"),
    ("households", household(household_id="H2", consent_date=EARLY), "consent_date"),
    (
        "activities",
        {"code": "A", "kind": "trip", "title": "Zoo", "area_code": "R-C-V1"}
        | {"starts_on": EARLY, "ends_on": "2027-01-01"},
        "starts_on",
    ),
    ("leave", {"visitor_id": "V1", "starts_on": EARLY, "ends_on": "2027-01-01"}, "starts_on"),
    ("blackouts", {"household_id": "H1", "starts_on": "2027-01-01", "ends_on": EARLY}, "ends_on"),
    (
        "visits",
        {"visit_id": "v-1", "household_id": "H1", "visitor_id": "V1", "start": EARLY},
        "start",
    ),
    (
        "referrals",
        {"household_id": "H1", "organisation_code": "O", "service": "employment"}
        | {"made_on": EARLY},
        "made_on",
    ),
]


@pytest.mark.parametrize(("entity", "row", "column"), FILES)
def test_an_import_with_a_day_before_the_first_is_rejected_and_writes_nothing(
    with_areas: Engine, tmp_path: Path, entity: str, row: dict[str, Any], column: str
) -> None:
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", list(visitor()), [visitor()]))
    hh = write_csv(tmp_path / "h.csv", list(household()), [household()])
    run_import(with_areas, "households", hh)
    path = write_csv(tmp_path / f"{entity}.csv", list(row), [row])
    found = rejected(with_areas, entity, path)
    assert f"row 2, column {column} (value {EARLY!r}): {REASON}" in found, found
