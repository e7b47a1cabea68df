"""Find where and why polars could not read a CSV file: the first byte that is not UTF-8,
or the first record with a quote that never closes, text after a closing quote, a stray
quote in an unquoted value, or more fields than the header."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from doorstep.say import Say
from doorstep.services.importing.csvheader import SHOWN, UNCLOSED, read_header
from doorstep.services.importing.errors import RowError

CHUNK_SIZE = 1 << 24  # bytes decoded at a time by the UTF-8 check
_LF, _QUOTE, _COMMA = ord("\n"), ord('"'), ord(",")


def utf8_problem(fh: BinaryIO) -> RowError | None:
    """The row, column and byte of the first byte that is not UTF-8 (e.g. a Latin-1 export),
    in ``fh`` read from the start of the file; ``None`` when every byte is UTF-8.

    The file is decoded a chunk at a time. A good file is read once; only when a byte is bad
    is the file read again up to it, to find its row as :func:`_scan` counts rows.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := fh.read(CHUNK_SIZE):
        kept = decoder.getstate()[0]  # the start of a character cut by the last chunk's end
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # exc.start counts from the start of what the decoder saw: the kept bytes first.
            at = offset - len(kept) + exc.start
            bad = (kept + chunk)[exc.start]
            advice = (
                "is not UTF-8 — the file is in a legacy encoding such as GBK or Latin-1; save "
                "it as UTF-8 (CSV UTF-8) and try again"
            )
            # The byte is a piece of a value (an accented letter of a name): the errors
            # file, which copies no value, says where it is without it.
            return _where(
                fh,
                at,
                Say(
                    "byte %(byte)s at byte %(at)s of the file is not UTF-8 — the file is in a "
                    "legacy encoding such as GBK or Latin-1; save it as UTF-8 (CSV UTF-8) and "
                    "try again",
                    byte=f"0x{bad:02x}",
                    at=at,
                ),
                f"the byte at byte {at} of the file {advice}",
            )
        offset += len(chunk)
    kept = decoder.getstate()[0]
    if kept:  # what decode(b"", final=True) would refuse
        at = offset - len(kept)
        return _where(
            fh,
            at,
            Say(
                "the file ends in the middle of a UTF-8 character (byte %(byte)s at byte "
                "%(at)s of the file)",
                byte=f"0x{kept[0]:02x}",
                at=at,
            ),
            f"the file ends in the middle of a UTF-8 character (at byte {at} of the file)",
        )
    return None


def _where(fh: BinaryIO, at: int, reason: Say, redacted: str) -> RowError:
    """``reason`` (``redacted``: without the file's bytes) at the row, and the column, of
    the file's byte ``at``.

    Rows end at each line end outside quotes, as for polars; a quote's parity is enough to
    know, since a doubled quote keeps it. The bytes before ``at`` are read again a chunk at
    a time, with the parity carried from chunk to chunk; a chunk that cuts a character does
    no harm, since line ends, quotes and commas are ASCII and never part of another character.
    """
    fh.seek(0)
    row, field, quotes = 1, 0, 0
    left = at
    while left > 0 and (chunk := fh.read(min(CHUNK_SIZE, left))):
        left -= len(chunk)
        part = np.frombuffer(chunk, dtype=np.uint8)
        at_quote = np.flatnonzero(part == _QUOTE)
        ends = outside_quotes(np.flatnonzero(part == _LF), at_quote, quotes)
        start = 0
        if ends.size:
            row += ends.size
            field = 0
            start = int(ends[-1]) + 1
        commas = np.flatnonzero(part[start:] == _COMMA) + start
        field += outside_quotes(commas, at_quote, quotes).size
        quotes += at_quote.size
    column = ""
    if row > 1:  # the header's own bad byte has no column name to give
        fh.seek(0)
        names = read_header(fh).names
        column = names[field] if field < len(names) else ""
    return RowError.said(row, column, "", reason, redacted)


def outside_quotes(
    found: npt.NDArray[np.intp], at_quote: npt.NDArray[np.intp], quotes: int
) -> npt.NDArray[np.intp]:
    """The positions in ``found`` outside quotes, ``quotes`` quotes being before the chunk."""
    inside: npt.NDArray[np.bool_] = (np.searchsorted(at_quote, found) + quotes) % 2 == 1
    return found[~inside]


def binary(source: Path | bytes) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def _text(source: Path | bytes, newline: str) -> io.TextIOWrapper:
    # utf-8-sig drops a byte-order mark, as polars does; the bytes are known to be UTF-8
    # when this is called, so nothing is replaced in practice.
    return io.TextIOWrapper(binary(source), encoding="utf-8-sig", errors="replace", newline=newline)


def unreadable(exc: Exception) -> RowError:
    """Polars' reason, without the parts of the file and the advice about its options."""
    first = (str(exc).splitlines() or [""])[0]
    return RowError.said(
        0, "", "", Say("cannot read the file as CSV: %(reason)s", reason=first[:SHOWN])
    )


def locate(source: Path | bytes) -> RowError | None:
    """Why polars could not read the file, and where; ``None`` when no reason is found."""
    with binary(source) as fh:
        problem = utf8_problem(fh)
    if problem is not None:
        return problem
    with binary(source) as fh:
        names = read_header(fh).names
    with _text(source, "\n") as fh:  # only "\n" ends a line, as for polars
        return _scan(fh, names)


def _scan(lines: Iterable[str], names: list[str]) -> RowError | None:
    """The first record polars refuses: a quote that never closes, text after a closing
    quote, an odd number of quotes inside an unquoted value, or more fields than the header.

    Rows count records from the header as row 1, as every other message does; a value
    quoted over several lines keeps its row, and a blank line is a row. ``names`` are the
    header's, to name the column of a row's problem.
    """
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
                        return RowError.said(
                            o_row,
                            name(o_row, o_field),
                            o_text,
                            Say(
                                "unclosed quote: this value opens with a quote that never "
                                "closes until line %(line)s of the file; add the closing "
                                "quote or remove this one",
                                line=line_no,
                            ),
                        )
                    end = text.find(",", i)
                    return RowError.said(
                        o_row,
                        name(o_row, o_field),
                        text[o_pos : end if end >= 0 else n][:SHOWN],
                        Say(
                            "text after the closing quote; remove it, or quote the whole "
                            'value and double each quote inside it, e.g. "a ""b"" c"'
                        ),
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
                o_text = text[j : j + SHOWN]
                i = j + 1
                continue
            end = text.find(",", j)
            end = n if end < 0 else end
            if text.count('"', j, end) % 2:  # polars allows quotes inside a value in pairs
                return RowError.said(
                    row,
                    name(row, field),
                    text[start:end][:SHOWN],
                    Say(
                        "a quote inside a value that is not quoted; quote the whole value and "
                        'double each quote inside it, e.g. "a ""b"" c"'
                    ),
                )
            i = end + 1
            if end < n:
                field += 1
        if quoted:
            continue  # the record goes on over the next line
        if row == 1:
            width = field + 1
        elif field + 1 > width:
            return RowError.said(
                row,
                "",
                "",
                Say(
                    "%(fields)s fields but the header has %(width)s; quote values that contain "
                    "commas",
                    fields=field + 1,
                    width=width,
                ),
            )
        row += 1
        field = 0
    if quoted:
        o_row, o_field, _, _ = opened
        return RowError.said(o_row, name(o_row, o_field), o_text, UNCLOSED)
    return None
