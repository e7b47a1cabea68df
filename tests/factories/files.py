"""Write small import files for tests."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

AREA_HEADER = ["code", "name", "parent_code", "level"]
HOUSEHOLD_HEADER = [
    "household_id",
    "head_name",
    "address",
    "area_code",
    "lat",
    "lon",
    "members",
    "languages",
    "consent",
    "consent_date",
]
VISITOR_HEADER = [
    "visitor_id",
    "name",
    "organisation_code",
    "home_area_code",
    "lat",
    "lon",
    "languages",
    "capacity",
    "active_from",
    "active_to",
    "team_code",
    "is_team_lead",
    "service_area_code",
]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Mapping[str, Any] | Sequence[Any]]
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            if isinstance(row, Mapping):
                w.writerow(["" if row.get(h) is None else row.get(h) for h in header])
            else:
                w.writerow(row)
    return path


def area_rows() -> list[dict[str, Any]]:
    """A tiny tree: one region, one county, two villages."""
    return [
        {"code": "R", "name": "Region", "parent_code": "", "level": "region"},
        {"code": "R-C", "name": "County", "parent_code": "R", "level": "county"},
        {"code": "R-C-V1", "name": "Village one", "parent_code": "R-C", "level": "village"},
        {"code": "R-C-V2", "name": "Village two", "parent_code": "R-C", "level": "village"},
    ]


def household(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "household_id": "H1",
        "head_name": "Wang Fang",
        "address": "No. 1",
        "area_code": "R-C-V1",
        "lat": 26.58,
        "lon": 107.98,
        "members": 4,
        "languages": "zh",
        "consent": "given",
        "consent_date": "2026-01-02",
    }
    row.update(overrides)
    return row


def visitor(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "visitor_id": "V1",
        "name": "Li Wei",
        "home_area_code": "R-C-V1",
        "lat": 26.60,
        "lon": 107.95,
        "languages": "zh",
        "capacity": 2,
        "is_team_lead": "false",
    }
    row.update(overrides)
    return row


def hidden_first_workbook(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    title: str,
    hidden: Sequence[Sequence[Any]] = (),
    error_cells: Sequence[str] = (),
) -> Path:
    """A workbook whose first sheet ("Notes", holding ``hidden``) is hidden and whose second,
    ``title``, holds ``rows``, with ``error_cells`` (such as "B3") typed as spreadsheet
    errors."""
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.sheet_state = "hidden"
    for row in hidden:
        notes.append(list(row))
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(list(row))
    for cell in error_cells:
        sheet[cell].data_type = "e"
    book.active = 1
    book.save(path)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, first_row: int = 1) -> Path:
    """A one-sheet workbook with ``rows`` from ``first_row``; an empty list is a blank row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=first_row + i, column=j, value=value)
    book.save(path)
    return path
