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

import pytest

from doorstep.services.importing import csvfile
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
    message = (
        "file: the header holds NUL bytes: the file looks like UTF-16 without a byte-order mark; "
        "save it as UTF-8 (CSV UTF-8)"
    )
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
    ("data", "expected"),
    [
        (b"ab\ncd\xc3X\nrest\n", "line 2 (byte 5): byte 0xc3"),  # cut after the lead byte
        (b"ab\nc\xe4\xb8\nx\n", "line 2 (byte 4): byte 0xe4"),  # cut inside a 3-byte character
        (b"ab\n\xe4\xb8\xad\xe6\x96\x87\xe9\n", "line 2 (byte 9): byte 0xe9"),  # cut mid-character
        (b"ab\ncd\n\xe9x\n", "line 3 (byte 6): byte 0xe9"),  # cut between characters
    ],
)
@pytest.mark.parametrize("chunk", [4, 5, 6, 7, 1 << 24])
def test_a_byte_that_is_not_utf8_is_named_where_it_is_whatever_the_chunk_size(
    monkeypatch: pytest.MonkeyPatch, data: bytes, expected: str, chunk: int
) -> None:
    monkeypatch.setattr(csvfile, "_CHUNK", chunk)
    problem = utf8_problem(io.BytesIO(data))
    assert problem is not None
    assert problem.reason.startswith(f"{expected} is not UTF-8")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 1 << 16])
@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_the_end_of_the_header_is_found_whatever_the_size_of_each_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, encode: Callable[[str], bytes], size: int
) -> None:
    monkeypatch.setattr(csvfile, "_READ", size)
    text = '"id","a, b",lat\nh1,"x\ny",27\nh2,"z ""w""",28\n'
    header, *rows = read(tmp_path, encode(text))
    assert header == ["id", "a, b", "lat"]
    assert [(r[0], r[2]) for r in rows] == [("h1", "27"), ("h2", "28")]
    twice = '"lat","a ""b""",lat\n1,2,3\n'
    assert refused(tmp_path, encode(twice)) == "row 1, column lat: the column appears twice"
