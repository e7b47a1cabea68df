"""The header of a CSV file, read to its end as a spreadsheet writes it.

Nothing here looks at a fixed-size start of the file: the header is read to its first line
end outside quotes, however long it is, and so are its names, which may be longer than the
csv module allows (131,072 characters). A quoted name may hold line breaks and doubled
quotes; a name whose quotes would make polars lose the rows after it is refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Collection, Sequence
from typing import BinaryIO, NamedTuple

import polars as pl

from doorstep.say import Say
from doorstep.services.importing.errors import RowError

READ_SIZE = 1 << 16  # bytes read at a time while looking for the end of the header
SHOWN = 200  # characters of a bad value kept for the message (which shortens it again)
#: Why a value (or a column name) whose opening quote never closes is refused.
UNCLOSED = Say(
    "unclosed quote: this value opens with a quote that never closes; add the closing quote "
    "or remove this one"
)
# The frame's name for a column whose header cell is empty: a NUL cannot be in a header.
_UNNAMED = "\x00column "
# The frame's name for the sheet row of each row, where it is not its position plus 2 (an
# XLSX sheet with blank rows, or starting below row 1).
SHEET_ROW = "\x00row"


def unnamed_position(name: str) -> int | None:
    """The position (from 1) of a column whose header cell is empty, from its name in the
    frame :func:`read_csv_text` returns; ``None`` for a named column."""
    if not name.startswith(_UNNAMED):
        return None
    return int(name.removeprefix(_UNNAMED))


def unnamed(position: int) -> str:
    return f"{_UNNAMED}{position}"


def holds_values(columns: Sequence[str]) -> pl.Expr:
    """Whether a row holds a value in any of ``columns``. A cell of spaces only (tabs, line
    breaks, the ideographic space) is an empty cell, as validation reads it, so a row of
    such cells is a blank row: skipped, not refused as missing its code."""
    return pl.any_horizontal(pl.col(columns).str.strip_chars().fill_null("") != "")


def lower_case_reason(name: str, known: Collection[str]) -> Say | None:
    """Why ``name`` is refused when it is a known column in other case (``Languages``):
    the words `doorstep import` and file-mode pairing both give; ``None`` otherwise."""
    if name not in known and name.lower() in known:
        return Say("unknown column; column names are lower case: %(name)s", name=name.lower())
    return None


def twice_marked_reason(name: str) -> Say | None:
    """Why ``name`` is refused when it begins with a byte-order mark: the file was saved
    with one, then saved again by a program that added another, the first read as the mark
    and the second as part of the first column's name. The words `doorstep import` and
    file-mode pairing both give; ``None`` otherwise."""
    if name.startswith("\ufeff"):
        return Say(
            "unknown column: the file begins with a byte-order mark twice; save it again as "
            "UTF-8 (CSV UTF-8)"
        )
    return None


#: Separators a spreadsheet may write instead of commas, and why a header that reads as one
#: column they split is refused.
_OTHER_SEPARATORS = (
    (
        ";",
        Say(
            "the file seems separated by ';', not commas; save it with commas (Excel in many "
            "locales saves CSV with ';': choose CSV UTF-8, or set the list separator to a "
            "comma)"
        ),
    ),
    (
        "\t",
        Say(
            "the file seems separated by tabs, not commas; save it with commas (a spreadsheet "
            "saved as text or TSV: choose CSV UTF-8)"
        ),
    ),
)


def other_separator(names: Sequence[str]) -> Say | None:
    """Why a header is refused when it reads as one column that ``;`` or tabs split into
    several (Excel in many locales saves "CSV" with semicolons): every required column would
    otherwise be reported missing, though the header holds them. ``None`` otherwise."""
    if len(names) != 1:
        return None
    for separator, why in _OTHER_SEPARATORS:
        if sum(1 for part in names[0].split(separator) if part.strip()) > 1:
            return why
    return None


def first_duplicate(names: Sequence[str]) -> str | None:
    """The first header name given twice, surrounding spaces ignored (empty names aside)."""
    seen: set[str] = set()
    for name in (n.strip() for n in names):
        if name in seen:
            return name
        if name:
            seen.add(name)
    return None


class Header(NamedTuple):
    record: bytes  # the header, a byte-order mark included, its line end not
    end: bytes  # b"\n", b"\r\n" or b"\r"; b"" when the file ends first
    names: list[str]  # as a spreadsheet shows them: quotes removed, doubled ones made one
    problem: RowError | None  # the first name polars would misread


class _Buffer:
    """The start of a file, read on demand, as much again each time (linear however long)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.data = b""
        self.eof = False

    def more(self) -> bool:
        if not self.eof:
            chunk = self.fh.read(max(READ_SIZE, len(self.data)))
            if chunk:
                self.data += chunk
                return True
            self.eof = True
        return False

    def byte(self, at: int) -> bytes:
        """The byte at ``at``, or ``b""`` past the end of the file."""
        while at >= len(self.data) and self.more():
            pass
        return self.data[at : at + 1]

    def search(self, pattern: re.Pattern[bytes], at: int) -> int:
        """Where ``pattern`` first matches from ``at``, or the end of the file."""
        while (found := pattern.search(self.data, at)) is None and self.more():
            pass
        return found.start() if found else len(self.data)


_QUOTE = re.compile(rb'"')
_END_OF_NAME = re.compile(rb"[,\r\n]")


def read_header(fh: BinaryIO) -> Header:
    """The first record, read as polars reads a header, and reading no further.

    A quote opens a quoted name only at the start of the name; a quoted name may hold
    commas, line breaks and doubled quotes, and ends at the quote before the next comma or
    line end. Any other quote is refused when it would stop polars reading the rows: an odd
    number of them in a name that is not quoted (polars would take the rest of the file for
    one quoted value), text after a closing quote, a quote that never closes.
    """
    buf = _Buffer(fh)
    i = 3 if buf.byte(2) and buf.data.startswith(codecs.BOM_UTF8) else 0
    names: list[str] = []
    problem: RowError | None = None
    while True:
        start = i
        if buf.byte(i) == b'"':
            i += 1
            while (i := buf.search(_QUOTE, i)) < len(buf.data) and buf.byte(i + 1) == b'"':
                i += 2
            if i == len(buf.data):
                opened = buf.data[start:].split(b"\n", 1)[0].split(b"\r", 1)[0]
                names.append(_decode(buf.data[start + 1 :]))
                problem = problem or RowError.said(1, "", _decode(opened[:SHOWN]), UNCLOSED)
                return Header(buf.data, b"", names, problem)
            names.append(_decode(buf.data[start + 1 : i]).replace('""', '"'))
            closed = i + 1
            i = buf.search(_END_OF_NAME, closed)
            if i > closed and problem is None:
                problem = RowError.said(
                    1,
                    _decode(buf.data[start:i]),
                    "",
                    Say(
                        "text after the closing quote of a column name; remove it, or quote "
                        'the whole name and double each quote inside it, e.g. "a ""b"" c"'
                    ),
                )
        else:
            i = buf.search(_END_OF_NAME, i)
            names.append(_decode(buf.data[start:i]))
            if buf.data.count(b'"', start, i) % 2 and problem is None:
                problem = RowError.said(
                    1,
                    names[-1],
                    "",
                    Say(
                        "a quote inside a column name that is not quoted; quote the whole name "
                        'and double each quote inside it, e.g. "a ""b"" c"'
                    ),
                )
        at = buf.byte(i)
        if at != b",":
            break
        i += 1
    end = b"\r\n" if at == b"\r" and buf.byte(i + 1) == b"\n" else at
    return Header(buf.data[:i], end, names, problem)


def _decode(name: bytes) -> str:
    # The bytes are checked as UTF-8 before they are read (import) or when polars fails.
    return name.decode("utf-8", errors="replace")


def cr_only(header: bytes, end: bytes) -> bool:
    """Whether rows end in a lone CR (old Mac; Excel for Mac's "CSV (Macintosh)", which
    writes a line break inside a quoted value as LF), from the first record and its line end.

    A file with no line end outside quotes (a quote left open) is taken as CR-only when it
    holds CRs and no LF, so that the scan that names the open quote counts its lines.
    """
    if end:
        return end == b"\r"
    return b"\r" in header and b"\n" not in header
