"""The plans PostgreSQL makes for the pairing scope's queries.

Time is not tested; the shape of the plan is. ``visitors_in_box`` once counted each visitor's
pairings outside the area with a subquery in its select list: PostgreSQL ran it once per
visitor over every open pairing (a ``SubPlan``), and `pair commit` of a region never finished.
A correlated subquery always plans that way, whatever the statistics, so its plan shows it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text

from doorstep.domain.reach import reach_box
from doorstep.storage.repositories.pairing import (
    VISITORS_IN_BOX,
    exclusions,
    proposal_loads,
    visitors_in_box_params,
)
from tests.services.pairing.tree import add, commit, home, open_pairings, propose, tree, worker

#: A subquery run again for each row: ``SubPlan n``, not ``hashed SubPlan n`` (built once).
_PER_ROW = re.compile(r"(?<!hashed )SubPlan \d+")


def _village(engine: Engine, tmp_path: Path, *, households: int) -> None:
    """The pairing tests' area tree, with three visitors V0-V2 and ``households`` H0... in
    village A1."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id=f"V{i}") for i in range(3)])
    add(engine, tmp_path, "households", [home(household_id=f"H{i}") for i in range(households)])


def per_row_subplans(engine: Engine, sql: str, params: dict[str, object]) -> list[str]:
    """The plan's lines that run a subquery once per row."""
    with engine.connect() as conn:
        plan = [r[0] for r in conn.execute(text("EXPLAIN " + sql), params)]
    return [line.strip() for line in plan if _PER_ROW.search(line)]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_visitors_of_a_scope_are_read_without_a_subquery_per_visitor(
    engine: Engine, tmp_path: Path
) -> None:
    _village(engine, tmp_path, households=4)
    with engine.begin() as conn:  # statistics taken before any pairing, as after an import
        conn.execute(text("ANALYZE"))
    commit(engine, propose(engine, "A1").id)
    assert len(open_pairings(engine)) == 4
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM areas WHERE code = 'A'")).scalar_one()
    params = visitors_in_box_params(path, reach_box(np.array([51.5]), np.array([-0.1]), 30_000.0))
    assert per_row_subplans(engine, VISITORS_IN_BOX, params) == []


def test_exclusions_come_back_in_the_order_they_were_made_wherever_they_are_kept(
    engine: Engine, tmp_path: Path
) -> None:
    # Written with the ids falling, so PostgreSQL keeps the rows in the opposite order to
    # their ids; a proposal's digest hashes them in the order read.
    _village(engine, tmp_path, households=3)
    with engine.begin() as conn:
        for i in (3, 2, 1):
            conn.execute(
                text(
                    "INSERT INTO exclusions (id, visitor_id, household_id, reason) "
                    "SELECT :i, v.id, h.id, '' FROM visitors v, households h "
                    "WHERE v.external_id = :v AND h.external_id = :h"
                ),
                {"i": i, "v": f"V{i - 1}", "h": f"H{3 - i}"},
            )
    with engine.connect() as conn:
        got = exclusions(conn)
        ids = dict(conn.execute(text("SELECT household_id, id FROM exclusions")).all())
    assert [ids[h] for h in got["household_id"].to_list()] == [1, 2, 3]


def test_caseloads_are_counted_for_more_visitors_than_a_statement_takes_parameters(
    engine: Engine,
) -> None:
    # A region's remote pools bring 86k visitors to every explanation; PostgreSQL takes at
    # most 65,535 parameters in a statement.
    with engine.connect() as conn:
        got = proposal_loads(conn, 1, list(range(1, 100_001)))
    assert got.height == 0 and got.columns == ["visitor_id", "n"]
