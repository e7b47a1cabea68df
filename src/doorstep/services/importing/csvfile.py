"""Read a CSV file as text columns: fast when it is well formed, precise when it is not.

``doorstep import`` and file-mode pairing both read CSV through :func:`read_csv_text`, so a
file means the same to both. Polars reads a good file; when it cannot, it says so in its
own terms (with parts of the file and advice about its options, but not the row), so a
small scan of the file then finds the first row polars cannot read and says what to fix.
Files saved as UTF-16 (with a byte-order mark) or with rows that end in a CR alone (old-Mac
line ends, whatever the header's) are converted before polars sees them; every other file
goes to polars untouched.

The header is read here first (:mod:`.csvheader`, to its end, as a spreadsheet writes it);
whatever polars then reads, its row count is checked against the file (:mod:`.csvcount`), so
that no row is ever lost without a word; and when polars fails, :mod:`.csvscan` says where.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.say import Say
from doorstep.services.importing.csvcount import (
    fields_per_row,
    lone_crs,
    lost_rows,
    text_after_quote,
)
from doorstep.services.importing.csvheader import (
    cr_only,
    first_duplicate,
    other_separator,
    read_header,
    unnamed,
    unnamed_position,
)
from doorstep.services.importing.csvscan import binary, locate, unreadable, utf8_problem
from doorstep.services.importing.errors import TWICE, RowError

__all__ = [
    "CsvProblem",
    "CsvRows",
    "first_duplicate",
    "read_csv_rows",
    "read_csv_text",
    "unnamed_position",
    "utf8_problem",
]

# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


# The first bytes of files often named .csv by mistake, and what to say about them.
_NOT_TEXT = (
    (b"\x1f\x8b", Say("gzip-compressed, not CSV text; unpack it first")),
    (
        b"PK\x03\x04",
        Say("a ZIP archive, not CSV text; unpack it, or if it is a workbook name it .xlsx"),
    ),
    (b"BZh", Say("bzip2-compressed, not CSV text; unpack it first")),
    (b"\xfd7zXZ\x00", Say("xz-compressed, not CSV text; unpack it first")),
    (b"\x28\xb5\x2f\xfd", Say("zstd-compressed, not CSV text; unpack it first")),
    (b"PAR1", Say("a Parquet file, not CSV text; name it .parquet")),
    (b"\xd0\xcf\x11\xe0", Say("an old Excel (.xls) workbook, not CSV text; save it as .xlsx")),
    (b"%PDF", Say("a PDF document, not CSV text")),
)


def _nul_reason(header: bytes) -> Say:
    """Why a header with NUL bytes is refused: UTF-16 text has one in every other byte (for
    the ASCII of column names); anything else is not text at all."""
    if header.count(b"\x00") * 4 >= len(header):
        return Say(
            "the header holds NUL bytes: the file looks like UTF-16 without a byte-order mark; "
            "save it as UTF-8 (CSV UTF-8)"
        )
    return Say("the header holds NUL bytes: the file is not text; save it as UTF-8 (CSV UTF-8)")


class CsvProblem(Exception):
    """A file that cannot be read as CSV: ``error`` says where (row 0: the file) and why."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def read_csv_text(path: Path, *, check_utf8: bool = False) -> pl.DataFrame:
    """Every column of ``path`` as text, with the header's names as written.

    ``check_utf8`` checks the whole file's encoding before reading (polars reads a header
    that is not UTF-8 without complaint); without it the check runs only when polars fails.

    Raises
    ------
    CsvProblem
        The file cannot be read as CSV; the error names the row and the column where it can.
    polars.exceptions.NoDataError
        The file is empty.
    OSError
        The file cannot be opened.
    """
    return _read(path, check_utf8)[0]


class CsvRows(NamedTuple):
    """A file read by :func:`read_csv_rows`: every column as text, and how many fields each
    row has."""

    frame: pl.DataFrame
    fields: npt.NDArray[np.int64]


def read_csv_rows(path: Path, *, check_utf8: bool = False) -> CsvRows:
    """:func:`read_csv_text`, and how many fields each row has
    (:func:`~doorstep.services.importing.csvcount.fields_per_row`): a row that ends early
    reads as empty values, which only this tells from values given as empty. Counted in
    what polars read, so a file converted first (UTF-16, rows ended by a CR alone) is
    converted once."""
    frame, source, start = _read(path, check_utf8)
    return CsvRows(frame, fields_per_row(source, start, frame.height))


def _read(path: Path, check_utf8: bool) -> tuple[pl.DataFrame, Path | bytes, int]:
    """:func:`read_csv_text`'s frame, what polars read (the path, or the file converted),
    and where its rows start."""
    source, converted = _source(path)
    if check_utf8 and not converted:
        with binary(source) as fh:
            problem = utf8_problem(fh)
        if problem is not None:
            raise CsvProblem(problem)
    with binary(source) as fh:
        header = read_header(fh)
    if header.problem is not None:
        # Polars would read such a name, then lose every row after it (a quote it thinks open).
        raise CsvProblem(header.problem)
    separator = other_separator(header.names)
    if separator is not None:
        raise CsvProblem(RowError.said(1, "", "", separator))
    try:
        frame = pl.read_csv(source, infer_schema=False, encoding="utf8", raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise
    except pl.exceptions.PolarsError as exc:
        raise CsvProblem(locate(source) or unreadable(exc)) from None
    start = len(header.record) + len(header.end)
    lost = lost_rows(source, start, frame.height)
    if lost is not None:
        raise CsvProblem(lost)
    if text_after_quote(source, start):
        # Polars read it, dropping the quotes; the scan names the row, or finds it is text.
        problem = locate(source)
        if problem is not None:
            raise CsvProblem(problem)
    names = header.names if len(header.names) == frame.width else frame.columns
    duplicate = first_duplicate(names)
    if duplicate is not None:
        raise CsvProblem(RowError.said(1, duplicate, "", TWICE))
    # Polars keeps a quoted name's doubled quotes and renames a repeated empty name.
    frame.columns = [n if n.strip() else unnamed(i) for i, n in enumerate(names, start=1)]
    return frame, source, start


def _source(path: Path) -> tuple[Path | bytes, bool]:
    """What polars should read, and whether it was converted from another encoding.

    A file with a UTF-16 or UTF-32 byte-order mark is decoded, and old-Mac line ends (CR
    alone) become newlines: all of them when the header ends so, else those outside quotes
    (rows that end so below a header that does not), so that each is a row, as in a
    spreadsheet, and errors name the row it shows. Any other file is returned as its path,
    read by polars alone.
    """
    with path.open("rb") as fh:
        start = fh.read(8)
        kind = next((what for magic, what in _NOT_TEXT if start.startswith(magic)), None)
        if kind is not None:
            raise CsvProblem(RowError.said(0, "", "", Say("the file is %(kind)s", kind=kind)))
        found = next(((enc, name) for bom, enc, name in _BOMS if start.startswith(bom)), None)
        if found is None:
            fh.seek(0)
            header = read_header(fh)
            if b"\x00" in header.record:
                raise CsvProblem(RowError.said(0, "", "", _nul_reason(header.record)))
            if not cr_only(header.record, header.end):
                lone = lone_crs(path, len(header.record) + len(header.end))
                if not lone.size:
                    return path, False
                fh.seek(0)
                return _rows_ended(fh.read(), lone), False
            fh.seek(0)
            return _newlines(fh.read()), False
    encoding, name = found
    try:
        data = path.read_bytes().decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvProblem(
            RowError.said(
                0,
                "",
                "",
                Say(
                    "the file starts with a %(name)s byte-order mark but is not valid %(name)s "
                    "(byte %(at)s); save it as UTF-8 (CSV UTF-8)",
                    name=name,
                    at=exc.start,
                ),
            )
        ) from None
    with io.BytesIO(data) as fh:
        header = read_header(fh)
    if cr_only(header.record, header.end):
        return _newlines(data), True
    return _rows_ended(data, lone_crs(data, len(header.record) + len(header.end))), True


def _rows_ended(data: bytes, lone: npt.NDArray[np.intp]) -> bytes:
    """``data`` with a newline for the CR alone at each of ``lone`` (a row's end)."""
    if not lone.size:
        return data
    text = np.frombuffer(data, dtype=np.uint8).copy()
    text[lone] = ord("\n")
    return text.tobytes()


def _newlines(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
