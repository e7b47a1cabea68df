"""Read a CSV file as text columns: fast when it is well formed, precise when it is not.

``doorstep import`` and file-mode pairing both read CSV through :func:`read_csv_text`, so a
file means the same to both. Polars reads a good file; when it cannot, it says so in its
own terms (with parts of the file and advice about its options, but not the row), so a
small scan of the file then finds the first row polars cannot read and says what to fix.
Files saved as UTF-16 (with a byte-order mark) or with old-Mac line ends (CR only) are
converted before polars sees them; every other file goes to polars untouched.

Nothing here looks at a fixed-size start of the file: the header is read to its end (the
first line end outside quotes), however long it is, and so are its names, which may be
longer than the csv module allows (131,072 characters). The header is read here, as a
spreadsheet writes it (a quoted name may hold line breaks and doubled quotes), and a name
whose quotes would make polars lose the rows after it is refused. Whatever polars reads,
its row count is checked against the file's line ends outside quotes (about 2 ms on 200,000
rows; 15 ms when values hold line breaks), so that no row is ever lost without a word.
"""

from __future__ import annotations

import codecs
import io
import mmap
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import polars as pl

from doorstep.services.importing.errors import RowError

_READ = 1 << 16  # bytes read at a time while looking for the end of the header
_CHUNK = 1 << 24
_SLICE = 1 << 20  # bytes looked at a time while counting rows
_LF = ord("\n")
_QUOTE_BYTE = ord('"')
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
_QUOTE_NAME = 'quote the whole name and double each quote inside it, e.g. "a ""b"" c"'
# The frame's name for a column whose header cell is empty: a NUL cannot be in a header.
_UNNAMED = "\x00column "


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
    with _binary(source) as fh:
        header = _read_header(fh)
    if header.problem is not None:
        # Polars would read such a name, then lose every row after it (a quote it thinks open).
        raise CsvProblem(header.problem)
    try:
        frame = pl.read_csv(source, infer_schema=False, encoding="utf8", raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise
    except pl.exceptions.PolarsError as exc:
        raise CsvProblem(_locate(source) or _unreadable(exc)) from None
    _check_row_count(source, len(header.record) + len(header.end), frame.height)
    names = header.names if len(header.names) == frame.width else frame.columns
    duplicate = first_duplicate(names)
    if duplicate is not None:
        raise CsvProblem(RowError(1, duplicate, "", "the column appears twice"))
    # Polars keeps a quoted name's doubled quotes and renames a repeated empty name.
    frame.columns = [n if n.strip() else _unnamed(i) for i, n in enumerate(names, start=1)]
    return frame


def unnamed_position(name: str) -> int | None:
    """The position (from 1) of a column whose header cell is empty, from its name in the
    frame :func:`read_csv_text` returns; ``None`` for a named column."""
    if not name.startswith(_UNNAMED):
        return None
    return int(name.removeprefix(_UNNAMED))


def _unnamed(position: int) -> str:
    return f"{_UNNAMED}{position}"


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
            header = _read_header(fh)
            if b"\x00" in header.record:
                raise CsvProblem(
                    RowError(
                        0,
                        "",
                        "",
                        "the header holds NUL bytes: the file looks like UTF-16 without a "
                        "byte-order mark; save it as UTF-8 (CSV UTF-8)",
                    )
                )
            if not _cr_only(header.record, header.end):
                return path, False
            fh.seek(0)
            return _newlines(fh.read()), False
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
        header = _read_header(fh)
    return (_newlines(data) if _cr_only(header.record, header.end) else data), True


class _Header(NamedTuple):
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
            chunk = self.fh.read(max(_READ, len(self.data)))
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


def _read_header(fh: BinaryIO) -> _Header:
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
                unclosed = f"{_UNCLOSED}; add the closing quote or remove this one"
                names.append(_decode(buf.data[start + 1 :]))
                problem = problem or RowError(1, "", _decode(opened[:_SHOWN]), unclosed)
                return _Header(buf.data, b"", names, problem)
            names.append(_decode(buf.data[start + 1 : i]).replace('""', '"'))
            closed = i + 1
            i = buf.search(_END_OF_NAME, closed)
            if i > closed and problem is None:
                problem = RowError(
                    1,
                    _decode(buf.data[start:i]),
                    "",
                    f"text after the closing quote of a column name; remove it, or {_QUOTE_NAME}",
                )
        else:
            i = buf.search(_END_OF_NAME, i)
            names.append(_decode(buf.data[start:i]))
            if buf.data.count(b'"', start, i) % 2 and problem is None:
                problem = RowError(
                    1,
                    names[-1],
                    "",
                    f"a quote inside a column name that is not quoted; {_QUOTE_NAME}",
                )
        at = buf.byte(i)
        if at != b",":
            break
        i += 1
    end = b"\r\n" if at == b"\r" and buf.byte(i + 1) == b"\n" else at
    return _Header(buf.data[:i], end, names, problem)


def _decode(name: bytes) -> str:
    # The bytes are checked as UTF-8 before they are read (import) or when polars fails.
    return name.decode("utf-8", errors="replace")


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


def _check_row_count(source: Path | bytes, start: int, height: int) -> None:
    """Refuse a file whose rows polars did not all read (``start``: where the rows begin).

    Each line end outside quotes ends a row, a blank line included, as for polars. When
    polars read as many rows as the file has lines, none was lost; only a file with line
    breaks inside quoted values, or one polars misread, has its quotes counted.
    """
    with _binary(source) as fh:
        data = _bytes_of(fh)
    try:
        records = _records(data, start, height)
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    if records == height:
        return
    raise CsvProblem(
        _locate(source)
        or RowError(
            0,
            "",
            "",
            f"{records} rows follow the header but only {height} could be read; check the "
            "file's quotes"
            if height < records
            else f"{records} rows follow the header but {height} were read; check the file's "
            "quotes",
        )
    )


def _records(data: bytes | mmap.mmap, start: int, height: int) -> int:
    """The rows after ``start``: ``height`` when there are as many lines (no row lost).

    The file is looked at a slice at a time, so that no array as large as it is made.
    """
    text = np.frombuffer(data, dtype=np.uint8)[start:]
    slices = [text[i : i + _SLICE] for i in range(0, text.size, _SLICE)]
    lines = sum(int(np.count_nonzero(part == _LF)) for part in slices)
    lines += int(text.size > 0 and text[-1] != _LF)  # a last row without a line end
    if lines == height:
        return height
    quotes = 0  # before the slice: a line end after an odd number of them is inside quotes
    for part in slices:
        at = np.flatnonzero(part == _QUOTE_BYTE)
        inside = (np.searchsorted(at, np.flatnonzero(part == _LF)) + quotes) % 2
        lines -= int(np.count_nonzero(inside))
        quotes += at.size
    return lines


def _bytes_of(fh: BinaryIO) -> bytes | mmap.mmap:
    """The whole file: mapped, not copied, when it is one on disk."""
    try:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, io.UnsupportedOperation):
        fh.seek(0)
        return fh.read()


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
