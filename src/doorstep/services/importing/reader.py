"""Read an import file (CSV, XLSX or Parquet) into a frame of text columns.

Every value is read as text so that validation, not the reader, decides what is wrong,
and can say so with the row and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from doorstep.services.importing.csvfile import (
    CsvProblem,
    first_duplicate,
    read_csv_text,
    unnamed_position,
)
from doorstep.services.importing.errors import ImportRejected, RowError, file_error

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
# fastexcel names a repeated header "lat_1", "lat_2"...
_RENAMED = re.compile(r"(.+)_\d+")


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise file_error(path, f"unknown file type {path.suffix!r}; use .csv, .xlsx or .parquet")
    return fmt


def read_table(path: Path) -> pl.DataFrame:
    """The file's rows as text columns (nulls for empty cells), header names stripped."""
    if not path.exists():
        raise file_error(path, f"no such file: {path}")
    if path.is_dir():
        raise file_error(path, f"{path} is a folder, not a file")
    fmt = detect_format(path)
    if path.stat().st_size == 0:
        raise file_error(path, "the file is empty")
    if fmt == "csv":
        frame = _read_csv(path)
    elif fmt == "xlsx":
        frame = _read_xlsx(path)
    else:
        frame = _read_parquet(path)
    duplicate = first_duplicate(frame.columns)  # names that differ only by spaces
    if duplicate is not None:
        raise _twice(path, duplicate)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if frame.width == 0 or all(c == "" or unnamed_position(c) for c in frame.columns):
        raise file_error(path, "the file has no header row")
    if frame.height == 0:
        raise file_error(path, "the file has a header but no data rows")
    return frame


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        return read_csv_text(path, check_utf8=True)
    except pl.exceptions.NoDataError:
        raise file_error(path, "the file is empty") from None
    except CsvProblem as exc:
        raise ImportRejected(path, [exc.error], None) from None
    except OSError as exc:
        raise file_error(path, f"cannot read the file: {exc.strerror or exc}") from None


def _twice(path: Path, name: str) -> ImportRejected:
    return ImportRejected(path, [RowError(1, name, "", "the column appears twice")], None)


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        names = set(frame.columns)
        if any((m := _RENAMED.fullmatch(c)) and m[1] in names for c in frame.columns):
            # Maybe a renamed repeat, maybe a column really named so: the header row says.
            header = pl.read_excel(
                path,
                engine="calamine",
                has_header=False,
                read_options={"n_rows": 1},
                infer_schema_length=0,
            )
            duplicate = first_duplicate([str(v) for v in header.row(0) if v is not None])
            if duplicate is not None:
                raise _twice(path, duplicate)
    except ImportRejected:
        raise
    except Exception as exc:  # fastexcel raises its own types for corrupt workbooks
        raise file_error(path, f"cannot read the workbook: {exc}") from None
    return frame.select(pl.all().cast(pl.String))


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise file_error(path, f"cannot read the Parquet file: {exc}") from None
    return frame.select(
        [
            pl.col(c).dt.strftime("%Y-%m-%d")
            if frame.schema[c] in (pl.Date, pl.Datetime)
            else pl.col(c).cast(pl.String)
            for c in frame.columns
        ]
    )
