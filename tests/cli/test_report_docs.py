"""The README's report examples run, as typed, on the village demo it builds."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.demo import generate
from doorstep.services.demo import load_demo
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke

ROOT = Path(__file__).resolve().parents[2]


def _examples() -> list[list[str]]:
    tour = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    lines = [ln.split("  #")[0].strip() for ln in tour[1].splitlines()]
    return [
        shlex.split(ln.removeprefix(".venv/bin/doorstep "))
        for ln in lines
        if ln.startswith((".venv/bin/doorstep report", ".venv/bin/doorstep stats --area"))
    ]


def test_the_readme_has_report_examples() -> None:
    assert [args[0] for args in _examples()] == ["stats", "report"]


@pytest.mark.parametrize("args", _examples(), ids=lambda a: " ".join(a))
def test_a_readme_report_example_runs_on_the_village_demo(
    cli: Invoke,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    with unit_of_work(engine) as s:
        load_demo(s, generate(preset="village", seed=1), actor="test")
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.exit_code == 0, result.output
    for flag in ("--out", "--chart"):
        if flag in args:
            written = tmp_path / args[args.index(flag) + 1]
            assert written.stat().st_size > 0
