"""Read an import file (CSV, XLSX or Parquet) into a frame of text columns.

Every value is read as text so that validation, not the reader, decides what is wrong,
and can say so with the row and the column.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import fastexcel
import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.services.importing.csvfile import (
    CsvProblem,
    first_duplicate,
    read_csv_text,
    row_fields,
    unnamed_position,
)
from doorstep.services.importing.csvheader import SHEET_ROW, unnamed
from doorstep.services.importing.errors import (
    ImportRejected,
    RowError,
    file_error,
    write_errors_csv,
)
from doorstep.services.importing.formulas import unescape_frame

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
        frame = unescape_frame(_read_csv(path))
    elif fmt == "xlsx":
        frame = unescape_frame(_read_xlsx(path))
    else:
        frame = _read_parquet(path)
    duplicate = first_duplicate(frame.columns)  # names that differ only by spaces
    if duplicate is not None:
        raise _twice(path, duplicate)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if all(c in ("", SHEET_ROW) or unnamed_position(c) for c in frame.columns):
        raise file_error(path, "the file has no header row")
    if frame.height == 0:
        raise file_error(path, "the file has a header but no data rows")
    return frame


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        frame = read_csv_text(path, check_utf8=True)
        fields = row_fields(path, frame.height)
    except pl.exceptions.NoDataError:
        raise file_error(path, "the file is empty") from None
    except CsvProblem as exc:
        raise ImportRejected(path, [exc.error], None) from None
    except OSError as exc:
        raise file_error(path, f"cannot read the file: {exc.strerror or exc}") from None
    _refuse_short_rows(path, frame, fields)
    return frame


def _refuse_short_rows(path: Path, frame: pl.DataFrame, fields: npt.NDArray[np.int64]) -> None:
    """A row with fewer fields than the header is refused: polars reads the values it lacks
    as empty, and an update would then clear them (a county's ``parent_code``, and the
    county became a root). A value given as empty keeps its comma; a blank line is skipped."""
    blank = frame.select(pl.all_horizontal(pl.all().is_null())).to_series().to_numpy()
    short = np.flatnonzero((fields < frame.width) & ~blank)
    if not len(short):
        return
    errors = [
        RowError(
            int(i) + 2,
            frame.columns[int(fields[i])],
            "",
            f"the row ends early: {int(fields[i])} field(s) where the header has "
            f"{frame.width} (an empty value still needs its comma)",
        )
        for i in short
    ]
    raise ImportRejected(path, errors, _errors_file(path, errors))


def _errors_file(path: Path, errors: list[RowError]) -> Path | None:
    """The errors file of a file not read yet: whether it is about people is not known, so
    it is written as one that is (no values copied)."""
    return write_errors_csv(path, errors, people=True)


def _twice(path: Path, name: str) -> ImportRejected:
    return ImportRejected(path, [RowError(1, name, "", "the column appears twice")], None)


def _read_xlsx(path: Path) -> pl.DataFrame:
    try:
        book = fastexcel.read_excel(path)
        sheet = book.load_sheet(0, dtypes="string")
        batch, cell_errors = sheet.to_arrow_with_errors()
        frame = _full_precision(book, pl.DataFrame(pl.from_arrow(batch)))
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
        raise file_error(path, f"cannot read the workbook: {one_line(exc)}") from None
    # The sheet's own row numbers: calamine starts at the first row holding a value and
    # keeps blank rows, which are then dropped here.
    header_row = _first_used_row(path)
    frame.columns = [
        unnamed(int(m[1]) + 1) if (m := _CALAMINE_UNNAMED.fullmatch(c)) else c
        for c in frame.columns
    ]
    frame = frame.with_columns(
        pl.int_range(header_row + 1, header_row + 1 + frame.height, dtype=pl.Int64).alias(SHEET_ROW)
    )
    errors = [
        RowError(
            header_row + 1 + e.offset_position[0],
            frame.columns[e.offset_position[1]],
            "",
            f"holds a spreadsheet error {_error_text(e.detail)}; correct the cell or clear it",
        )
        for e in (cell_errors.errors if cell_errors is not None else [])
    ]
    errors += _cells_not_read(path)
    if errors:
        raise ImportRejected(path, errors, _errors_file(path, errors))
    values = [c for c in frame.columns if c != SHEET_ROW]
    return frame.filter(pl.any_horizontal(pl.col(values).is_not_null()))


def _full_precision(book: fastexcel.ExcelReader, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (the sheet read as text) with each fractional number cell written in
    full: read as text, a number keeps 9 decimals (28.67692412345678 became 28.676924123,
    so coordinates moved and 2.0000000001 passed as a whole number). The sheet read again
    with types says which cells are numbers; whole ones keep their text ("7", not "7.0")."""
    log = logging.getLogger("fastexcel")  # "could not determine dtype": text is kept anyway
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        typed = pl.DataFrame(pl.from_arrow(book.load_sheet(0).to_arrow_with_errors()[0]))
    except Exception:  # a sheet the typed read cannot take keeps its text
        return frame
    finally:
        log.setLevel(level)
    if typed.columns != frame.columns or typed.height != frame.height:
        return frame
    numbers = [c for c, t in typed.schema.items() if t == pl.Float64]
    return frame.with_columns(
        pl.when(typed[c].is_not_null() & (typed[c] != typed[c].round(0)))
        .then(typed[c].cast(pl.String))
        .otherwise(pl.col(c))
        .alias(c)
        for c in numbers
    )


_CALAMINE_UNNAMED = re.compile(r"__UNNAMED__(\d+)")
_SPREADSHEET_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "GettingData": "#GETTING_DATA",
}


def _error_text(detail: str) -> str:
    """The error as the spreadsheet shows it, from fastexcel's "... got 'Error(NA)'"."""
    m = re.search(r"Error\((\w+)\)", detail)
    return _SPREADSHEET_ERRORS.get(m[1], m[1]) if m else detail


def _first_used_row(path: Path) -> int:
    """The row (from 1) of the first sheet's first cell that holds a value: where calamine
    starts reading, so the header's row; 1 when the workbook does not say."""
    try:
        with zipfile.ZipFile(path) as book, book.open(_first_sheet(book)) as fh:
            row = 0
            for _, element in ElementTree.iterparse(fh):
                if _local(element.tag) != "row":
                    continue
                row = int(element.get("r") or row + 1)
                # An empty <v> (some programs write one for a blank cell) is no value:
                # calamine skips it too.
                if any(
                    _local(value.tag) == "is" or (_local(value.tag) == "v" and value.text)
                    for cell in element
                    for value in cell
                ):
                    return row
                element.clear()
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        pass
    return 1


_FORMULA_OR_MERGE = re.compile(rb"<(?:\w+:)?(?:f|mergeCell)[\s>/]")
_CELL = re.compile(r"([A-Z]+)(\d+)")


def _cells_not_read(path: Path) -> list[RowError]:
    """Cells of the first sheet whose value the reader cannot see, which would otherwise
    be read as empty (a consent of "withdrawn" stored as the default, say): a formula saved
    without its calculated value (by a program that does not calculate, such as openpyxl;
    Excel always saves the value), and cells merged over several rows (the value is held
    by the first row only, though every row shows it). Most sheets have neither, which one
    pass over the raw bytes tells before any parsing."""
    try:
        with zipfile.ZipFile(path) as book:
            name = _first_sheet(book)
            with book.open(name) as fh:
                found = any(_FORMULA_OR_MERGE.search(chunk) for chunk in _overlapping(fh))
            if not found:
                return []
            errors = []
            with book.open(name) as fh:
                for _, element in ElementTree.iterparse(fh):
                    tag = _local(element.tag)
                    if tag == "c":
                        parts = {_local(e.tag): e for e in element}
                        value = parts.get("v")
                        calculated = value is not None and (
                            bool(value.text) or element.get("t") == "str"
                        )
                        if (
                            "f" in parts
                            and not calculated
                            and (m := _CELL.fullmatch(element.get("r") or ""))
                        ):
                            errors.append(
                                RowError(
                                    int(m[2]),
                                    m[1],
                                    "",
                                    f"cell {m[0]} holds a formula saved without its value (by "
                                    "a program that does not calculate); open and save the "
                                    "workbook in a spreadsheet, or paste the values",
                                )
                            )
                        element.clear()
                    elif tag == "mergeCell":
                        ref = element.get("ref") or ""
                        ends = [_CELL.fullmatch(e) for e in ref.split(":")]
                        if len(ends) == 2 and ends[0] and ends[1] and ends[0][2] != ends[1][2]:
                            errors.append(
                                RowError(
                                    int(ends[0][2]),
                                    ends[0][1],
                                    "",
                                    f"cells {ref} are merged over several rows, so only the "
                                    "first row holds the value; unmerge them and give each "
                                    "row its value",
                                )
                            )
            return errors
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return []


def _overlapping(fh: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """``fh`` in blocks that overlap by 32 bytes, so that no tag is cut between two."""
    tail = b""
    while block := fh.read(size):
        yield tail + block
        tail = block[-32:]


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The path in the workbook of its first sheet (the one that is read)."""
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    first = next(e for e in workbook.iter() if _local(e.tag) == "sheet")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next(e.get("Target", "") for e in rels if e.get("Id") == first.get(rel))
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def one_line(exc: BaseException) -> str:
    """An exception's message on one line: its first non-empty line, as the user can act
    on it (fastexcel and polars add lines of context and advice)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise file_error(path, f"cannot read the Parquet file: {one_line(exc)}") from None
    # A column with an empty name is named by its position, as in a CSV file.
    frame.columns = [c if c.strip() else unnamed(i) for i, c in enumerate(frame.columns, 1)]
    errors: list[RowError] = []
    columns: list[pl.Series] = []
    for name, dtype in frame.schema.items():
        column, error = _parquet_text(frame[name], dtype)
        if error is not None:
            errors.append(error)
        columns.append(column)
    if errors:
        raise ImportRejected(path, errors, None)
    return pl.DataFrame(columns)


def _parquet_text(column: pl.Series, dtype: pl.DataType) -> tuple[pl.Series, RowError | None]:
    """A Parquet column as text, as a CSV file would hold it, or why it cannot be."""
    name = column.name
    shown = unnamed_position(name)
    label = name if shown is None else f"column {shown}"
    if dtype == pl.Date:
        return column.dt.strftime("%Y-%m-%d"), None
    if dtype == pl.Datetime:
        # A time of day is kept, so that a date column refuses it as a CSV file's would.
        return column.dt.strftime("%Y-%m-%d %H:%M:%S%.f"), None
    if dtype == pl.Binary:
        try:
            return column.cast(pl.String), None
        except pl.exceptions.PolarsError:
            row = next(
                i for i, v in enumerate(column.to_list(), start=2) if v is not None and not _utf8(v)
            )
            return column, RowError(
                row, label, "", "bytes that are not UTF-8 text; store the column as UTF-8 text"
            )
    if dtype.is_nested() or dtype == pl.Object:
        listed = isinstance(dtype, (pl.List, pl.Array))
        reason = f"a column of type {dtype} cannot be imported; store it as text" + (
            ", the values separated by ';'" if listed else ""
        )
        return column, RowError(1, label, "", reason)
    try:
        return column.cast(pl.String), None
    except pl.exceptions.PolarsError:  # a duration, say
        return column, RowError(
            1, label, "", f"a column of type {dtype} cannot be imported; store it as text"
        )


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
