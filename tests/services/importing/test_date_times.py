"""A date column given a date-time: midnight is the day however it is written (CSV, XLSX,
Parquet), any other time of day is refused saying so, and a workbook's time just before
midnight is never read as the next day."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, text

from doorstep.services.importing.columns import IMPORTS, Kind
from doorstep.services.importing.validate import References, validate
from tests.factories.db import rejected, run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv

TIMED = "a day with a time of day; a date column takes the day alone, YYYY-MM-DD"
DATES = [(e, c.name) for e, s in IMPORTS.items() for c in s.columns if c.kind is Kind.DATE]


@pytest.mark.parametrize(("entity", "column"), DATES)
def test_every_date_column_reads_midnight_as_the_day_however_the_time_is_written(
    entity: str, column: str
) -> None:
    # A date-time cell at 00:00 saved as CSV: with or without seconds, a space or ISO's T.
    cells = [
        "2027-01-20 00:00",
        "2027-01-20T00:00",
        "2027-01-20 00:00:00",
        "2027-01-20T00:00:00.000",
    ]
    cells += ["2027-01-20 13:00", "2027-01-20T23:59:59.999"]
    raw = pl.DataFrame({c.name: ["x"] * len(cells) for c in IMPORTS[entity].columns})
    found = validate(IMPORTS[entity], raw.with_columns(pl.Series(column, cells)), References())
    assert found.frame[column].to_list()[:4] == [dt.date(2027, 1, 20)] * 4
    assert [str(e) for e in found.errors if e.column == column] == [
        f"row 6, column {column} (value '2027-01-20 13:00'): {TIMED}",
        f"row 7, column {column} (value '2027-01-20T23:59:59.999'): {TIMED}",
    ]


def _days(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT active_from FROM visitors ORDER BY external_id"))
        return [str(d) for d in rows.scalars()]


def test_a_csv_midnight_without_seconds_is_the_day_and_another_time_is_refused(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [
        visitor(active_from="2026-03-01 00:00"),
        visitor(visitor_id="V2", active_from="2026-03-02T00:00"),
    ]
    path = write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows)
    assert run_import(with_areas, "visitors", path).created == 2
    assert _days(with_areas) == ["2026-03-01", "2026-03-02"]
    rows[1]["active_from"] = "2026-03-02 08:30"
    path = write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows)
    assert rejected(with_areas, "visitors", path) == [
        f"row 3, column active_from (value '2026-03-02 08:30'): {TIMED}"
    ]


def _workbook(path: Path, *days: object, number_format: str = "yyyy-mm-dd hh:mm") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(VISITOR_HEADER)
    for i, day in enumerate(days, start=1):
        row = visitor(visitor_id=f"V{i}", active_from=day)
        sheet.append([row.get(h) for h in VISITOR_HEADER])
        cell = sheet.cell(row=i + 1, column=VISITOR_HEADER.index("active_from") + 1)
        if isinstance(day, dt.datetime):
            cell.number_format = number_format
    book.save(path)
    return path


def test_an_xlsx_midnight_is_the_day_whether_a_date_time_cell_or_text(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _workbook(tmp_path / "v.xlsx", dt.datetime(2026, 3, 1), "2026-03-02 00:00")
    assert run_import(with_areas, "visitors", path).created == 2
    assert _days(with_areas) == ["2026-03-01", "2026-03-02"]


@pytest.mark.parametrize("number_format", ["yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"])
def test_an_xlsx_time_just_before_midnight_is_not_read_as_the_next_day(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number_format: str
) -> None:
    # 23:59:59.9999, a day fraction just under 1: the reader rounded it to the next day's
    # midnight, which a date column took for 2026-03-02. It is 1 March, and a time of day.
    monkeypatch.chdir(tmp_path)
    late = dt.datetime(2026, 3, 1, 23, 59, 59, 999_900)
    path = _workbook(
        tmp_path / "v.xlsx", dt.datetime(2026, 3, 1), late, number_format=number_format
    )
    assert rejected(with_areas, "visitors", path) == [
        f"row 3, column active_from (value '2026-03-01 23:59:59.999'): {TIMED}"
    ]


def test_an_xlsx_time_just_before_midnight_written_by_hand_keeps_its_day(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The raw serial, as a program other than openpyxl may write it (46082 is 2026-03-01).
    monkeypatch.chdir(tmp_path)
    path = _workbook(tmp_path / "v.xlsx", dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 2))
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    assert b"<v>46083</v>" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<v>46083</v>", b"<v>46082.999999999</v>")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    assert rejected(with_areas, "visitors", path) == [
        f"row 3, column active_from (value '2026-03-01 23:59:59.999'): {TIMED}"
    ]


def test_a_parquet_midnight_is_the_day_whether_text_or_a_timestamp(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    frame = pl.DataFrame([visitor(), visitor(visitor_id="V2")]).with_columns(
        pl.all().cast(pl.String)
    )
    path = tmp_path / "v.parquet"
    frame.with_columns(
        active_from=pl.Series(["2026-03-01T00:00", "2026-03-02 00:00"])
    ).write_parquet(path)
    assert run_import(with_areas, "visitors", path).created == 2
    assert _days(with_areas) == ["2026-03-01", "2026-03-02"]
    late = [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1, 23, 59, 59, 999_900)]
    frame.with_columns(active_from=pl.Series(late)).write_parquet(path)
    assert rejected(with_areas, "visitors", path) == [
        f"row 3, column active_from (value '2026-03-01 23:59:59.999900'): {TIMED}"
    ]
