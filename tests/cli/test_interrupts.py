"""Ctrl-C says what it left: before a command's commit, the database as it was (and the
attempt recorded as failed); during or after it, the changes saved (and no failure
recorded); in a compiled kernel, or before any command ran, the same one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, text

from doorstep.cli import context, entry
from doorstep.cli.common import handle_errors
from doorstep.services import household_rights
from doorstep.storage.session import after_commit
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

SAVED = "interrupted after this command's changes were saved: the database holds them"
AS_IT_WAS = "interrupted: the database is as it was before this command"


def _interrupt() -> None:
    raise KeyboardInterrupt


def _events(engine: Engine, household_id: str) -> list[tuple[str, dict[str, object]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, detail FROM audit_events WHERE entity_id = :h ORDER BY id"),
            {"h": household_id},
        ).all()
    return [(str(a), d if isinstance(d, dict) else json.loads(d)) for a, d in rows]


def test_ctrl_c_once_an_erasure_is_committed_says_it_is_done_and_records_no_failure(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    # As when SQLite's checkpoint after the commit waits for a reader and the user gives up.
    monkeypatch.setattr(
        household_rights, "settle_after_commit", lambda s: after_commit(s, _interrupt)
    )
    result = cli("household", "erase", "H1", "--yes")
    assert result.exit_code == 130
    assert SAVED in " ".join(result.output.split())
    with with_areas.connect() as conn:
        left = conn.execute(text("SELECT external_id FROM households")).scalars().all()
    assert left == ["H2"]
    # The erasure's own event last: no "failed" attempt naming the household erased.
    assert _events(with_areas, "H1")[-1][0] == "delete"
    assert all("outcome" not in d for _, d in _events(with_areas, "H1"))


def test_ctrl_c_before_the_commit_says_the_database_is_as_it_was(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [household(household_id="H1")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    monkeypatch.setattr(household_rights, "settle_after_commit", lambda s: _interrupt())
    result = cli("household", "erase", "H1", "--yes")
    assert result.exit_code == 130
    assert AS_IT_WAS in " ".join(result.output.split())
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one() == 1
    action, detail = _events(with_areas, "H1")[-1]
    assert (action, detail["outcome"], detail["error"]) == ("delete", "failed", "KeyboardInterrupt")


def test_an_interrupt_inside_a_compiled_kernel_is_an_interrupt_not_a_system_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # numba raises this when Ctrl-C arrives while a kernel runs.
    @handle_errors
    def pairing() -> None:
        try:
            _interrupt()
        except KeyboardInterrupt as exc:
            raise SystemError("CPUDispatcher(<function _scan>) returned a result") from exc

    @handle_errors
    def broken() -> None:
        raise SystemError("a real fault")

    with pytest.raises(typer.Exit) as info:
        pairing()
    assert info.value.exit_code == 130
    assert AS_IT_WAS in " ".join(capsys.readouterr().err.split())
    with pytest.raises(SystemError, match="a real fault"):
        broken()


def test_ctrl_c_before_a_command_runs_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from doorstep.cli import main

    monkeypatch.setattr(main, "app", _interrupt)  # as if while the modules load
    # A new process has saved nothing; in this one, an earlier test's command may have.
    context.SAVED.set(False)
    with pytest.raises(SystemExit) as info:
        entry.main()
    assert info.value.code == 130
    assert capsys.readouterr().err == f"error: {AS_IT_WAS}\n"
