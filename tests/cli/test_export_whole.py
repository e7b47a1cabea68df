"""A file of people's data is written whole after its audit events are committed, or not
at all: an export cut short (a file size limit, a full disk) leaves no partial file."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.limits import file_size_limit


def _exports(engine: Engine, action: str = "export") -> int:
    with engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM audit_events WHERE action = :a")
        return int(conn.execute(query, {"a": action}).scalar_one())


def _last(engine: Engine) -> tuple[str, str, str | None, dict[str, Any]]:
    """The trail's last event: (action, entity, entity_id, detail)."""
    with engine.connect() as conn:
        query = text("SELECT action, entity, entity_id, detail FROM audit_events ORDER BY id DESC")
        action, entity, entity_id, detail = conn.execute(query).first() or ("", "", None, {})
    return action, entity, entity_id, detail


def _failed(engine: Engine, action: str, entity: str, entity_id: str | None = None) -> None:
    """The trail ends with the export's outcome: failed, with the one line the user saw."""
    last = _last(engine)
    assert last[:3] == (action, entity, entity_id)
    assert last[3]["outcome"] == "failed"
    assert last[3]["error"].startswith("cannot write ")
    assert "(the audit trail records the export as failed)" in last[3]["error"]


@pytest.fixture
def registry(with_areas: Engine, tmp_path: Path) -> Engine:
    if with_areas.dialect.name == "sqlite":
        pytest.skip("the limit would stop SQLite's own writes to its database file")
    rows = [household(household_id=f"H{i}") for i in range(100)]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    return with_areas


def test_an_export_cut_short_leaves_no_file_but_its_audit_events(
    cli: Invoke, registry: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "hh.csv"
    with file_size_limit(2048):
        result = cli("export", "households", str(out))
    assert result.exit_code == 1  # not bad input: a file that could not be written
    assert f"cannot write {out}" in result.output
    assert "the partial file was deleted" in result.output
    assert list(out.parent.iterdir()) == []  # neither the file nor its part
    # The export and each household, committed before the write; then that it failed.
    assert _exports(registry) == 102
    _failed(registry, "export", "households")
    assert _last(registry)[3]["file"] == "hh.csv"


def test_a_household_export_cut_short_leaves_no_file(
    cli: Invoke, registry: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "h1.json"
    out.write_text("an earlier export\n", encoding="utf-8")
    with file_size_limit(64):
        result = cli("household", "export", "H1", "--out", str(out))
    assert result.exit_code == 1
    assert "the partial file was deleted" in result.output
    assert out.read_text(encoding="utf-8") == "an earlier export\n"  # kept whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert _exports(registry, "subject_export") == 2  # the export, then that it failed
    _failed(registry, "subject_export", "household", "H1")


def test_a_visitor_export_cut_short_leaves_no_file(
    cli: Invoke, registry: Engine, tmp_path: Path
) -> None:
    run_import(registry, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    out = tmp_path / "v1.json"
    with file_size_limit(64):
        result = cli("visitor", "export", "V1", "--out", str(out))
    assert result.exit_code == 1
    assert "the partial file was deleted" in result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".v1", "v1"))] == []
    assert _exports(registry, "subject_export") == 2  # the export, then that it failed
    _failed(registry, "subject_export", "visitor", "V1")


def test_an_export_written_whole_leaves_no_part_file(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "areas.csv"
    assert cli("export", "areas", str(out)).exit_code == 0
    assert [p.name for p in out.parent.iterdir()] == ["areas.csv"]
    assert out.read_text(encoding="utf-8").startswith("code,name")


def _limited(size: int) -> Callable[[], None]:
    def limit() -> None:  # in the child only: the test process writes on
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))

    return limit


@pytest.mark.parametrize(
    ("entity", "size"),
    # A hundred households' rows are past the limit before they are zipped; the few areas'
    # rows are not, but the archive (a few kilobytes of styles and parts) is.
    [("households", 2048), ("areas", 3072)],
    ids=["rows", "archive"],
)
def test_a_spreadsheet_export_cut_short_prints_its_one_line_error_and_nothing_else(
    registry: Engine, db_url: str, tmp_path: Path, entity: str, size: int
) -> None:
    # openpyxl streams the rows to a temporary file, then zips them into the part file: cut
    # short in either, the generators and the archive it left open each printed their own
    # "Exception ignored in ..." traceback on stderr when collected, around the error.
    out = tmp_path / "out" / f"{entity}.xlsx"
    spool = tmp_path / "spool"
    spool.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "doorstep", "export", entity, str(out)],
        env={**os.environ, "DOORSTEP_DATABASE_URL": db_url, "TMPDIR": str(spool)},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(size),
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"cannot write {out}: File too large; the partial file was deleted" in lines[0]
    assert list(out.parent.iterdir()) == []
    assert list(spool.iterdir()) == []  # nor the rows streamed aside
