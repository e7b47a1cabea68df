"""A programme built once and copied (``prebuilt``) is the programme its build makes: the
same rows, ids and sequences, whatever the test before it left, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, select, text

from doorstep.storage.base import Base
from tests.factories.db import area_tree
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import plan_three

#: What differs between two builds of one programme: when it was written, and how long
#: a proposal took (in its summary).
_WHEN = ("txid",)
_TOOK = "seconds"


def _untimed(value: Any) -> Any:
    return {k: v for k, v in value.items() if k != _TOOK} if isinstance(value, dict) else value


def _rows(engine: Engine, *, when: bool) -> dict[str, list[tuple[Any, ...]]]:
    held = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if when or not (isinstance(c.type, DateTime) or c.name in _WHEN)
            ]
            rows = [tuple(r) for r in conn.execute(select(*columns))]
            if not when:
                rows = [tuple(_untimed(v) for v in r) for r in rows]
            held[table.name] = sorted(rows, key=repr)
    return held


def _next_ids(engine: Engine) -> list[int]:
    """The id each of a few tables gives its next row (then taken back)."""
    ids = []
    with engine.connect() as conn:
        for table in ("areas", "households", "visits", "audit_events"):
            sql = (
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"
                if engine.dialect.name == "postgresql"
                else f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"
            )
            ids.append(int(conn.execute(text(sql)).scalar_one()))
        conn.rollback()
    return ids


def test_a_prebuilt_programme_is_what_its_build_makes(
    engine: Engine, tmp_path: Path, prebuilt: Prebuilt
) -> None:
    (tmp_path / "built").mkdir()
    area_tree(engine, tmp_path / "built")  # as a test without a copy would
    plan_three(engine, tmp_path / "built")
    built = _rows(engine, when=False)
    assert built["visits"] and built["audit_events"] and built["pairing_input_writes"]

    assert prebuilt(engine, tmp_path, plan_three, over=area_tree)  # built once, from empty
    assert _rows(engine, when=False) == built
    first, ids = _rows(engine, when=True), _next_ids(engine)
    assert (tmp_path / "h.csv").is_file()  # the files it read

    with engine.begin() as conn:  # what a test might leave
        conn.execute(text("DELETE FROM visits WHERE id = (SELECT MIN(id) FROM visits)"))
        conn.execute(text("UPDATE households SET head_name = 'changed'"))
    assert prebuilt(engine, tmp_path, plan_three, over=area_tree)  # a copy
    assert _rows(engine, when=True) == first
    assert _next_ids(engine) == ids
