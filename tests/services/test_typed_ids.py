"""``typed_ids.stored_id``: the id a household or visitor was given, from an export's
``'=X`` (written so against spreadsheet formulas), as it is held."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from doorstep.services import household_rights
from doorstep.services.typed_ids import stored_id
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import add, home, tree, worker


def _held(engine: Engine, tmp_path: Path) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "households", [home(household_id=h) for h in ("=X", "''=Y", "=Y")])
    add(engine, tmp_path, "visitors", [worker(visitor_id="+V")])


def test_the_id_as_typed_comes_first_then_the_one_an_export_wrote_so(
    engine: Engine, tmp_path: Path
) -> None:
    _held(engine, tmp_path)
    with unit_of_work(engine) as s:
        found = {g: stored_id(s, "household", g) for g in ("'=X", "=X", "'=Y", "''=Y", "'=Z")}
        assert found == {"'=X": "=X", "=X": "=X", "'=Y": "'=Y", "''=Y": "'=Y", "'=Z": "'=Z"}
        assert stored_id(s, "visitor", "'+V") == "+V"
        assert stored_id(s, "visitor", "'=X") == "'=X"  # a household's id is no visitor's


def test_an_erased_household_is_found_by_the_id_the_trail_keeps(
    engine: Engine, tmp_path: Path
) -> None:
    _held(engine, tmp_path)
    with unit_of_work(engine) as s:
        household_rights.erase_household(s, "=X", actor="test")
    with unit_of_work(engine) as s:
        # So that the lookup after it says =X was erased, not that '=X is no one's.
        assert stored_id(s, "household", "'=X") == "=X"
