"""Migration 0019 adds the count of the pairing lock's takes, and takes it away again; each
take adds one, in its own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from doorstep.errors import NotFound
from doorstep.storage.repositories.pairing import lock_pairings, lock_takes
from doorstep.storage.session import unit_of_work
from tests.storage.new_table import check_new_table


def test_the_table_matches_its_model_and_comes_and_goes(engine: Engine) -> None:
    check_new_table(engine, "pairing_lock_takes", before="0018", ondelete={})


def test_each_take_adds_one_once_its_transaction_commits(engine: Engine) -> None:
    with engine.connect() as conn:
        before = lock_takes(conn)
    with unit_of_work(engine) as s:
        assert lock_pairings(s.connection()) == before
        assert lock_pairings(s.connection()) == before + 1  # taken again in one transaction

    def taken_and_refused() -> None:
        with unit_of_work(engine) as s:
            lock_pairings(s.connection())
            raise NotFound("rolled back: its take is not counted")

    with pytest.raises(NotFound):
        taken_and_refused()
    with engine.connect() as conn:
        assert lock_takes(conn) == before + 2
