"""Query results read as frames: the same values from SQLite's tuples and PostgreSQL's COPY."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import Engine

from doorstep.storage.repositories import reads
from doorstep.storage.repositories.reads import frame

#: What PostgreSQL's COPY escapes, and text that looks like its escapes.
_ESCAPES = "NULL\ttab\r\x08\x0b\x0c back\\slash \\n \\\\N"
_SCHEMA = {"id": pl.Int64, "name": pl.String, "other": pl.String, "on": pl.Date, "x": pl.Float64}


def _rows(engine: Engine, sql: str, params: dict[str, object]) -> pl.DataFrame:
    with engine.connect() as conn:
        return frame(conn, sql, params, _SCHEMA)


@pytest.mark.parametrize("block", [1, 2, 200_000])
def test_nulls_empty_text_quotes_dates_and_floats_come_back_as_they_are(
    engine: Engine, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's rows come in blocks: one of row 2 alone holds no date and no number at all.
    monkeypatch.setattr(reads, "_BLOCK_ROWS", block)
    got = _rows(
        engine,
        """
        SELECT 1 AS id, :empty AS name, NULL AS other, :day AS "on", :x1 AS x
        UNION ALL
        SELECT 2, :odd, :backslash, NULL, NULL
        UNION ALL
        SELECT 3, :percent, :n, :day, :x2
        ORDER BY id
        """,
        {
            "empty": "",
            "day": dt.date(2026, 6, 1),
            "x1": 51.500123456789012,
            "odd": 'a,"b"\nc — é',
            "backslash": r"\N",
            "percent": "50% of /1/%",
            "n": _ESCAPES,
            "x2": -1e-7,
        },
    )
    assert got.schema == pl.Schema(_SCHEMA)
    assert got.rows() == [
        (1, "", None, dt.date(2026, 6, 1), 51.500123456789012),
        (2, 'a,"b"\nc — é', r"\N", None, None),
        (3, "50% of /1/%", _ESCAPES, dt.date(2026, 6, 1), -1e-7),
    ]


def test_no_rows_is_an_empty_frame_of_the_schema(engine: Engine) -> None:
    got = _rows(
        engine,
        "SELECT 1 AS id, 'a' AS name, 'b' AS other, NULL AS on_, 0.5 AS x WHERE 1 = :no",
        {"no": 0},
    )
    assert got.height == 0
    assert got.schema == pl.Schema(_SCHEMA)
