"""An import's rarer whole-file problems (encodings, unreadable CSV rows, workbooks and
their sheets, Parquet) carry their sentence as a :class:`~doorstep.say.Say`, so the import
page can say them in its language; their English is still, byte for byte, what `doorstep
import`, the API and the errors file wrote (each line below is the line the code before the
change wrote for the same file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.say import Said
from tests.factories.bad_files import BAD_FILES
from tests.services.importing.test_reasons_said import _refused, _said

#: Each bad file: the rejection's headline and its lines, as they always were. A reason
#: that quotes the reading library's own words is checked up to them.
SAID: dict[str, tuple[str, list[str]]] = {
    "latin-1": (
        "latin1.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column head_name: byte 0xfc at byte 92 of the file is not UTF-8 — the "
                "file is in a legacy encoding such as GBK or Latin-1; save it as UTF-8 (CSV "
                "UTF-8) and try again"
            )
        ],
    ),
    "cut character": (
        "cut.csv: 1 error; nothing was imported",
        [
            (
                "row 3, column household_id: the file ends in the middle of a UTF-8 character "
                "(byte 0xe4 at byte 149 of the file)"
            )
        ],
    ),
    "gzip": (
        (
            "gz.csv: the file is gzip-compressed, not CSV text; unpack it first; nothing was "
            "imported"
        ),
        ["file: the file is gzip-compressed, not CSV text; unpack it first"],
    ),
    "utf-16 without a mark": (
        (
            "u16.csv: the header holds NUL bytes: the file looks like UTF-16 without a "
            "byte-order mark; save it as UTF-8 (CSV UTF-8); nothing was imported"
        ),
        [
            (
                "file: the header holds NUL bytes: the file looks like UTF-16 without a "
                "byte-order mark; save it as UTF-8 (CSV UTF-8)"
            )
        ],
    ),
    "not utf-16 after a mark": (
        (
            "bom.csv: the file starts with a UTF-16 byte-order mark but is not valid UTF-16 "
            "(byte 4); save it as UTF-8 (CSV UTF-8); nothing was imported"
        ),
        [
            (
                "file: the file starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                "(byte 4); save it as UTF-8 (CSV UTF-8)"
            )
        ],
    ),
    "unclosed quote": (
        "open.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column head_name (value '\"Wang,No. "
                "1,R-C-V1,26.58,107.98,4,zh,given,2026-01-02'): unclosed quote: this value "
                "opens with a quote that never closes; add the closing quote or remove this one"
            )
        ],
    ),
    "unclosed until a later line": (
        "late.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column head_name (value '\"Wang,No. "
                "1,R-C-V1,26.58,107.98,4,zh,given,2026-01-02'): unclosed quote: this value "
                "opens with a quote that never closes until line 3 of the file; add the closing "
                "quote or remove this one"
            )
        ],
    ),
    "text after a closing quote": (
        "after.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column head_name (value '\"Wang\"x'): text after the closing quote; "
                'remove it, or quote the whole value and double each quote inside it, e.g. "a '
                '""b"" c"'
            )
        ],
    ),
    "a quote in an unquoted value": (
        "stray.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column head_name (value 'Wa\"ng'): a quote inside a value that is not "
                'quoted; quote the whole value and double each quote inside it, e.g. "a ""b"" '
                'c"'
            )
        ],
    ),
    "a quote in a column name": (
        "name.csv: 1 error; nothing was imported",
        [
            (
                'row 1, column head"name: a quote inside a column name that is not quoted; '
                'quote the whole name and double each quote inside it, e.g. "a ""b"" c"'
            )
        ],
    ),
    "too many fields": (
        "wide.csv: 1 error; nothing was imported",
        ["row 2: 11 fields but the header has 10; quote values that contain commas"],
    ),
    "a row that ends early": (
        "short.csv: 1 error; nothing was imported",
        [
            (
                "row 2, column consent_date: the row ends early: 9 field(s) where the header "
                "has 10 (an empty value still needs its comma)"
            )
        ],
    ),
    "coordinates swapped": (
        "swapped.csv: 1 error; nothing was imported",
        [
            (
                "row 7, column lat (value '36.8, 1.002'): latitude and longitude look swapped: "
                "the point is 5417 km from the other rows of area R-C-V1, swapped it would be 0 km"
            )
        ],
    ),
    "a title above the header": (
        "title.csv: 1 error; nothing was imported",
        [
            (
                "row 1: the expected header was not found in row 1 (it holds 'Households of "
                "2026'); it is in row 2: delete the rows above it"
            )
        ],
    ),
    "not a workbook": (
        (
            "text.xlsx: not an Excel workbook (.xlsx): the file is not the ZIP archive a "
            "workbook is; save it from the spreadsheet as .xlsx, or as CSV UTF-8 and import the "
            ".csv; nothing was imported"
        ),
        [
            (
                "file: not an Excel workbook (.xlsx): the file is not the ZIP archive a "
                "workbook is; save it from the spreadsheet as .xlsx, or as CSV UTF-8 and import "
                "the .csv"
            )
        ],
    ),
    "a legacy workbook": (
        (
            "old.xls: the file is a legacy Excel (.xls) workbook, which cannot be read; open it "
            "in a spreadsheet and save it as .xlsx (Excel Workbook); nothing was imported"
        ),
        [
            (
                "file: the file is a legacy Excel (.xls) workbook, which cannot be read; open "
                "it in a spreadsheet and save it as .xlsx (Excel Workbook)"
            )
        ],
    ),
    "a legacy workbook named xlsx": (
        (
            "old.xlsx: the file is a legacy Excel (.xls) workbook named .xlsx, or a workbook "
            "saved with a password; open it in a spreadsheet and save it as .xlsx (Excel "
            "Workbook), without a password; nothing was imported"
        ),
        [
            (
                "file: the file is a legacy Excel (.xls) workbook named .xlsx, or a workbook "
                "saved with a password; open it in a spreadsheet and save it as .xlsx (Excel "
                "Workbook), without a password"
            )
        ],
    ),
    "a damaged workbook": (
        "bad.xlsx: cannot read the workbook: ",
        ["file: cannot read the workbook: "],
    ),
    "every sheet hidden": (
        (
            "hidden.xlsx: every sheet of the workbook is hidden; unhide the one to import; "
            "nothing was imported"
        ),
        ["file: every sheet of the workbook is hidden; unhide the one to import"],
    ),
    "a spreadsheet error": (
        "err.xlsx: 1 error; nothing was imported",
        [("row 2, column name: holds a spreadsheet error #N/A; correct the cell or clear it")],
    ),
    "a formula without its value": (
        "formula.xlsx: 1 error; nothing was imported",
        [
            (
                "row 2, column name: cell B2 holds a formula saved without its value (by a "
                "program that does not calculate); open and save the workbook in a spreadsheet, "
                "or paste the values"
            )
        ],
    ),
    "cells merged over rows": (
        "merged.xlsx: 1 error; nothing was imported",
        [
            (
                "row 2, column name: cells B2:B3 are merged over several rows, so only the "
                "first row holds the value; unmerge them and give each row its value"
            )
        ],
    ),
    "a number past 2^53": (
        "large.xlsx: 1 error; nothing was imported",
        [
            (
                "row 2, column visitor_id (value '9007199254740994'): a floating-point number "
                "beyond 9,007,199,254,740,991 (2^53 - 1) is held rounded, so this may not be "
                "the number typed; format the column as text and type the value again"
            )
        ],
    ),
    "an empty first sheet": (
        (
            "empty.xlsx: the sheet read, 'Sheet1' (the first visible one), is empty; the data "
            "seems to be on sheet 'Visitors': move that sheet to the front or delete the empty "
            "one; nothing was imported"
        ),
        [
            (
                "file: the sheet read, 'Sheet1' (the first visible one), is empty; the data "
                "seems to be on sheet 'Visitors': move that sheet to the front or delete the "
                "empty one"
            )
        ],
    ),
    "the data on another sheet": (
        (
            "notes.xlsx: the sheet read (sheet 'Notes', the first visible of 2) lacks expected "
            "columns; they are all on sheet 'Visitors': move that sheet to the front, or save "
            "it as a workbook of its own; nothing was imported"
        ),
        [
            (
                "file: the sheet read (sheet 'Notes', the first visible of 2) lacks expected "
                "columns; they are all on sheet 'Visitors': move that sheet to the front, or "
                "save it as a workbook of its own"
            )
        ],
    ),
    "a hidden first sheet": (
        (
            "later.xlsx (sheet 'Visitors', the first visible of 2, after 1 hidden sheet(s)): 1 "
            "error; nothing was imported"
        ),
        ["row 2, column capacity (value '-1'): must be at least 0"],
    ),
    "not a parquet file": (
        "bad.parquet: cannot read the Parquet file: ",
        ["file: cannot read the Parquet file: "],
    ),
    "a list column": (
        "list.parquet: 1 error; nothing was imported",
        [
            (
                "row 1, column name: a column of type List(String) cannot be imported; store it "
                "as text, the values separated by ';'"
            )
        ],
    ),
    "a duration column": (
        "duration.parquet: 1 error; nothing was imported",
        [
            (
                "row 1, column name: a column of type Duration(time_unit='us') cannot be "
                "imported; store it as text"
            )
        ],
    ),
    "bytes not utf-8": (
        "bytes.parquet: 1 error; nothing was imported",
        [("row 2, column name: bytes that are not UTF-8 text; store the column as UTF-8 text")],
    ),
    "an infinite number": (
        "inf.parquet: 1 error; nothing was imported",
        [
            (
                "row 2, column lat (value 'inf'): an infinite number is no value; give the "
                "value, or leave the cell empty"
            )
        ],
    ),
    "a float past 2^53": (
        "big.parquet: 1 error; nothing was imported",
        [
            (
                "row 2, column capacity (value '9007199254740994.0'): a floating-point number "
                "beyond 9,007,199,254,740,991 (2^53 - 1) is held rounded, so this may not be "
                "the number typed; store the column as text or as whole numbers (int64)"
            )
        ],
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_refused_in_the_words_it_always_had(
    with_areas: Engine, tmp_path: Path, name: str
) -> None:
    entity, make = BAD_FILES[name]
    refused = _refused(with_areas, entity, make(tmp_path))
    headline, lines = SAID[name]
    said = _said(refused.errors)
    assert refused.said_headline().english() == refused.headline()
    if refused.sheet is not None:  # which sheet was read, in the headline: said too
        assert isinstance(refused.sheet, Said)
        assert refused.sheet.says.english() == refused.sheet
    if name in ("a damaged workbook", "not a parquet file"):  # then the library's words
        assert refused.headline().startswith(headline)
        assert [s[: len(line)] for s, line in zip(said, lines, strict=True)] == lines
        return
    assert refused.headline() == headline
    assert said == lines
