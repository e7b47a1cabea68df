"""``pair --explain`` on a terminal narrower than its lines wraps them between words, each
part after the first indented under its start, where the terminal cut a word (an id, a
distance) wherever the width ended; on a wide terminal and in a pipe each line stays
one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from doorstep.cli import pair as pair_cli
from doorstep.cli.main import app
from tests.factories.pair_files import pair_files

HOUSEHOLD = "HH-GUIZHOU-ZUNYI-0001234"
VISITOR = "VIS-GUIZHOU-ZUNYI-0042"


def _explained(tmp_path: Path, household: str) -> list[str]:
    """The lines ``--explain household`` prints (not the JSON summary)."""
    h, v = pair_files(
        tmp_path,
        f"household_id,lat,lon,languages\n{HOUSEHOLD},27.000,107.0,zh\nh3,27.002,107.0,\n",
        f"visitor_id,lat,lon,languages,capacity\n{VISITOR},27.001,107.0,zh,3\n"
        "v2,27.010,107.0,fr,2\n",
    )
    args = ["pair", "--households", str(h), "--visitors", str(v), "-q", "--workers", "1"]
    result = CliRunner().invoke(app, [*args, "--explain", household])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[:-1]


def _on_terminal(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    """The command's output goes to a terminal ``columns`` wide."""
    terminal = Console(
        width=columns, force_terminal=True, color_system=None, markup=False, emoji=False
    )
    monkeypatch.setattr(pair_cli, "console", terminal)


@pytest.mark.parametrize("household", [HOUSEHOLD, "h3"])
def test_a_narrow_terminal_gets_each_line_wrapped_between_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, household: str
) -> None:
    whole = _explained(tmp_path, household)
    _on_terminal(monkeypatch, 60)
    wrapped = _explained(tmp_path, household)
    assert all(len(line) <= 60 for line in wrapped), wrapped
    assert " ".join(" ".join(wrapped).split()) == " ".join(" ".join(whole).split())
    # Each fact begins where it did; what it goes on with is indented under it.
    heads = [w for w in wrapped if not w.startswith("    ")]
    assert len(heads) == len(whole)
    assert all(line.startswith(head) for line, head in zip(whole, heads, strict=True))
    if household == HOUSEHOLD:
        assert wrapped[:2] == [f"{HOUSEHOLD}: visitor {VISITOR}", "    at 0.11 km"]


def test_a_wide_terminal_and_a_pipe_get_one_line_a_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = _explained(tmp_path, "h3")
    assert piped == [
        "h3: unpaired (no shared language)",
        f"  {VISITOR}: 0.11 km, caseload 1, capacity 3, places left 2 - not chosen: no shared "
        "language",
        "  v2: 0.89 km, caseload 0, capacity 2, places left 2 - not chosen: no shared language",
    ]
    _on_terminal(monkeypatch, 120)
    assert _explained(tmp_path, "h3") == piped
    assert _explained(tmp_path, HOUSEHOLD)[0] == f"{HOUSEHOLD}: visitor {VISITOR} at 0.11 km"
