"""A visitors import reads the stored visitors table once, as a households import reads
its own: a re-import of a region's staff would read every row again for each step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.factories.db import run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv

# A read of every row: FROM the table with no WHERE and no JOIN after it (the next id, a
# MAX(id), is read from the key's index and is not one).
_WHOLE = re.compile(r"\bFROM visitors\s*$", re.IGNORECASE)


def test_a_visitors_import_reads_the_stored_visitors_once(
    with_areas: Engine, tmp_path: Path
) -> None:
    if with_areas.dialect.name != "sqlite":
        pytest.skip("PostgreSQL reads a table through COPY, which no cursor event shows")
    rows = [visitor(visitor_id=f"V{i}") for i in range(5)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "a.csv", VISITOR_HEADER, rows))
    whole: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _WHOLE.search(statement.strip()) and "MAX(id)" not in statement:
            whole.append(statement)

    again = [visitor(visitor_id=f"V{i}", capacity=9 if i == 0 else 2) for i in range(6)]
    event.listen(with_areas, "before_cursor_execute", keep)
    try:
        summary = run_import(
            with_areas, "visitors", write_csv(tmp_path / "b.csv", VISITOR_HEADER, again)
        )
    finally:
        event.remove(with_areas, "before_cursor_execute", keep)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 4)
    assert len(whole) == 1, whole
