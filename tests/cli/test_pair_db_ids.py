"""`pair show|diff|commit|discard|explain` with a proposal number that is not one: one red
line and exit 2, like every other bad input; and `pair show`/`pair diff` leave an audit
event, as every read of personal data does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.services.pairing.tree import add, home, propose, tree, worker

#: Numbers no proposal can have: below 1, or past the ids PostgreSQL's column holds (where
#: the database refused 2147483648 with a traceback, and the others were "not found").
IMPOSSIBLE = ["-1", "0", " -3", "2147483648", "99999999999999999999"]


@pytest.mark.parametrize("command", ["show", "diff", "commit", "discard"])
@pytest.mark.parametrize("given", ["abc", "1.5", "3x", *IMPOSSIBLE])
def test_a_malformed_proposal_number_is_one_line(cli: Invoke, command: str, given: str) -> None:
    result = cli("pair", command, "--", given)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: PROPOSAL must be a proposal number, such as 3; got {given!r}"
    )


@pytest.mark.parametrize("given", ["two", *IMPOSSIBLE])
def test_a_malformed_proposal_option_of_explain_is_one_line(
    cli: Invoke, engine: Engine, tmp_path: Path, given: str
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "households", [home(household_id="H1")])  # a household that is
    result = cli("pair", "explain", "H1", f"--proposal={given}")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: --proposal must be a proposal number, such as 3; got {given!r}"
    )


def test_the_largest_possible_number_is_looked_up_and_not_found(cli: Invoke) -> None:
    result = cli("pair", "show", "2147483647")
    assert result.exit_code == 1
    assert result.output.strip() == "error: no pairing proposal 2147483647"


def test_show_and_diff_at_the_command_line_are_audited(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="V")])
    add(engine, tmp_path, "households", [home(household_id="H1")])
    pid = str(propose(engine, "A").id)
    assert cli("pair", "show", pid).exit_code == 0
    assert cli("pair", "diff", pid).exit_code == 0
    assert cli("pair", "show", "99").exit_code == 1  # nothing read, nothing recorded
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity, entity_id FROM audit_events WHERE actor LIKE 'cli%'")
        ).all()
    # The diff lists H1 with its proposed visitor: a read of H1's data, and of V's.
    assert sorted(tuple(r) for r in rows) == [
        ("read", "household", "H1"),
        ("read", "pairing_diff", pid),
        ("read", "pairing_proposal", pid),
        ("read", "visitor", "V"),
    ]
