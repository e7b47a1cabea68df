"""Events written by the database from the rows they name: each row named, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.storage.repositories.audit import events_for_rows
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


@pytest.mark.parametrize(
    "ids",
    [[1, 1, 3], [3, 1, 3, 1], [2, 2, 2]],
    ids=["a repeat that fills a gap", "repeats out of order", "one id repeated"],
)
def test_each_row_is_named_once_however_often_its_id_is_given(
    with_areas: Engine, tmp_path: Path, ids: list[int]
) -> None:
    # A plan names the households of the visits it deleted and of those it wrote: the same
    # household many times. Counted with the repeats, ids 1, 1, 3 looked like the run 1-3.
    rows = [household(household_id=f"H{i}") for i in (1, 2, 3)]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    with with_areas.begin() as conn:
        hid = dict(conn.execute(text("SELECT external_id, id FROM households")).all())
        last = conn.execute(text("SELECT MAX(id) FROM audit_events")).scalar_one()
        events_for_rows(
            conn,
            source="households",
            key="external_id",
            ids=pl.Series([hid[f"H{i}"] for i in ids], dtype=pl.Int64),
            at=dt.datetime.now(dt.UTC),
            actor="test",
            action="read",
            entity="household",
            detail={},
        )
        named = conn.execute(
            text("SELECT entity_id FROM audit_events WHERE id > :last ORDER BY entity_id"),
            {"last": last},
        ).scalars()
        assert list(named) == sorted({f"H{i}" for i in ids})
