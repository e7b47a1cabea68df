"""Files an import refuses as a whole or cannot read a row of: one of each kind, for the
tests that check what the import says of them (in English, and on a Chinese page).

Each maker writes its file into a folder and returns its path; :data:`BAD_FILES` names
them with the import they are sent to (CSV files as households, workbooks and Parquet files
as visitors)."""

from __future__ import annotations

import datetime as dt
import gzip
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor

Maker = Callable[[Path], Path]


def _household_line(**overrides: Any) -> str:
    row = household(**overrides)
    return ",".join("" if row.get(h) is None else str(row[h]) for h in HOUSEHOLD_HEADER)


_HEADER = ",".join(HOUSEHOLD_HEADER)


def _csv(name: str, data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        (path := folder / name).write_bytes(data)
        return path

    return make


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def visitor_row(**overrides: Any) -> list[Any]:
    row = visitor(**overrides)
    return [row.get(h) for h in VISITOR_HEADER]


def _book(name: str, build: Callable[[Any], None]) -> Maker:
    def make(folder: Path) -> Path:
        from openpyxl import Workbook

        book = Workbook()
        build(book)
        book.save(path := folder / name)
        return path

    return make


def _rows(*rows: list[Any]) -> Callable[[Any], None]:
    def build(book: Any) -> None:
        for row in rows:
            book.active.append(row)

    return build


def _merged(book: Any) -> None:
    _rows(VISITOR_HEADER, visitor_row(), visitor_row(visitor_id="V8"))(book)
    book.active.merge_cells("B2:B3")


def _empty_first(book: Any) -> None:
    book.active.title = "Sheet1"
    data = book.create_sheet("Visitors")
    for row in (VISITOR_HEADER, visitor_row()):
        data.append(row)


def _notes_first(book: Any) -> None:
    book.active.title = "Notes"
    book.active.append(["read me first"])
    data = book.create_sheet("Visitors", 1)
    for row in (VISITOR_HEADER, visitor_row()):
        data.append(row)


def _hidden_first(book: Any) -> None:
    book.active.title = "Notes"
    book.active.append(["working notes"])
    book.active.sheet_state = "hidden"
    data = book.create_sheet("Visitors")
    for row in (VISITOR_HEADER, visitor_row(capacity=-1)):
        data.append(row)
    book.active = 1


def _all_hidden(folder: Path) -> Path:
    """A workbook whose one sheet is hidden (which openpyxl will not save: edited after)."""
    path = _book("shown.xlsx", _rows(VISITOR_HEADER, visitor_row()))(folder)
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'state="visible" r:id', b'state="hidden" r:id'
    )
    with zipfile.ZipFile(hidden := folder / "hidden.xlsx", "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return hidden


def _parquet(file: str, **columns: pl.Series) -> Maker:
    def make(folder: Path) -> Path:
        row = visitor()
        frame = pl.DataFrame({k: [str(v)] for k, v in row.items()})
        frame.with_columns(**columns).write_parquet(path := folder / file)
        return path

    return make


#: name: (the import it is sent to, its maker).
BAD_FILES: dict[str, tuple[str, Maker]] = {
    "latin-1": (
        "households",
        _csv(
            "latin1.csv",
            f"{_HEADER}\n".encode() + _household_line(head_name="Müller").encode("latin-1") + b"\n",
        ),
    ),
    "cut character": (
        "households",
        _csv("cut.csv", _lines(_HEADER, _household_line()) + b"\xe4\xb8"),
    ),
    "gzip": ("households", _csv("gz.csv", gzip.compress(_lines(_HEADER)))),
    "utf-16 without a mark": (
        "households",
        _csv("u16.csv", _lines(_HEADER).decode().encode("utf-16-le")),
    ),
    "not utf-16 after a mark": ("households", _csv("bom.csv", b"\xff\xfea\x00b")),
    "unclosed quote": (
        "households",
        _csv("open.csv", _lines(_HEADER, _household_line(head_name='"Wang'))),
    ),
    "unclosed until a later line": (
        "households",
        _csv(
            "late.csv",
            _lines(
                _HEADER,
                _household_line(head_name='"Wang'),
                'Fang" x,',
                _household_line(household_id="H2"),
            ),
        ),
    ),
    "text after a closing quote": (
        "households",
        _csv("after.csv", _lines(_HEADER, _household_line(head_name='"Wang"x'))),
    ),
    "a quote in an unquoted value": (
        "households",
        _csv("stray.csv", _lines(_HEADER, _household_line(head_name='Wa"ng'))),
    ),
    "a quote in a column name": (
        "households",
        _csv("name.csv", _lines(_HEADER.replace("head_name", 'head"name'), _household_line())),
    ),
    "too many fields": ("households", _csv("wide.csv", _lines(_HEADER, _household_line() + ",x"))),
    "a row that ends early": (
        "households",
        _csv("short.csv", _lines(_HEADER, _household_line().rsplit(",", 1)[0])),
    ),
    "coordinates swapped": (
        "households",
        _csv(
            "swapped.csv",
            _lines(
                _HEADER,
                *(
                    _household_line(household_id=f"H1{i}", lat=1.0 + i / 1000, lon=36.8)
                    for i in range(5)
                ),
                _household_line(household_id="HX", lat=36.8, lon=1.002),
            ),
        ),
    ),
    "a title above the header": (
        "households",
        _csv("title.csv", _lines("Households of 2026", _HEADER, _household_line())),
    ),
    "not a workbook": ("visitors", _csv("text.xlsx", _lines("visitor_id,name"))),
    "a legacy workbook": (
        "visitors",
        _csv("old.xls", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)),
    ),
    "a legacy workbook named xlsx": (
        "visitors",
        _csv("old.xlsx", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)),
    ),
    "a damaged workbook": ("visitors", _csv("bad.xlsx", b"PK\x03\x04" + bytes(64))),
    "every sheet hidden": ("visitors", _all_hidden),
    "a spreadsheet error": (
        "visitors",
        _book("err.xlsx", _rows(VISITOR_HEADER, visitor_row(name="#N/A"))),
    ),
    "a formula without its value": (
        "visitors",
        _book("formula.xlsx", _rows(VISITOR_HEADER, visitor_row(name='="Li "&"Wei"'))),
    ),
    "cells merged over rows": ("visitors", _book("merged.xlsx", _merged)),
    "a number past 2^53": (
        "visitors",
        _book("large.xlsx", _rows(VISITOR_HEADER, visitor_row(visitor_id=2**53 + 2))),
    ),
    "an empty first sheet": ("visitors", _book("empty.xlsx", _empty_first)),
    "the data on another sheet": ("visitors", _book("notes.xlsx", _notes_first)),
    "a hidden first sheet": ("visitors", _book("later.xlsx", _hidden_first)),
    "not a parquet file": ("visitors", _csv("bad.parquet", b"not parquet at all")),
    "a list column": ("visitors", _parquet("list.parquet", name=pl.Series([["Li", "Wei"]]))),
    "a duration column": (
        "visitors",
        _parquet("duration.parquet", name=pl.Series([dt.timedelta(days=1)])),
    ),
    "bytes not utf-8": ("visitors", _parquet("bytes.parquet", name=pl.Series([b"\xff"]))),
    "an infinite number": ("visitors", _parquet("inf.parquet", lat=pl.Series([float("inf")]))),
    "a float past 2^53": (
        "visitors",
        _parquet("big.parquet", capacity=pl.Series([float(2**53 + 2)])),
    ),
}
