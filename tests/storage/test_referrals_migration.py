"""Migration 0017 adds referrals as the table describes them, and takes them away again."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.storage.new_table import check_new_table


def test_the_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    # The household's record goes with it; the organisation and the visitor stay.
    check_new_table(
        engine,
        "referrals",
        before="0016",
        ondelete={"households": "CASCADE", "organisations": "", "visitors": ""},
    )
