"""The CSV reader of ``doorstep import`` and file-mode pairing, on headers of any length.

Nothing in the reader may look only at a fixed-size start of the file or of a name: a header
longer than 64 KiB, or a name longer than the csv module's 131,072-character field limit,
is read, checked and converted like a short one.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from doorstep.services.importing import csvcount, csvfile, csvheader, csvscan
from doorstep.services.importing.csvfile import CsvProblem, read_csv_text, utf8_problem

LONG = "n" * 140_000  # one name longer than csv.field_size_limit() (131,072)
WIDE = [f"column_{i:05d}" for i in range(8_000)]  # 8,000 short names: a 104,000-byte header


def _lines(end: str) -> Callable[[str], bytes]:
    return lambda text: text.replace("\n", end).encode()


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "lf": _lines("\n"),
    "crlf": _lines("\r\n"),
    "cr-only": _lines("\r"),
    "bom-cr-only": lambda text: codecs.BOM_UTF8 + _lines("\r")(text),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-cr-only": lambda text: text.replace("\n", "\r").encode("utf-16"),
}


def read(tmp_path: Path, data: bytes) -> list[list[str | None]]:
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    frame = read_csv_text(path, check_utf8=True)
    return [frame.columns, *(list(row) for row in frame.iter_rows())]


def refused(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    with pytest.raises(CsvProblem) as caught:
        read_csv_text(path, check_utf8=True)
    return str(caught.value)


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize(
    "header",
    [
        ["id", LONG, "lat", "lat"],
        ["id", "lat", LONG, ' lat "', "x"],
        ["id", "lat", *WIDE, "lat"],
    ],
    ids=["long-name", "long-name-quoted", "wide"],
)
def test_a_column_named_twice_is_refused_however_long_the_header(
    tmp_path: Path, encode: Callable[[str], bytes], header: list[str]
) -> None:
    names = ",".join('"lat"' if h == ' lat "' else h for h in header)
    text = f"{names}\n{','.join(['1'] * len(header))}\n"
    assert refused(tmp_path, encode(text)) == "row 1, column lat: the column appears twice"


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize("header", [["id", LONG], ["id", *WIDE]], ids=["long-name", "wide"])
def test_a_header_longer_than_64_kib_is_read_whatever_the_line_ends(
    tmp_path: Path, encode: Callable[[str], bytes], header: list[str]
) -> None:
    rows = [["h1", *["x"] * (len(header) - 1)], ["h2", *["y"] * (len(header) - 1)]]
    text = "".join(",".join(r) + "\n" for r in [header, *rows])
    assert read(tmp_path, encode(text)) == [header, *rows]


def test_old_mac_rows_after_a_long_quoted_header_name_are_read(tmp_path: Path) -> None:
    # Excel for Mac's "CSV (Macintosh)": rows end in CR, a line break inside a cell is LF.
    data = f'id,"{LONG}, quoted",lat\rh1,"a\nb",27\rh2,c,28\r'.encode()
    assert read(tmp_path, data) == [
        ["id", f"{LONG}, quoted", "lat"],
        ["h1", "a\nb", "27"],
        ["h2", "c", "28"],
    ]


def test_a_nul_byte_anywhere_in_the_header_is_named(tmp_path: Path) -> None:
    message = "file: the header holds NUL bytes: the file is not text; save it as UTF-8 (CSV UTF-8)"
    for at in (10, 70_000):
        header = ",".join(WIDE)
        data = header[:at] + "\x00" + header[at:] + "\n" + ",".join(["1"] * len(WIDE)) + "\n"
        assert refused(tmp_path, data.encode()) == message, at


def test_a_bad_quote_after_a_long_header_name_is_named_with_its_column(tmp_path: Path) -> None:
    data = f'id,{LONG},lat\nh1,a,27\nh2,b,2"7\n'.encode()
    assert refused(tmp_path, data) == (
        "row 3, column lat (value '2\"7'): a quote inside a value that is not quoted; "
        'quote the whole value and double each quote inside it, e.g. "a ""b"" c"'
    )


@pytest.mark.parametrize(
    ("data", "row", "expected"),
    [
        (b"ab\ncd\xc3X\nrest\n", 2, "byte 0xc3 at byte 5"),  # cut after the lead byte
        (b"ab\nc\xe4\xb8\nx\n", 2, "byte 0xe4 at byte 4"),  # cut inside a 3-byte character
        (b"ab\n\xe4\xb8\xad\xe6\x96\x87\xe9\n", 2, "byte 0xe9 at byte 9"),  # cut mid-character
        (b"ab\ncd\n\xe9x\n", 3, "byte 0xe9 at byte 6"),  # cut between characters
    ],
)
@pytest.mark.parametrize("chunk", [4, 5, 6, 7, 1 << 24])
def test_a_byte_that_is_not_utf8_is_named_where_it_is_whatever_the_chunk_size(
    monkeypatch: pytest.MonkeyPatch, data: bytes, row: int, expected: str, chunk: int
) -> None:
    monkeypatch.setattr(csvscan, "CHUNK_SIZE", chunk)
    problem = utf8_problem(io.BytesIO(data))
    assert problem is not None
    assert problem.row == row
    assert problem.reason.startswith(f"{expected} of the file is not UTF-8")


_NOT_UTF8 = (
    "is not UTF-8 — the file is in a legacy encoding such as GBK or Latin-1; save it as UTF-8 "
    "(CSV UTF-8) and try again"
)


def test_a_byte_that_is_not_utf8_is_named_by_its_row_not_its_line(tmp_path: Path) -> None:
    # The quoted value's line break makes José's row 3 the file's line 4.
    data = b'id,note,name\nh1,"line 1\nline 2",x\nh2,y,Jos\xe9\n'
    assert refused(tmp_path, data) == (
        f"row 3, column name: byte 0xe9 at byte 42 of the file {_NOT_UTF8}"
    )


def test_a_byte_that_is_not_utf8_in_the_header_is_named_as_row_1(tmp_path: Path) -> None:
    assert (
        refused(tmp_path, b"id,n\xe9me\nh1,x\n")
        == f"row 1: byte 0xe9 at byte 4 of the file {_NOT_UTF8}"
    )


@pytest.mark.parametrize("chunk", [2, 3, 5, 8, 13, 1 << 24])
def test_a_byte_that_is_not_utf8_after_a_quote_open_across_chunks_is_named_by_its_row(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # The quoted value holds commas and line breaks, and runs over chunk boundaries.
    monkeypatch.setattr(csvscan, "CHUNK_SIZE", chunk)
    problem = utf8_problem(io.BytesIO(b'id,note,name\nh1,"a,\nb\n,c",x\nh2,y,Jos\xe9\n'))
    assert problem is not None
    assert (problem.row, problem.column) == (3, "name")
    assert problem.reason == f"byte 0xe9 at byte 36 of the file {_NOT_UTF8}"


@pytest.mark.parametrize("chunk", [2, 5, 1 << 24])
def test_a_byte_order_mark_is_counted_in_the_byte_but_not_in_the_column_name(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(csvscan, "CHUNK_SIZE", chunk)
    problem = utf8_problem(io.BytesIO(codecs.BOM_UTF8 + b"id,name\nh1,Jos\xe9\n"))
    assert problem is not None
    assert (problem.row, problem.column) == (2, "name")
    assert problem.reason.startswith("byte 0xe9 at byte 17 of the file is not UTF-8")


@pytest.mark.parametrize("chunk", [2, 3, 1 << 24])
def test_a_file_ending_in_the_middle_of_a_utf8_character_names_its_last_row(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(csvscan, "CHUNK_SIZE", chunk)
    problem = utf8_problem(io.BytesIO(b'id,name\nh1,"a\nb"\nh2,caf\xc3'))
    assert problem is not None
    assert (problem.row, problem.column) == (3, "name")
    assert problem.reason == (
        "the file ends in the middle of a UTF-8 character (byte 0xc3 at byte 23 of the file)"
    )


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 1 << 16])
@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_the_end_of_the_header_is_found_whatever_the_size_of_each_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, encode: Callable[[str], bytes], size: int
) -> None:
    monkeypatch.setattr(csvheader, "READ_SIZE", size)
    text = '"id","a, b",lat\nh1,"x\ny",27\nh2,"z ""w""",28\n'
    header, *rows = read(tmp_path, encode(text))
    assert header == ["id", "a, b", "lat"]
    assert [(r[0], r[2]) for r in rows] == [("h1", "27"), ("h2", "28")]
    twice = '"lat","a ""b""",lat\n1,2,3\n'
    assert refused(tmp_path, encode(twice)) == "row 1, column lat: the column appears twice"


_QUOTE_IT = 'quote the whole name and double each quote inside it, e.g. "a ""b"" c"'


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'household_id,lat,lon,languages,no"te',
            f'row 1, column no"te: a quote inside a column name that is not quoted; {_QUOTE_IT}',
        ),
        (
            'household_id,"lat"x,lon,languages',
            'row 1, column "lat"x: text after the closing quote of a column name; remove it, '
            f"or {_QUOTE_IT}",
        ),
        (
            'household_id,lat,lon,"languages',
            "row 1 (value '\"languages'): unclosed quote: this value opens with a quote that "
            "never closes; add the closing quote or remove this one",
        ),
    ],
    ids=["stray", "after-closing", "unclosed"],
)
def test_a_malformed_quote_in_the_header_is_refused_not_read_as_no_rows(
    tmp_path: Path, encode: Callable[[str], bytes], header: str, expected: str
) -> None:
    # Polars reads `no"te` as a name, then reads no data rows at all: the file must be refused.
    text = f"{header}\nh1,28.6,108.3,zh,x\nh2,28.6,108.3,zh,y\n"
    assert refused(tmp_path, encode(text)) == expected


@pytest.mark.parametrize("size", [1, 3, 1 << 20])
def test_rows_the_csv_reader_loses_are_never_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, size: int
) -> None:
    monkeypatch.setattr(csvcount, "SLICE_SIZE", size)
    real = pl.read_csv

    def losing(*args: Any, **kwargs: Any) -> pl.DataFrame:
        return real(*args, **kwargs).head(1)

    monkeypatch.setattr(pl, "read_csv", losing)
    assert refused(tmp_path, b'id,lat\nh1,"2\n7"\nh2,28\nh3,29\n') == (
        "file: 3 rows follow the header but only 1 could be read; check the file's quotes"
    )


GOOD: dict[str, tuple[bytes, int]] = {
    "blank-lines": (b"a,b\n1,2\n\n3,4\n\n\n", 5),
    "empty-values": (b"a,b\n1,2\n,\n3,4", 3),
    "no-final-newline": (b"a,b\n1,2\n3,4", 2),
    "crlf": (b"a,b\r\n1,2\r\n\r\n3,4\r\n", 3),
    "quoted-line-breaks": (b'a,"b\nc"\n"1\n\n2",2\n3,"4\r\n5"\n', 2),
    "quotes-in-pairs": (b'a,b""c\n1,x"y"z\n3,"4"""\n', 2),
    "header-only": (b"a,b\n", 0),
    "header-only-no-newline": (b"a,b", 0),
    "bom": (codecs.BOM_UTF8 + b"a,b\n1,2\n", 1),
    "cr-only": (b'a,b\r1,"x\ny"\r3,4\r', 2),
    "utf-16": ("a,b\n1,2\n3,4\n".encode("utf-16"), 2),
}


@pytest.mark.parametrize("size", [1, 3, 1 << 20])
@pytest.mark.parametrize(("data", "rows"), GOOD.values(), ids=GOOD.keys())
def test_the_row_count_check_accepts_every_well_formed_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: bytes, rows: int, size: int
) -> None:
    monkeypatch.setattr(csvcount, "SLICE_SIZE", size)
    assert len(read(tmp_path, data)) - 1 == rows


def test_a_quoted_header_name_may_hold_line_breaks_and_doubled_quotes(tmp_path: Path) -> None:
    # Excel writes a cell typed with Alt+Enter as a quoted name over two lines.
    data = b'id,"notes\n(optional)","a ""b""",lat\nh1,x,y,27\nh2,z,w,28\n'
    assert read(tmp_path, data) == [
        ["id", "notes\n(optional)", 'a "b"', "lat"],
        ["h1", "x", "y", "27"],
        ["h2", "z", "w", "28"],
    ]


def test_long_column_names_are_shortened_in_messages(tmp_path: Path) -> None:
    shown = f"'{LONG[:60]}…' [140000 characters]"
    assert refused(tmp_path, f"id,{LONG},{LONG}\n1,2,3\n".encode()) == (
        f"row 1, column {shown}: the column appears twice"
    )
    assert refused(tmp_path, f'id,{LONG},lat\nh1,a,27\nh2,b"c,28\n'.encode()) == (
        f"row 3, column {shown} (value 'b\"c'): a quote inside a value that is not quoted; "
        'quote the whole value and double each quote inside it, e.g. "a ""b"" c"'
    )
    assert refused(tmp_path, f'id,{LONG}"\n1,2\n'.encode()).startswith(
        f"row 1, column '{LONG[:60]}…' [140001 characters]: a quote inside a column name"
    )


def test_empty_header_cells_are_named_by_their_position(tmp_path: Path) -> None:
    header, *rows = read(tmp_path, b"a,,b,,\n1,,2,,\n")
    assert rows == [["1", None, "2", None, None]]
    assert [csvfile.unnamed_position(str(name)) for name in header] == [None, 2, None, 4, 5]


_AFTER_QUOTE = (
    "text after the closing quote; remove it, or quote the whole value and double each quote "
    'inside it, e.g. "a ""b"" c"'
)


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
@pytest.mark.parametrize(
    ("row", "shown"),
    [
        # Quotes escaped with a backslash, as some programs write them: polars read
        # 'Li \\Ming\\ Wang', its quotes dropped.
        ('H2,"Li \\"Ming\\" Wang",4', '"Li \\\\"Ming\\\\" Wang"'),
        ('H2,"Li"Ming"Wang",4', '"Li"Ming"Wang"'),  # polars read LiMingWang
    ],
)
def test_text_after_a_closing_quote_that_polars_reads_is_refused_by_row_and_column(
    tmp_path: Path, encode: Callable[[str], bytes], row: str, shown: str
) -> None:
    data = encode(f'id,name,members\nH1,"Wang ""Fang""",4\n{row}\n')
    assert refused(tmp_path, data) == f"row 3, column name (value '{shown}'): {_AFTER_QUOTE}"


#: Rows that end in a CR alone below a header that ends otherwise: a header typed or written
#: by another program above rows saved as old-Mac "CSV (Macintosh)".
LONE_CR_ROWS = {
    "lf-header": b'a,b\n1,"x\ry"\r\r3,4\r',
    "crlf-header": b'a,b\r\n1,"x\ry"\r\r3,4\r',
    "crlf-and-cr-rows": b'a,b\r\n1,"x\ry"\r\n\r3,4',
    "utf-16-lf-header": 'a,b\n1,"x\ry"\r\r3,4\r'.encode("utf-16"),
}


@pytest.mark.parametrize("size", [1, 3, 1 << 20])
@pytest.mark.parametrize("data", LONE_CR_ROWS.values(), ids=LONE_CR_ROWS.keys())
def test_rows_that_end_in_a_lone_cr_are_rows_whatever_the_header_ends_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: bytes, size: int
) -> None:
    # A CR inside quotes is the value's; one outside ends the row, as in a spreadsheet.
    monkeypatch.setattr(csvcount, "SLICE_SIZE", size)
    assert read(tmp_path, data) == [["a", "b"], ["1", "x\ry"], [None, None], ["3", "4"]]


def test_a_short_row_below_a_header_that_ends_otherwise_is_named_by_its_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(b"a,b\r\n1,2\r3\r5,6\r")
    frame, fields = csvfile.read_csv_rows(path)
    assert frame.height == 3
    assert fields.tolist() == [2, 1, 2]
