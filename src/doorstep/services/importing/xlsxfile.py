"""Read the first sheet of an XLSX workbook into a frame of text columns, with the sheet's
own row numbers, refusing the cells whose value the reader cannot see."""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import fastexcel
import polars as pl

from doorstep.say import Said, Say
from doorstep.services.importing.csvfile import first_duplicate
from doorstep.services.importing.csvheader import SHEET_ROW, holds_values, unnamed
from doorstep.services.importing.errors import (
    MAX_EXACT_WHOLE,
    ImportRejected,
    RowError,
    column_twice,
    file_error,
    inexact_number,
    one_line,
)

# fastexcel names a repeated header "lat_1", "lat_2"...
_RENAMED = re.compile(r"(.+)_\d+")


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str  # its path inside the workbook's ZIP archive
    visible: bool


@dataclass(frozen=True)
class XlsxRead:
    frame: pl.DataFrame
    sheet: str | None  # which sheet was read, said when the workbook has several
    header_row: int  # the sheet's row read as the header
    #: Cells whose value the reader cannot see (a spreadsheet error, a formula saved without
    #: its value, cells merged over rows, a number past 2**53): refused with the rows' other
    #: errors, so that one run names them all.
    unread: tuple[RowError, ...] = ()
    #: (row, column) of every such cell: each reads as empty, which ``unread`` already tells.
    unread_cells: frozenset[tuple[int, str]] = frozenset()
    #: Rows and columns hidden in the sheet, which are imported like the others.
    hidden: tuple[str, ...] = ()


def read_xlsx(path: Path) -> XlsxRead:
    """The first visible sheet's rows, and which sheet that was when there are several
    (a hidden sheet is someone's working or lookup data, not the rows to import)."""
    with path.open("rb") as fh:
        signature = fh.read(4)
    if signature != b"PK\x03\x04":
        # A workbook is a ZIP archive; this is a CSV, an old .xls or a text file renamed
        # (one that starts as an archive but is cut short is a damaged workbook: below).
        raise file_error(
            path,
            Say(
                "not an Excel workbook (.xlsx): the file is not the ZIP archive a workbook is; "
                "save it from the spreadsheet as .xlsx, or as CSV UTF-8 and import the .csv"
            ),
        )
    sheets = workbook_sheets(path)
    chosen = next((s for s in sheets if s.visible), None)
    if sheets and chosen is None:
        raise file_error(
            path, Say("every sheet of the workbook is hidden; unhide the one to import")
        )
    marks = _NOTHING
    if chosen is not None:
        _refuse_empty(path, sheets, chosen)
        marks = _scan(path, chosen.part)
        _refuse_past_last_column(path, chosen, marks)
    target: str | int = chosen.name if chosen is not None else 0
    try:
        book = fastexcel.read_excel(path)
        sheet = book.load_sheet(target, dtypes="string")
        batch, cell_errors = sheet.to_arrow_with_errors()
        frame = _full_precision(book, target, pl.DataFrame(pl.from_arrow(batch)))
        names = set(frame.columns)
        if any((m := _RENAMED.fullmatch(c)) and m[1] in names for c in frame.columns):
            # Maybe a renamed repeat, maybe a column really named so: the header row says.
            header = _top_rows(path, chosen.name if chosen is not None else None, 1)
            duplicate = first_duplicate([str(v) for v in header.row(0) if v is not None])
            if duplicate is not None:
                raise column_twice(path, duplicate)
    except ImportRejected:
        raise
    except Exception as exc:  # fastexcel raises its own types for corrupt workbooks
        why = Say("cannot read the workbook: %(reason)s", reason=one_line(exc))
        raise file_error(path, why) from None
    # The sheet's own row numbers: calamine starts at the first row holding a value and
    # keeps blank rows, which are then dropped here.
    part = chosen.part if chosen is not None else None
    header_row = _first_used_row(path, part)
    frame, too_large = _as_shown(path, part, frame, header_row, marks.numbers)
    frame.columns = [
        unnamed(int(m[1]) + 1) if (m := _CALAMINE_UNNAMED.fullmatch(c)) else c
        for c in frame.columns
    ]
    frame = frame.with_columns(
        pl.int_range(header_row + 1, header_row + 1 + frame.height, dtype=pl.Int64).alias(SHEET_ROW)
    )
    errors = [
        RowError.said(
            header_row + 1 + e.offset_position[0],
            frame.columns[e.offset_position[1]],
            "",
            Say(
                "holds a spreadsheet error %(error)s; correct the cell or clear it",
                error=_error_text(e.detail),
            ),
        )
        for e in (cell_errors.errors if cell_errors is not None else [])
    ]
    errors += too_large
    cells = {(e.row, e.column) for e in errors}
    not_read, covered = _cells_not_read(path, part, frame.columns, marks.formulas_or_merges)
    errors += not_read
    cells |= covered
    # Only the columns holding a value are looked at: a stray cell at XFD makes 16,384.
    nulls = frame.null_count().row(0)
    values = [c for c, n in zip(frame.columns, nulls, strict=True) if n < frame.height]
    values = [c for c in values if c != SHEET_ROW]
    frame = frame.filter(holds_values(values)) if values else frame.clear()
    frame = frame.with_columns(
        pl.col(values).str.replace(_MIDNIGHT.pattern, "${1}")  # a date cell, as shown
    )
    return XlsxRead(
        frame,
        _which(sheets, chosen),
        header_row,
        tuple(errors),
        frozenset(cells),
        _hidden(path, part, frame.columns, header_row, marks.hidden),
    )


#: How a date cell reads as text ("2026-03-01 00:00:00"); the sheet shows the day.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def _refuse_empty(path: Path, sheets: list[Sheet], chosen: Sheet) -> None:
    """An empty first visible sheet is refused naming a sheet that holds the data, when
    one does: a workbook whose first sheet was left blank is common, and "no header row"
    sent people looking in the wrong place."""
    try:
        with zipfile.ZipFile(path) as book:
            if _first_valued_row(book, chosen.part) is not None:
                return
            full = next(
                (s for s in sheets if s is not chosen and _first_valued_row(book, s.part)), None
            )
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return
    if full is None:
        return  # an empty workbook: "the file has no header row"
    raise file_error(
        path,
        Say(
            "the sheet read, %(sheet)s (the first visible one), is empty; the data seems to be "
            "on %(where)s: move that sheet to the front or delete the empty one",
            sheet=repr(chosen.name),
            where=_sheet_named(full),
        ),
    )


#: Excel's columns end at XFD (16,384): a cell past it is in no spreadsheet program's sheet.
LAST_COLUMN = "XFD"
#: A cell's reference in the sheet's XML (its ``r`` attribute, the only one of that name
#: there with letters: a row's is its number) in a column past XFD: four letters or more,
#: or three after XFD. Matched without the element around it, and only past XFD (not every
#: reference of three letters, to compare after): the scan reads every workbook imported.
_PAST_LAST = re.compile(rb"""r=["']([A-Z]{4,}|XF[E-Z]|X[G-Z][A-Z]|[YZ][A-Z]{2})[0-9]""")
#: What the raw bytes of a sheet holding a formula or cells merged over rows hold: a
#: formula's end tag (every formula has one, a shared one's first cell included) or a
#: mergeCell, with or without a namespace prefix. Tested as plain substrings, which is
#: several times faster than a regex that tries every "<" (a false match only costs the
#: parse that then looks).
_FORMULA_OR_MERGE = (b"</f", b":f", b"mergeCell")


@dataclass(frozen=True)
class _Marks:
    """What one pass over a sheet's raw bytes found, before any cell is parsed: most sheets
    hold none of it, and each check that parses the sheet runs only when its mark is there.
    One pass, not one a check: the sheet is inflated once (0.4 s of 88 MB for 200,000 rows)."""

    past_last: str | None  # the letters of a cell's column past XFD, the first found
    numbers: bool  # a number that may be past 2**53, or just below a whole one (_as_shown)
    formulas_or_merges: bool  # (_cells_not_read)
    hidden: bool  # a hidden row or column (_hidden)


_NOTHING = _Marks(None, False, False, False)


def _scan(path: Path, part: str) -> _Marks:
    """The marks of the sheet at ``part``; none when the workbook cannot be read (the reader
    then names what is wrong with it)."""
    past: str | None = None
    numbers = formulas = hidden = False
    try:
        with zipfile.ZipFile(path) as book, book.open(part) as fh:
            for block in _overlapping(fh):
                if (m := _PAST_LAST.search(block)) is not None:
                    past = m[1].decode()
                    break  # refused: the rest does not matter
                numbers = numbers or _LARGE_OR_NEAR_NEXT_DAY.search(block) is not None
                formulas = formulas or any(f in block for f in _FORMULA_OR_MERGE)
                hidden = hidden or _HIDDEN.search(block) is not None
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return _NOTHING
    return _Marks(past, numbers, formulas, hidden)


def _refuse_past_last_column(path: Path, chosen: Sheet, marks: _Marks) -> None:
    """A sheet with a cell past Excel's last column is refused before it is read: no
    spreadsheet program writes one, and the reader makes a column of every one up to it
    (a cell at ZZZZ2 held it for minutes and gigabytes)."""
    found = marks.past_last
    if found is not None:
        raise file_error(
            path,
            Say(
                "the sheet %(sheet)s has a cell in column %(column)s, past a spreadsheet's "
                "last column (%(last)s): the file was not saved by a spreadsheet program; "
                "open it in one and save it again, or save it as CSV",
                sheet=repr(chosen.name),
                column=found,
                last=LAST_COLUMN,
            ),
        )


def _sheet_named(sheet: Sheet) -> Say:
    """ "sheet 'NAME'", hidden said so."""
    if sheet.visible:
        return Say("sheet %(name)s", name=repr(sheet.name))
    return Say("sheet %(name)s (hidden)", name=repr(sheet.name))


def _top_rows(path: Path, sheet: str | None, rows: int) -> pl.DataFrame:
    """The sheet's first ``rows`` rows as text, the header among them (none: the first)."""
    return pl.read_excel(
        path,
        sheet_name=sheet,
        engine="calamine",
        has_header=False,
        read_options={"n_rows": rows},
        infer_schema_length=0,
    )


def sheet_with_header(path: Path, expected: Sequence[str], rows: int) -> Say | None:
    """The first sheet after the one read (the first visible) whose first ``rows`` rows
    hold a row with every ``expected`` name, as "sheet 'NAME'" (hidden said so); none when
    no other sheet does. For a workbook whose first sheet holds notes or a lookup list."""
    sheets = workbook_sheets(path)
    chosen = next((s for s in sheets if s.visible), None)
    wanted = set(expected)
    for other in sheets:
        if other is chosen or not wanted:
            continue
        try:
            top = _top_rows(path, other.name, rows)
        except Exception:  # an unreadable sheet is not the one meant
            continue
        if any(wanted <= {str(v).strip() for v in row if v is not None} for row in top.rows()):
            return _sheet_named(other)
    return None


def _which(sheets: list[Sheet], chosen: Sheet | None) -> Said | None:
    """Which sheet was read, said when the workbook has several."""
    if chosen is None or len(sheets) < 2:
        return None
    hidden = sum(1 for s in sheets[: sheets.index(chosen)] if not s.visible)
    name, n = repr(chosen.name), len(sheets)
    if hidden:
        return Said(
            Say(
                "sheet %(name)s, the first visible of %(n)s, after %(hidden)s hidden sheet(s)",
                name=name,
                n=n,
                hidden=hidden,
            )
        )
    return Said(Say("sheet %(name)s, the first visible of %(n)s", name=name, n=n))


def _full_precision(
    book: fastexcel.ExcelReader, sheet: str | int, frame: pl.DataFrame
) -> pl.DataFrame:
    """``frame`` (the sheet read as text) with each fractional number cell written in
    full: read as text, a number keeps 9 decimals (28.67692412345678 became 28.676924123,
    so coordinates moved and 2.0000000001 passed as a whole number). The sheet read again
    as numbers says which cells are numbers (any other cell reads as none), in every column:
    a column of numbers with one text cell among them is a column of text to a typed read
    that infers one type a column. Whole numbers keep their text ("7", not "7.0").

    Only the columns holding a value are read again: a sheet reaching column XFD (a stray
    cell far to the right) has 16,384 columns, nearly all empty, and reading them all as
    numbers took a second."""
    held = [i for i, nulls in enumerate(frame.null_count().row(0)) if nulls < frame.height]
    if not held:
        return frame
    log = logging.getLogger("fastexcel")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        typed = pl.DataFrame(
            pl.from_arrow(
                book.load_sheet(
                    sheet, dtypes="float", use_columns=None if len(held) == frame.width else held
                ).to_arrow()
            )
        )
    except Exception:  # a sheet the typed read cannot take keeps its text
        return frame
    finally:
        log.setLevel(level)
    if typed.columns != [frame.columns[i] for i in held] or typed.height != frame.height:
        return frame
    numbers = [c for c, t in typed.schema.items() if t == pl.Float64]
    if not numbers:
        return frame
    # Which cells hold a fractional number, found in one pass; only the columns holding
    # one are rewritten: a sheet reaching column XFD (a stray cell far to the right) has
    # 16,384 columns, and an expression built for each took seconds.
    fraction = typed.select(
        pl.col(c).is_not_null() & (pl.col(c) != pl.col(c).round(0)) for c in numbers
    )
    has = fraction.select(pl.all().any()).row(0)
    return frame.with_columns(
        pl.when(fraction[c]).then(typed[c].cast(pl.String)).otherwise(pl.col(c)).alias(c)
        for c, some in zip(numbers, has, strict=True)
        if some
    )


#: A number format that pads whole numbers with zeros ("00000" shows 42 as 00042).
_ZERO_PADDED = re.compile(r"0{2,}")
#: A stored number that may be past 2**53 (16 digits, or an exponent of 15 or more).
_LARGE = rb"[-+]?(?:\d{16}|[\d.]+[eE]\+?(?:1[5-9]|[2-9]\d|\d{3}))"
_WHOLE = re.compile(r"(-?)(\d+)")
#: A stored number within a millisecond or so below the next whole one: a date-time cell
#: just before midnight (23:59:59.9999), which the reader rounds to the next day's.
_NEAR_NEXT_DAY = re.compile(r"\d+\.9{8}\d*")
_LARGE_OR_NEAR_NEXT_DAY = re.compile(rb"<v>(?:" + _LARGE + rb"|\d+\.9{8})")
#: How the reader shows a date-time cell at midnight.
_DAY_AT_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2}) 00:00:00")


def _as_shown(
    path: Path, sheet: str | None, frame: pl.DataFrame, header_row: int, numbers: bool
) -> tuple[pl.DataFrame, list[RowError]]:
    """Number cells read as the sheet shows them, or refused.

    A whole number cell whose format pads it with zeros is read as the text shown: an id
    typed 00042 into a cell formatted "00000" is held as 42, and ids are text, so 00042 it
    is. A number cell past 2**53 is refused: the file holds it rounded (an id one higher
    reads the same). A date-time cell just before midnight (23:59:59.9999) is read at the
    last millisecond of its day (23:59:59.999), not rounded to the next day's midnight,
    which a date column would take for the next day. Most workbooks have none of these,
    which the styles part and the sheet's ``numbers`` mark (:func:`_scan`) tell before any
    cell is parsed."""
    if sheet is None:
        return frame, []
    try:
        with zipfile.ZipFile(path) as book:
            widths = _padded_styles(book)
            if not widths and not numbers:
                return frame, []
            cells = _number_cells(book, sheet, widths)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return frame, []

    def name(col: int) -> str:
        j = col - cells.first_column
        return frame.columns[j] if 0 <= j < frame.width else _column_letters(col)

    errors = [
        inexact_number(
            row, name(col), value, Say("format the column as text and type the value again")
        )
        for row, col, value in cells.too_large
    ]
    by_column: dict[str, tuple[list[int], list[str]]] = {}
    for row, col, width in cells.padded:
        i, column = row - header_row - 1, name(col)
        if not 0 <= i < frame.height or column not in frame.columns:
            continue
        text = frame[column][i]
        if text is None or (m := _WHOLE.fullmatch(text)) is None:
            continue
        at, shown = by_column.setdefault(column, ([], []))
        at.append(i)
        shown.append(m[1] + m[2].zfill(width))
    for row, col in cells.near_next_day:
        i, column = row - header_row - 1, name(col)
        if not 0 <= i < frame.height or column not in frame.columns:
            continue
        text = frame[column][i]
        if text is None or (m := _DAY_AT_MIDNIGHT.fullmatch(text)) is None:
            continue  # not a date-time cell: a number, read in full
        day = dt.date.fromisoformat(m[1]) - dt.timedelta(days=1)
        at, shown = by_column.setdefault(column, ([], []))
        at.append(i)
        shown.append(f"{day.isoformat()} 23:59:59.999")
    padded = frame.with_columns(frame[c].scatter(at, shown) for c, (at, shown) in by_column.items())
    return padded, errors


def _padded_styles(book: zipfile.ZipFile) -> dict[int, int]:
    """Cell style index -> the digits its number format pads to, for the zero-padding ones."""
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    widths = {}
    for fmt in styles.iter():
        if _local(fmt.tag) == "numFmt":
            code = (fmt.get("formatCode") or "").split(";")[0].strip()
            if _ZERO_PADDED.fullmatch(code):
                widths[int(fmt.get("numFmtId") or -1)] = len(code)
    if not widths:
        return {}
    xfs: Iterable[ElementTree.Element] = next((e for e in styles if _local(e.tag) == "cellXfs"), [])
    return {
        i: widths[int(xf.get("numFmtId") or 0)]
        for i, xf in enumerate(xfs)
        if int(xf.get("numFmtId") or 0) in widths
    }


@dataclass
class _NumberCells:
    padded: list[tuple[int, int, int]]  # (row, column from 0, digits shown)
    too_large: list[tuple[int, int, str]]  # (row, column from 0, the value as stored)
    near_next_day: list[tuple[int, int]]  # (row, column from 0) of a number just below a whole
    first_column: int  # the first holding a value: calamine's columns start there


def _number_cells(book: zipfile.ZipFile, sheet: str, widths: dict[int, int]) -> _NumberCells:
    """The number cells of ``sheet`` in a zero-padding style and those too large to hold."""
    out = _NumberCells([], [], [], 0)
    first = None
    with book.open(sheet) as fh:
        for _, element in ElementTree.iterparse(fh):
            tag = _local(element.tag)
            if tag == "row":
                element.clear()
            if tag != "c" or (m := _CELL.fullmatch(element.get("r") or "")) is None:
                continue
            value = next((v.text for v in element if _local(v.tag) == "v" and v.text), None)
            if value is None and not any(_local(v.tag) == "is" for v in element):
                continue
            col = _column_index(m[1])
            first = col if first is None else min(first, col)
            if value is None or element.get("t", "n") != "n":
                continue
            style = int(element.get("s") or 0)
            if style in widths:
                out.padded.append((int(m[2]), col, widths[style]))
            if abs(float(value)) > MAX_EXACT_WHOLE:
                out.too_large.append((int(m[2]), col, value))
            if _NEAR_NEXT_DAY.fullmatch(value):
                out.near_next_day.append((int(m[2]), col))
    out.first_column = first or 0
    return out


def _column_letters(index: int) -> str:
    """A column's position from 0 as its letters (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    """A column's letters as its position from 0 (A is 0, AA is 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


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


def _first_used_row(path: Path, sheet: str | None) -> int:
    """The row (from 1) of the sheet's first cell that holds a value: where calamine
    starts reading, so the header's row; 1 when the workbook does not say."""
    if sheet is None:
        return 1
    try:
        with zipfile.ZipFile(path) as book:
            return _first_valued_row(book, sheet) or 1
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1


def _first_valued_row(book: zipfile.ZipFile, sheet: str) -> int | None:
    """The row (from 1) of the sheet's first cell holding a value; None for an empty one."""
    with book.open(sheet) as fh:
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
    return None


_CELL = re.compile(r"([A-Z]+)(\d+)")


def _cells_not_read(
    path: Path, name: str | None, columns: Sequence[str], marked: bool
) -> tuple[list[RowError], set[tuple[int, str]]]:
    """Cells of the sheet whose value the reader cannot see, which would otherwise
    be read as empty (a consent of "withdrawn" stored as the default, say): a formula saved
    without its calculated value (by a program that does not calculate, such as openpyxl;
    Excel always saves the value), and cells merged over several rows (the value is held
    by the first row only, though every row shows it); and (row, column) of each cell they
    cover. Most sheets have neither, which the sheet's mark (``marked``, :func:`_scan`)
    tells before any parsing. ``columns`` are the frame's, from the sheet's first column
    holding a value."""
    if name is None or not marked:
        return [], set()
    try:
        with zipfile.ZipFile(path) as book:
            formulas: list[tuple[int, int]] = []
            merges: list[tuple[str, int, int, int, int]] = []
            first: int | None = None
            with book.open(name) as fh:
                for _, element in ElementTree.iterparse(fh):
                    tag = _local(element.tag)
                    if tag == "c" and (m := _CELL.fullmatch(element.get("r") or "")):
                        parts = {_local(e.tag): e for e in element}
                        value = parts.get("v")
                        held = (value is not None and bool(value.text)) or "is" in parts
                        if held:
                            col = _column_index(m[1])
                            first = col if first is None else min(first, col)
                        if "f" in parts and not (held or element.get("t") == "str"):
                            formulas.append((int(m[2]), _column_index(m[1])))
                        element.clear()
                    elif tag == "mergeCell":
                        ref = element.get("ref") or ""
                        ends = [_CELL.fullmatch(e) for e in ref.split(":")]
                        if len(ends) == 2 and ends[0] and ends[1] and ends[0][2] != ends[1][2]:
                            top, bottom = int(ends[0][2]), int(ends[1][2])
                            left, right = _column_index(ends[0][1]), _column_index(ends[1][1])
                            merges.append((ref, top, bottom, left, right))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return [], set()

    def named(col: int) -> str:
        j = col - (first or 0)
        return columns[j] if 0 <= j < len(columns) else _column_letters(col)

    errors = [
        RowError.said(
            row,
            named(col),
            "",
            Say(
                "cell %(cell)s holds a formula saved without its value (by a program that does "
                "not calculate); open and save the workbook in a spreadsheet, or paste the "
                "values",
                cell=f"{_column_letters(col)}{row}",
            ),
        )
        for row, col in formulas
    ]
    covered = {(row, named(col)) for row, col in formulas}
    for ref, top, bottom, left, right in merges:
        errors.append(
            RowError.said(
                top,
                named(left),
                "",
                Say(
                    "cells %(cells)s are merged over several rows, so only the first row holds "
                    "the value; unmerge them and give each row its value",
                    cells=ref,
                ),
            )
        )
        covered |= {
            (row, named(col)) for row in range(top, bottom + 1) for col in range(left, right + 1)
        }
    return errors, covered


_HIDDEN = re.compile(rb"""hidden=["'](?:1|true)["']""")


def _hidden(
    path: Path, name: str | None, columns: Sequence[str], header_row: int, marked: bool
) -> tuple[str, ...]:
    """A note naming the rows below the header and the named columns that the sheet hides
    (by hand or by a filter): they are imported like the others, which someone who hid
    them may not expect. Most sheets hide nothing, which the sheet's mark (``marked``,
    :func:`_scan`) tells."""
    if name is None or not marked:
        return ()
    rows: list[int] = []
    hidden_cols: list[tuple[int, int]] = []
    first: int | None = None
    try:
        with zipfile.ZipFile(path) as book, book.open(name) as fh:
            for _, element in ElementTree.iterparse(fh):
                tag = _local(element.tag)
                if tag == "col" and element.get("hidden") in ("1", "true"):
                    low, high = int(element.get("min") or 0), int(element.get("max") or 0)
                    hidden_cols.append((low - 1, high - 1))
                elif tag == "row":
                    cells = [
                        m
                        for c in element
                        if _local(c.tag) == "c"
                        and any(
                            _local(v.tag) == "is" or (_local(v.tag) == "v" and v.text) for v in c
                        )
                        and (m := _CELL.fullmatch(c.get("r") or ""))
                    ]
                    for m in cells:
                        col = _column_index(m[1])
                        first = col if first is None else min(first, col)
                    row = int(element.get("r") or 0)
                    if cells and row > header_row and element.get("hidden") in ("1", "true"):
                        rows.append(row)
                    element.clear()
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return ()
    notes: list[str] = []
    if rows:
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        said = Say(
            "%(n)s row(s) hidden in the sheet were imported like the others (row %(rows)s): a "
            "hidden or filtered-out row is still data; delete the rows that are not meant to "
            "be imported",
            n=len(rows),
            rows=shown,
        )
        notes.append(Said(said))
    names = [
        columns[j]
        for low, high in hidden_cols
        for col in range(low, high + 1)
        if 0 <= (j := col - (first or 0)) < len(columns) and columns[j] != SHEET_ROW
    ]
    if names:
        said = Say(
            "column(s) hidden in the sheet were imported like the others: %(names)s",
            names=", ".join(names),
        )
        notes.append(Said(said))
    return tuple(notes)


def _overlapping(fh: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """``fh`` in blocks that overlap by 32 bytes, so that no tag is cut between two."""
    tail = b""
    while block := fh.read(size):
        yield tail + block
        tail = block[-32:]


def workbook_sheets(path: Path) -> list[Sheet]:
    """The workbook's sheets in their order, or none when it cannot say (a corrupt file,
    which fastexcel then names)."""
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as book:
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    targets = {e.get("Id"): e.get("Target", "") for e in rels}
    out = []
    for e in workbook.iter():
        if _local(e.tag) != "sheet":
            continue
        target = targets.get(e.get(rel), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        state = e.get("state", "visible")
        out.append(Sheet(e.get("name", ""), part, state == "visible"))
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
