"""Write frames to files people open: one place for the spreadsheet writer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook

XLSX_MAX_ROWS = 1_048_576  # including the header row


def write_xlsx(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    """One sheet with a header row; streamed (write-only) so memory stays flat."""
    if frame.height + 1 > XLSX_MAX_ROWS:
        raise ValueError(
            f"{frame.height:,} rows do not fit in one sheet ({XLSX_MAX_ROWS - 1:,} at most)"
        )
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    book.save(path)
