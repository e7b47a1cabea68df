"""`doorstep import households` takes a household with an empty languages cell, as file
mode does, and `pair explain` gives it as unpaired for no shared language."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.factories.files import HOUSEHOLD_HEADER, write_csv
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, home, propose, tree, worker


def test_explain_says_a_household_imported_with_no_language_shares_none(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V")])
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [home(household_id="H1", languages="")])
    imported = cli("import", "households", str(path))
    assert imported.exit_code == 0, imported.output
    propose(engine, "A", today=REAL_TODAY)
    result = cli("pair", "explain", "H1", "-q")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Household H1: no visitor (no shared language; proposal 1, open)." in said
    assert "no shared language │" in said  # V, the visitor near it, for the same reason
