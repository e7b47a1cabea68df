"""An output option that names a folder (``--out results/``), existing or not, is refused
before any work, where a file named ``results`` was written after the solve."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.conftest import Invoke
from tests.factories.pair_files import pair_files
from tests.factories.visits import PLAN_START, two_by_two

runner = CliRunner()

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,27.0,107.0,zh\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.001,107.0,zh,1\n"
PAIRS = "household_id,visitor_id,distance_m,reason\nh1,v1,111,\n"


def _refused(args: list[str]) -> str:
    """The one line of a refusal (exit 2) that printed no summary: nothing was solved."""
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "{" not in result.stdout
    return result.output.strip()


@pytest.mark.parametrize(
    ("given", "example"),
    [
        ("results/", "results/pairs.csv"),
        ("results/.", "results/pairs.csv"),
        ("deep/results//", "deep/results/pairs.csv"),
    ],
)
def test_pair_refuses_an_out_that_ends_in_a_separator_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str, example: str
) -> None:
    monkeypatch.chdir(tmp_path)
    h, v = pair_files(tmp_path, HOUSEHOLDS, VISITORS)
    args = ["pair", "--households", str(h), "--visitors", str(v), "--out", given, "-q"]
    assert _refused([*args, "--workers", "1"]) == (
        f"error: --out {given} names a folder; give a file name, e.g. {example}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "v.csv"]


def test_pair_still_writes_an_out_in_a_folder_it_creates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    h, v = pair_files(tmp_path, HOUSEHOLDS, VISITORS)
    args = ["pair", "--households", str(h), "--visitors", str(v), "--out", "results/pairs.csv"]
    result = runner.invoke(app, [*args, "-q", "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "pairs.csv").read_text().splitlines()[1] == "h1,v1,111,"


@pytest.mark.parametrize(
    ("option", "given", "example"),
    [("--out", "visits/", "visits/visits.csv"), ("--compliance", "unmet/", "unmet/unmet.csv")],
)
def test_plan_file_mode_refuses_an_output_that_ends_in_a_separator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, given: str, example: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pairs.csv").write_text(PAIRS)
    (tmp_path / "v.csv").write_text(VISITORS)
    args = ["plan", "--pairings", "pairs.csv", "--visitors", "v.csv", "--start", "2027-01-01"]
    assert _refused([*args, option, given, "-q"]) == (
        f"error: {option} {given} names a folder; give a file name, e.g. {example}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv", "v.csv"]


def test_plan_area_mode_refuses_a_compliance_file_that_ends_in_a_separator(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_by_two(with_areas, tmp_path, start=dt.date.fromisoformat(PLAN_START))
    monkeypatch.chdir(tmp_path)
    result = cli("plan", "--area", "R", "--start", PLAN_START, "--compliance", "unmet/", "-q")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "error: --compliance unmet/ names a folder; give a file name, e.g. unmet/unmet.csv"
    )
    assert not (tmp_path / "unmet").exists()


def test_a_visitors_calendar_refuses_an_out_that_ends_in_a_separator(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("visits", "calendar", "--visitor", "V1", "--out", "calendars/")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "error: --out calendars/ names a folder; give a file name, e.g. calendars/V1.ics"
    )
    assert not (tmp_path / "calendars").exists()


@pytest.mark.parametrize(("command", "subject"), [("household", "H1"), ("visitor", "V1")])
def test_a_persons_export_refuses_an_out_that_ends_in_a_separator(
    cli: Invoke,
    with_areas: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    subject: str,
) -> None:
    """Refused before the export is read (and recorded in the trail), where a file named
    ``exports`` holding the person's data was written."""
    two_by_two(with_areas, tmp_path, start=dt.date.fromisoformat(PLAN_START))
    monkeypatch.chdir(tmp_path)
    result = cli(command, "export", subject, "--out", "exports/")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"error: --out exports/ names a folder; give a file name, e.g. exports/{subject}.json"
    )
    assert not (tmp_path / "exports").exists()
