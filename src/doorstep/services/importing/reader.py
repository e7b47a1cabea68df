"""Read an import file (CSV, XLSX or Parquet) into a frame of text columns.

Every value is read as text so that validation, not the reader, decides what is wrong,
and can say so with the row and the column.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import polars as pl

from doorstep.services.importing.errors import ImportRejected, RowError, file_error

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
_CHUNK = 1 << 24


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
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if frame.width == 0 or all(c == "" for c in frame.columns):
        raise file_error(path, "the file has no header row")
    if frame.height == 0:
        raise file_error(path, "the file has a header but no data rows")
    return frame


def _check_utf8(path: Path) -> None:
    """Fail with the line of the first byte that is not UTF-8 (e.g. a Latin-1 export)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = chunk[exc.start : exc.start + 1]
                line += chunk[: exc.start].count(b"\n")
                raise ImportRejected(
                    path,
                    [
                        RowError(
                            0,
                            "",
                            "",
                            f"line {line} (byte {offset + exc.start}): byte 0x{bad.hex()} is "
                            "not UTF-8 — the file looks like Latin-1 or another legacy "
                            "encoding; save it as UTF-8 (CSV UTF-8) and import again",
                        )
                    ],
                    None,
                ) from None
            line += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise file_error(path, "the file ends in the middle of a UTF-8 character") from None


def _read_csv(path: Path) -> pl.DataFrame:
    _check_utf8(path)
    try:
        return pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise file_error(path, "the file is empty") from None
    except pl.exceptions.ComputeError as exc:
        raise _locate_csv_problem(path, exc) from None


def _locate_csv_problem(path: Path, exc: Exception) -> ImportRejected:
    """Polars says *what* is wrong; the csv module finds *where*."""
    csv.field_size_limit(1 << 30)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        for row_no, record in enumerate(reader, start=2):
            if len(record) > len(header):
                return ImportRejected(
                    path,
                    [
                        RowError(
                            row_no,
                            "",
                            "",
                            f"{len(record)} fields but the header has {len(header)}; "
                            "quote values that contain commas",
                        )
                    ],
                    None,
                )
    return file_error(path, f"cannot read the file as CSV: {exc}")


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
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
