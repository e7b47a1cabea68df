"""Read a CSV file as text columns: fast when it is well formed, precise when it is not.

``doorstep import`` and file-mode pairing both read CSV through :func:`read_csv_text`, so a
file means the same to both. Polars reads a good file; when it cannot, it says so in its
own terms (with parts of the file and advice about its options, but not the row), so a
small scan of the file then finds the first row polars cannot read and says what to fix.
Files saved as UTF-16 (with a byte-order mark) or with old-Mac line ends (CR only) are
converted before polars sees them; every other file goes to polars untouched.

Nothing here looks at a fixed-size start of the file: the header is read to its end (the
first line end outside quotes), however long it is, and so are its names, which may be
longer than the csv module allows (131,072 characters).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl

from doorstep.services.importing.errors import RowError

_READ = 1 << 16  # bytes read at a time while looking for the end of the header
_CHUNK = 1 << 24
_SHOWN = 200  # characters of a bad value kept for the message (which shortens it again)
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_DOUBLE = 'quote the whole value and double each quote inside it, e.g. "a ""b"" c"'
_UNCLOSED = "unclosed quote: this value opens with a quote that never closes"


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
    source, converted = _source(path)
    if check_utf8 and not converted:
        with _binary(source) as fh:
            problem = utf8_problem(fh)
        if problem is not None:
            raise CsvProblem(problem)
    try:
        frame = pl.read_csv(source, infer_schema=False, encoding="utf8", raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise
    except pl.exceptions.PolarsError as exc:
        raise CsvProblem(_locate(source) or _unreadable(exc)) from None
    if any("\n" in c or "\r" in c for c in frame.columns):
        # A quote left open in the header: polars reads the rest of the file as a name.
        raise CsvProblem(
            _locate(source)
            or RowError(1, "", "", "a column name runs over several lines: a quote is not closed")
        )
    names = _header(source)
    duplicate = first_duplicate(names if len(names) == frame.width else frame.columns)
    if duplicate is not None:
        raise CsvProblem(RowError(1, duplicate, "", "the column appears twice"))
    return frame


def first_duplicate(names: Sequence[str]) -> str | None:
    """The first header name given twice, surrounding spaces ignored (empty names aside)."""
    seen: set[str] = set()
    for name in (n.strip() for n in names):
        if name in seen:
            return name
        if name:
            seen.add(name)
    return None


def utf8_problem(fh: BinaryIO) -> RowError | None:
    """The line and byte of the first byte that is not UTF-8 (e.g. a Latin-1 export)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    offset = 0
    while chunk := fh.read(_CHUNK):
        kept = decoder.getstate()[0]  # the start of a character cut by the last chunk's end
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # exc.start counts from the start of what the decoder saw: the kept bytes first.
            seen = kept + chunk
            bad = seen[exc.start : exc.start + 1]
            line += seen[: exc.start].count(b"\n")
            return RowError(
                0,
                "",
                "",
                f"line {line} (byte {offset - len(kept) + exc.start}): byte 0x{bad.hex()} is "
                "not UTF-8 — the file looks like Latin-1 or another legacy encoding; save it as "
                "UTF-8 (CSV UTF-8) and try again",
            )
        line += chunk.count(b"\n")
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return RowError(0, "", "", "the file ends in the middle of a UTF-8 character")
    return None


def _source(path: Path) -> tuple[Path | bytes, bool]:
    """What polars should read, and whether it was converted from another encoding.

    A file with a UTF-16 or UTF-32 byte-order mark is decoded, and old-Mac line ends (CR
    alone) become newlines; any other file is returned as its path, read by polars alone.
    """
    with path.open("rb") as fh:
        start = fh.read(4)
        found = next(((enc, name) for bom, enc, name in _BOMS if start.startswith(bom)), None)
        if found is None:
            fh.seek(0)
            header, end = _first_record(fh)
            if b"\x00" in header:
                raise CsvProblem(
                    RowError(
                        0,
                        "",
                        "",
                        "the header holds NUL bytes: the file looks like UTF-16 without a "
                        "byte-order mark; save it as UTF-8 (CSV UTF-8)",
                    )
                )
            if not _cr_only(header, end):
                return path, False
            if end:  # without a line end, the "header" is the whole file, already read
                fh.seek(0)
                header = fh.read()
            return _newlines(header), False
    encoding, name = found
    try:
        data = path.read_bytes().decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvProblem(
            RowError(
                0,
                "",
                "",
                f"the file starts with a {name} byte-order mark but is not valid {name} "
                f"(byte {exc.start}); save it as UTF-8 (CSV UTF-8)",
            )
        ) from None
    with io.BytesIO(data) as fh:
        header, end = _first_record(fh)
    return (_newlines(data) if _cr_only(header, end) else data), True


# From outside quotes: text and whole quoted values, up to a line end outside quotes or a
# quote that does not close before the end of the text (possessive: nothing to backtrack).
_UNQUOTED = re.compile(rb'(?:[^"\r\n]++|"[^"]*+")*+')


def _first_record(fh: BinaryIO) -> tuple[bytes, bytes]:
    """The first record (the header) and the line end after it, reading no further.

    The record ends at the first line end outside quotes, however far that is; a line break
    inside a quoted value is part of it. The line end is ``b"\\r"``, ``b"\\n"`` or
    ``b"\\r\\n"``, or ``b""`` when the file ends first (the record is then the whole file).
    """
    parts: list[bytes] = []
    quoted = False  # a quote opened in an earlier read has not closed yet
    while chunk := fh.read(_READ):
        at = 0
        if quoted:
            at = chunk.find(b'"') + 1
            if not at:
                parts.append(chunk)
                continue
            quoted = False
        run = _UNQUOTED.match(chunk, at)  # always matches, if only the empty text
        at = run.end() if run else at
        if at == len(chunk) or chunk[at] == ord('"'):
            quoted = at < len(chunk)  # a quote that closes in a later read, if at all
            parts.append(chunk)
            continue
        parts.append(chunk[:at])
        if chunk[at] == ord("\n"):
            return b"".join(parts), b"\n"
        after = chunk[at + 1 : at + 2] or fh.read(1)  # a CR that ends the chunk
        return b"".join(parts), (b"\r\n" if after == b"\n" else b"\r")
    return b"".join(parts), b""


def _cr_only(header: bytes, end: bytes) -> bool:
    """Whether rows end in a lone CR (old Mac; Excel for Mac's "CSV (Macintosh)", which
    writes a line break inside a quoted value as LF), from the first record and its line end.

    A file with no line end outside quotes (a quote left open) is taken as CR-only when it
    holds CRs and no LF, so that the scan that names the open quote counts its lines.
    """
    if end:
        return end == b"\r"
    return b"\r" in header and b"\n" not in header


def _newlines(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _binary(source: Path | bytes) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def _text(source: Path | bytes, newline: str) -> io.TextIOWrapper:
    # utf-8-sig drops a byte-order mark, as polars does; the bytes are known to be UTF-8
    # when this is called, so nothing is replaced in practice.
    return io.TextIOWrapper(
        _binary(source), encoding="utf-8-sig", errors="replace", newline=newline
    )


def _header(source: Path | bytes) -> list[str]:
    """The header's names as written: polars renames a repeated name (``lat_duplicated_0``)."""
    with _binary(source) as fh:
        header, _ = _first_record(fh)
    # utf-8-sig drops a byte-order mark, as polars does; nothing is replaced in practice.
    return _names(header.decode("utf-8-sig", errors="replace"))


def _names(record: str) -> list[str]:
    """The values of one record, its line end removed, as the csv module reads them (a quoted
    value loses its quotes, a doubled quote inside it stands for one), without the csv
    module's limit on a value's length (131,072 characters)."""
    names: list[str] = []
    i, n = 0, len(record)
    while True:
        parts: list[str] = []
        if record.startswith('"', i):
            i += 1
            while (j := record.find('"', i)) >= 0 and record.startswith('""', j):
                parts.append(record[i : j + 1])
                i = j + 2
            parts.append(record[i : j if j >= 0 else n])
            i = j + 1 if j >= 0 else n
        end = record.find(",", i)
        end = n if end < 0 else end
        parts.append(record[i:end])
        names.append("".join(parts))
        if end == n:
            return names
        i = end + 1


def _unreadable(exc: Exception) -> RowError:
    """Polars' reason, without the parts of the file and the advice about its options."""
    first = (str(exc).splitlines() or [""])[0]
    return RowError(0, "", "", f"cannot read the file as CSV: {first[:_SHOWN]}")


def _locate(source: Path | bytes) -> RowError | None:
    """Why polars could not read the file, and where; ``None`` when no reason is found."""
    with _binary(source) as fh:
        problem = utf8_problem(fh)
    if problem is not None:
        return problem
    with _text(source, "\n") as fh:  # only "\n" ends a line, as for polars
        return _scan(fh)


def _scan(lines: Iterable[str]) -> RowError | None:
    """The first record polars refuses: a quote that never closes, text after a closing
    quote, an odd number of quotes inside an unquoted value, or more fields than the header.

    Rows count records from the header as row 1, as every other message does; a value
    quoted over several lines keeps its row, and a blank line is a row.
    """
    header: list[str] = []  # the header's lines, until it ends
    names: list[str] = []
    width = 0
    row = 1
    field = 0  # index of the field being read, in the current record
    quoted = False  # inside a quoted value, which may run on over lines
    opened = (0, 0, 0, 0)  # row, field, line and position of the quote that is open
    o_text = ""  # the open quote's line from the quote on

    def name(at_row: int, index: int) -> str:
        return names[index] if at_row > 1 and index < len(names) else ""

    line_no = 0
    for line_no, line in enumerate(lines, start=1):
        text = line[:-2] if line.endswith("\r\n") else line.removesuffix("\n")
        if row == 1:
            header.append(line)
        i, n = 0, len(text)
        while i < n:
            if quoted:
                j = text.find('"', i)
                if j < 0:
                    break  # the value goes on over the next line
                if text.startswith('""', j):  # a doubled quote stands for one quote
                    i = j + 2
                    continue
                quoted = False
                i = j + 1
                if i < n and text[i] != ",":
                    o_row, o_field, o_line, o_pos = opened
                    if o_line != line_no:
                        return RowError(
                            o_row,
                            name(o_row, o_field),
                            o_text,
                            f"{_UNCLOSED} until line {line_no} of the file; add the closing "
                            "quote or remove this one",
                        )
                    end = text.find(",", i)
                    return RowError(
                        o_row,
                        name(o_row, o_field),
                        text[o_pos : end if end >= 0 else n][:_SHOWN],
                        f"text after the closing quote; remove it, or {_DOUBLE}",
                    )
                if i < n:  # the comma after the closing quote
                    field += 1
                    i += 1
                continue
            # Unquoted, at the start of a field: only quotes and commas matter.
            j = text.find('"', i)
            if j < 0:
                field += text.count(",", i)
                break
            field += text.count(",", i, j)
            comma = text.rfind(",", i, j)
            start = i if comma < 0 else comma + 1
            if j == start:  # a value that opens with a quote
                quoted = True
                opened = (row, field, line_no, j)
                o_text = text[j : j + _SHOWN]
                i = j + 1
                continue
            end = text.find(",", j)
            end = n if end < 0 else end
            if text.count('"', j, end) % 2:  # polars allows quotes inside a value in pairs
                return RowError(
                    row,
                    name(row, field),
                    text[start:end][:_SHOWN],
                    f"a quote inside a value that is not quoted; {_DOUBLE}",
                )
            i = end + 1
            if end < n:
                field += 1
        if quoted:
            continue  # the record goes on over the next line
        if row == 1:
            width = field + 1
            record = "".join(header)
            names = _names(record[:-2] if record.endswith("\r\n") else record.removesuffix("\n"))
        elif field + 1 > width:
            return RowError(
                row,
                "",
                "",
                f"{field + 1} fields but the header has {width}; quote values that contain commas",
            )
        row += 1
        field = 0
    if quoted:
        o_row, o_field, _, _ = opened
        return RowError(
            o_row,
            name(o_row, o_field),
            o_text,
            f"{_UNCLOSED}; add the closing quote or remove this one",
        )
    return None
