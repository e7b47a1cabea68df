"""Write frames to files people open: one place for the spreadsheet writer."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

import polars as pl
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

XLSX_MAX_ROWS = 1_048_576  # including the header row


def write_xlsx(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    """One sheet with a header row; streamed (write-only) so memory stays flat."""
    if frame.height + 1 > XLSX_MAX_ROWS:
        raise ValueError(
            f"{frame.height:,} rows do not fit in one sheet ({XLSX_MAX_ROWS - 1:,} at most)"
        )
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    archive: ZipFile | None = None
    try:
        ws.append(frame.columns)
        for row in frame.iter_rows():
            ws.append(list(row))
        # What ``book.save(path)`` does, with the archive in hand to close if it fails.
        archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
        book.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        ExcelWriter(book, archive).save()
    except BaseException:
        _abandon(ws, archive)
        raise


def _abandon(ws: Any, archive: ZipFile | None) -> None:
    """Close what a failed write (a full disk) left open, and delete the rows streamed to
    a temporary file. Left to the garbage collector, the row generators and the archive
    each tried again to write, failed, and printed their own traceback on stderr around
    the one-line error; and the rows, people's data, stayed in the temporary folder."""
    writer = getattr(ws, "_writer", None)
    for still_open in (getattr(ws, "_rows", None), getattr(writer, "xf", None), archive):
        if still_open is not None:
            with contextlib.suppress(Exception):
                still_open.close()
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()
