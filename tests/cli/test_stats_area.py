"""`doorstep stats --area`: the counts of one area's subtree, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.factories.report import small_programme


def test_stats_of_an_area_count_its_subtree(cli: Invoke, engine: Engine, tmp_path: Path) -> None:
    small_programme(engine, tmp_path)
    before = last_event_id(engine)
    result = cli("stats", "--area", "R-C-V2")
    assert result.exit_code == 0, result.output
    assert "Summary of area R-C-V2" in result.output
    lines = {" ".join(ln.strip("│ ").split()) for ln in result.output.splitlines()}
    assert "Households │ 2" in lines
    assert "with consent │ 1 (50.0%)" in lines
    assert "Active pairings │ 1" in lines
    assert trail(engine, before) == [("read", "summary", None, {"area": "R-C-V2"})]


def test_stats_of_an_unknown_area_is_one_red_line(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    small_programme(engine, tmp_path)
    result = cli("stats", "--area", "NOPE")
    assert result.exit_code == 1
    assert result.output == "error: no area with code 'NOPE'\n"
