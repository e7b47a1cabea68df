"""A visitor's calendar is a read of households' data: audited only when it is delivered."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.config import get_settings
from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing, planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

START = dt.date(2027, 1, 4)


def _planned(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    run_import(
        engine,
        "households",
        write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")]),
    )
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        pairing.commit(s, view.id, actor="test", today=START)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=4), actor="test", today=START
        )


def _calendar_reads(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM audit_events WHERE entity = 'visits' AND action = 'read'"
                )
            ).scalar_one()
        )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a full disk)")
def test_a_calendar_that_cannot_be_written_is_one_line_and_its_read_is_recorded_as_failed(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    # The read is committed before the file is written, so that no calendar of households'
    # whereabouts is ever on disk without it; one that fails is followed by its outcome.
    _planned(with_areas, tmp_path)
    full = tmp_path / "v1.ics"
    full.symlink_to("/dev/full")  # passes the checks before the read; the write then fails
    result = cli(
        "visits", "calendar", "--visitor", "V1", "--out", str(full), "--since", "2027-01-01"
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: cannot write {full}: No space left on device (the audit trail records the "
        "calendar as failed)"
    ]
    assert full.is_symlink()  # written through, as a device cannot be replaced
    assert _calendar_reads(with_areas) == 2  # the read, then that its file failed
    with with_areas.connect() as conn:
        detail = conn.execute(
            text("SELECT detail FROM audit_events ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    detail = detail if isinstance(detail, dict) else json.loads(detail)
    assert detail == {
        "calendar": "V1",
        "outcome": "failed",
        "error": result.output.strip().removeprefix("error: "),
    }
    done = cli("visits", "calendar", "--visitor", "V1", "--out", str(tmp_path / "ok.ics"))
    assert done.exit_code == 0, done.output
    assert _calendar_reads(with_areas) == 3


def test_a_calendar_from_a_read_only_database_writes_no_file(
    with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read is recorded before the file is written: where the trail cannot take it,
    no file holds the households' visits."""
    if with_areas.dialect.name != "sqlite":
        pytest.skip("a read-only file database is SQLite's")
    _planned(with_areas, tmp_path)
    with with_areas.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with_areas.dispose()
    path = with_areas.url.database
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    get_settings.cache_clear()
    out = tmp_path / "v1.ics"
    try:
        result = CliRunner().invoke(
            app, ["visits", "calendar", "--visitor", "V1", "--out", str(out)]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "attempt to write a readonly database" in result.output
    assert not out.exists()
