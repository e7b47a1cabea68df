"""A number no proposal can have is bad input on every database, for every service that
takes one: PostgreSQL refused one past its 32-bit ids with an error (a traceback at the
command line), where SQLite found no such proposal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.errors import InvalidInput
from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import add, home, tree

CALLS: dict[str, Callable[[Session, int], object]] = {
    "show": lambda s, n: pairing.show(s, n, actor="test"),
    "diff": lambda s, n: pairing.diff(s, n, actor="test"),
    "commit": lambda s, n: pairing.commit(s, n, actor="test"),
    "discard": lambda s, n: pairing.discard(s, n, actor="test"),
    "explain": lambda s, n: pairing.explain_household(s, "H1", actor="test", proposal_id=n),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("number", [-1, 0, 2**31, 2**63])
def test_an_impossible_proposal_number_is_bad_input(
    engine: Engine, tmp_path: Path, call: str, number: int
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    with unit_of_work(engine) as s, pytest.raises(InvalidInput) as refused:
        CALLS[call](s, number)
    assert str(refused.value) == (
        f"{number} is not a proposal number: they run from 1 to 2,147,483,647"
    )
