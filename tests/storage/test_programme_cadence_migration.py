"""Migration 0020 adds the programme's cadence, one row at most, and takes it away again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from tests.storage.new_table import check_new_table


def test_the_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    check_new_table(engine, "programme_cadence", before="0019", ondelete={})


@pytest.mark.parametrize(
    ("row_id", "gap", "stay"), [(2, 60, 5), (1, 0, 1), (1, 3661, 5), (1, 30, 31), (1, 30, 0)]
)
def test_the_database_refuses_a_second_row_and_days_out_of_range(
    engine: Engine, row_id: int, gap: int, stay: int
) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO programme_cadence (id, max_gap_days, stay_days, set_on, set_by) "
                "VALUES (:id, :gap, :stay, :on, 'test')"
            ),
            {"id": row_id, "gap": gap, "stay": stay, "on": dt.date(2027, 1, 1)},
        )
