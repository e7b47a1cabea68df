"""Read an import file (CSV, XLSX or Parquet) into a frame of text columns.

Every value is read as text so that validation, not the reader, decides what is wrong,
and can say so with the row and the column.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.say import Say
from doorstep.services.importing.csvfile import (
    CsvProblem,
    first_duplicate,
    read_csv_rows,
    unnamed_position,
)
from doorstep.services.importing.csvheader import SHEET_ROW, holds_values, unnamed
from doorstep.services.importing.errors import (
    MAX_EXACT_WHOLE,
    ImportRejected,
    RowError,
    column_twice,
    file_error,
    inexact_number,
    one_line,
    part,
    write_unread_errors_csv,
)
from doorstep.services.importing.formulas import unescape_frame
from doorstep.services.importing.xlsxfile import XlsxRead, read_xlsx, sheet_with_header

#: Why a file of no bytes is refused.
_EMPTY = Say("the file is empty")
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if path.suffix.lower() == ".xls":
        raise file_error(path, _LEGACY_XLS)
    if fmt == "xlsx" and path.is_file():
        with path.open("rb") as fh:
            if fh.read(8) == _OLE2:
                raise file_error(path, _OLE2_XLSX)
    if fmt is None:
        unknown = Say(
            "unknown file type %(suffix)s; use .csv, .xlsx or .parquet", suffix=repr(path.suffix)
        )
        raise file_error(path, unknown)
    return fmt


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame
    sheet: str | None = None  # which sheet was read, when a workbook has several
    #: A workbook's cells whose value cannot be read, and where they are (see XlsxRead):
    #: the import refuses them with the rows' other errors.
    unread: tuple[RowError, ...] = ()
    unread_cells: frozenset[tuple[int, str]] = frozenset()
    notes: tuple[str, ...] = ()  # how some rows were read (hidden in the sheet)


def read_table(path: Path) -> pl.DataFrame:
    """The file's rows as text columns (nulls for empty cells), header names stripped;
    refused when some cells cannot be read."""
    table = read_file(path)
    if table.unread:
        raise _rows_refused(path, list(table.unread))
    return table.frame


def read_file(path: Path, expected: Sequence[str] = ()) -> Table:
    """:func:`read_table`, which sheet of a workbook it read, and the workbook's cells it
    could not read, not refused here: the import names them with the rows' other errors.
    A header that holds none
    of the ``expected`` columns is refused in one line when a later row holds them all
    (a title above the header), saying where."""
    if not path.exists():
        raise file_error(path, Say("no such file: %(path)s", path=str(path)))
    if path.is_dir():
        raise file_error(path, Say("%(path)s is a folder, not a file", path=str(path)))
    fmt = detect_format(path)
    if path.stat().st_size == 0:
        raise file_error(path, _EMPTY)
    sheet, book = None, None
    if fmt == "csv":
        if expected:
            records = _first_records(path)
            if records:
                rows = [(i, r) for i, r in enumerate(records[1:], start=2)]
                _header_elsewhere(path, 1, records[0], rows, expected)
        frame = unescape_frame(_read_csv(path))
    elif fmt == "xlsx":
        book = read_xlsx(path)
        if expected:
            _header_elsewhere(
                path,
                book.header_row,
                [c for c in book.frame.columns if c != SHEET_ROW],
                [
                    (int(r[SHEET_ROW]), [v for k, v in r.items() if k != SHEET_ROW])
                    for r in book.frame.head(_HEADER_SEARCH_ROWS).iter_rows(named=True)
                ],
                expected,
                book.sheet,
            )
            _header_on_another_sheet(path, book, expected)
        frame, sheet = unescape_frame(book.frame), book.sheet
    else:
        frame = _read_parquet(path)
    duplicate = first_duplicate(frame.columns)  # names that differ only by spaces
    if duplicate is not None:
        raise column_twice(path, duplicate)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if all(c in ("", SHEET_ROW) or unnamed_position(c) for c in frame.columns):
        raise file_error(path, Say("the file has no header row"))
    if frame.height == 0:
        raise file_error(path, Say("the file has a header but no data rows"))
    if book is None:
        return Table(frame, sheet)
    return Table(frame, sheet, book.unread, book.unread_cells, book.hidden)


#: The first bytes of an OLE2 compound file: an Excel 97-2003 .xls workbook, or an .xlsx
#: workbook saved with a password, which is wrapped in one.
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
_LEGACY_XLS = Say(
    "the file is a legacy Excel (.xls) workbook, which cannot be read; open it in a "
    "spreadsheet and save it as .xlsx (Excel Workbook)"
)
_OLE2_XLSX = Say(
    "the file is a legacy Excel (.xls) workbook named .xlsx, or a workbook saved with a "
    "password; open it in a spreadsheet and save it as .xlsx (Excel Workbook), without a "
    "password"
)
#: How far below row 1 a header under a title is looked for.
_HEADER_SEARCH_ROWS = 20


def _first_records(path: Path) -> list[list[str]]:
    """The CSV file's first records as text, or none when it cannot tell (the reader then
    names the encoding or quoting problem)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(itertools.islice(csv.reader(fh), _HEADER_SEARCH_ROWS + 1))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _header_on_another_sheet(path: Path, book: XlsxRead, expected: Sequence[str]) -> None:
    """Refuse a first visible sheet that lacks some of the ``expected`` names when another
    sheet holds them all (notes or a lookup list in front), naming it."""
    names = {str(c).strip() for c in book.frame.columns}
    if set(expected) <= names:
        return
    other = sheet_with_header(path, expected, _HEADER_SEARCH_ROWS + 1)
    if other is None:
        return
    if book.sheet:
        why = Say(
            "the sheet read (%(sheet)s) lacks expected columns; they are all on %(other)s: "
            "move that sheet to the front, or save it as a workbook of its own",
            sheet=part(book.sheet),
            other=other,
        )
    else:
        why = Say(
            "the sheet read lacks expected columns; they are all on %(other)s: move that "
            "sheet to the front, or save it as a workbook of its own",
            other=other,
        )
    raise file_error(path, why)


def _header_elsewhere(
    path: Path,
    header_row: int,
    header: Sequence[str | None],
    rows: Sequence[tuple[int, Sequence[str | None]]],
    expected: Sequence[str],
    sheet: str | None = None,
) -> None:
    """Refuse a header holding none of the ``expected`` names when a later row holds them
    all (a title above the header), saying where."""
    names = {str(v).strip() for v in header if v is not None}
    if names & set(expected):
        return
    held = [n for n in (str(v).strip() for v in header if v is not None) if n]
    held = [n for n in held if unnamed_position(n) is None]
    holds = (
        Say(
            "it holds %(names)s",
            names=f"{', '.join(repr(v) for v in held[:3])}{', ...' if len(held) > 3 else ''}",
        )
        if held
        else Say("it is empty")
    )
    found = next(
        (
            row
            for row, values in rows
            if set(expected) <= {str(v).strip() for v in values if v is not None}
        ),
        None,
    )
    if found is None:
        return  # the header's own errors say what is wrong with it (unknown, ';'-separated)
    reason = Say(
        "the expected header was not found in row %(row)s (%(holds)s); it is in row "
        "%(found)s: delete the rows above it",
        row=header_row,
        holds=holds,
        found=found,
    )
    raise ImportRejected(path, [RowError.said(header_row, "", "", reason)], None, sheet=sheet)


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        frame, fields = read_csv_rows(path, check_utf8=True)
    except pl.exceptions.NoDataError:
        raise file_error(path, _EMPTY) from None
    except CsvProblem as exc:
        raise _rows_refused(path, [exc.error]) from None
    except OSError as exc:
        why = Say("cannot read the file: %(reason)s", reason=str(exc.strerror or exc))
        raise file_error(path, why) from None
    _refuse_short_rows(path, frame, fields)
    # A row of empty cells only (a blank line, ",,,", cells of spaces) is skipped, as in a
    # workbook; the others keep their row in the file, so that errors name the row a
    # reader sees.
    values = frame.columns
    return frame.with_columns(
        pl.int_range(2, 2 + frame.height, dtype=pl.Int64).alias(SHEET_ROW)
    ).filter(holds_values(values))


def _rows_refused(path: Path, errors: list[RowError]) -> ImportRejected:
    """The rejection of a file the reader could not take: when it names a data row (a
    quote that never closes, a byte that is not UTF-8), its errors file is written as for
    any other bad row; a whole-file or header problem writes none."""
    named = any(e.row > 1 for e in errors)
    return ImportRejected(path, errors, write_unread_errors_csv(path, errors) if named else None)


def _refuse_short_rows(path: Path, frame: pl.DataFrame, fields: npt.NDArray[np.int64]) -> None:
    """A row with fewer fields than the header is refused: polars reads the values it lacks
    as empty, and an update would then clear them (a county's ``parent_code``, and the
    county became a root). A value given as empty keeps its comma; a blank line (or one of
    spaces only) is skipped."""
    blank = frame.select(~holds_values(frame.columns)).to_series().to_numpy()
    short = np.flatnonzero((fields < frame.width) & ~blank)
    if not len(short):
        return
    errors = [
        RowError.said(
            int(i) + 2,
            frame.columns[int(fields[i])],
            "",
            Say(
                "the row ends early: %(fields)s field(s) where the header has %(width)s (an "
                "empty value still needs its comma)",
                fields=int(fields[i]),
                width=frame.width,
            ),
        )
        for i in short
    ]
    raise ImportRejected(path, errors, write_unread_errors_csv(path, errors))


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        why = Say("cannot read the Parquet file: %(reason)s", reason=one_line(exc))
        raise file_error(path, why) from None
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
        raise _rows_refused(path, errors)
    text = pl.DataFrame(columns)
    if not text.columns:
        return text
    # A row of empty cells only (nulls, NaN, spaces) is skipped, as in a CSV file or a
    # workbook; the others keep their row number (header = row 1) for the errors.
    return text.with_columns(
        pl.int_range(2, 2 + text.height, dtype=pl.Int64).alias(SHEET_ROW)
    ).filter(holds_values(text.columns))


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
            return column, RowError.said(
                row, label, "", Say("bytes that are not UTF-8 text; store the column as UTF-8 text")
            )
    if dtype.is_float():
        return _float_text(column, label)
    if isinstance(dtype, pl.Decimal):
        # As written in a CSV file: a decimal(10, 2) id 1.00 is the household 1, not 1.00.
        text = column.cast(pl.String).str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")
        return text, None
    if dtype.is_nested() or dtype == pl.Object:
        reason = (
            Say(
                "a column of type %(type)s cannot be imported; store it as text, the values "
                "separated by ';'",
                type=str(dtype),
            )
            if isinstance(dtype, (pl.List, pl.Array))
            else _not_imported(dtype)
        )
        return column, RowError.said(1, label, "", reason)
    try:
        return column.cast(pl.String), None
    except pl.exceptions.PolarsError:  # a duration, say
        return column, RowError.said(1, label, "", _not_imported(dtype))


def _not_imported(dtype: pl.DataType) -> Say:
    return Say("a column of type %(type)s cannot be imported; store it as text", type=str(dtype))


def _utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _float_text(column: pl.Series, label: str) -> tuple[pl.Series, RowError | None]:
    """A float column as text, its whole numbers as an XLSX or CSV file gives them ("7",
    not "7.0": ids are text, and 7 must be the same household whatever the format); a
    whole number past 2**53 is refused, as it may not be the one typed. NaN is how pandas
    writes a missing value: an empty cell (a required one is then missing, not the id
    "NaN"); an infinity is no value any cell can have meant, and is refused."""
    x = column.cast(pl.Float64)
    infinite = x.is_infinite().fill_null(False)
    if infinite.any():
        i = int(infinite.arg_true()[0])
        more = int(infinite.sum()) - 1
        return column, RowError.said(
            i + 2,
            label,
            str(x[i]),
            Say(
                "an infinite number is no value; give the value, or leave the cell empty; "
                "%(more)s more such row(s) in this column",
                more=more,
            )
            if more
            else Say("an infinite number is no value; give the value, or leave the cell empty"),
        )
    column = column.fill_nan(None)
    x = x.fill_nan(None)
    large = (x.is_finite() & (x.abs() > MAX_EXACT_WHOLE)).fill_null(False)
    if large.any():
        i = int(large.arg_true()[0])
        more = int(large.sum()) - 1
        advice = (
            Say(
                "store the column as text or as whole numbers (int64); %(more)s more such "
                "row(s) in this column",
                more=more,
            )
            if more
            else Say("store the column as text or as whole numbers (int64)")
        )
        return column, inexact_number(i + 2, label, str(x[i]), advice)
    whole = x.is_finite() & (x == x.round(0))
    as_int = x.cast(pl.Int64, strict=False).cast(pl.String)
    # The others as the column holds them: a float32 26.58 is not 26.579999923706055.
    text = pl.select(pl.when(whole).then(as_int).otherwise(column.cast(pl.String))).to_series()
    return text.alias(column.name), None
