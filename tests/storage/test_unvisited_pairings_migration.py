"""Migration 0016 adds the pairings a plan left without a visit as the table describes them,
and takes them away again."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.storage.new_table import check_new_table


def test_the_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    check_new_table(
        engine,
        "unvisited_pairings",
        before="0015",
        ondelete={"pairings": "CASCADE", "households": "CASCADE", "visitors": "CASCADE"},
    )
