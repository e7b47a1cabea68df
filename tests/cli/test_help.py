"""Every command explains itself and ends its help with an example."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from doorstep.cli.main import app


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, cmd: Any) -> None:
        if hasattr(cmd, "commands"):  # a group (typer may vendor its own click)
            if (
                prefix
                and cmd.callback is not None
                and getattr(cmd, "invoke_without_command", False)
            ):
                out.append((prefix, cmd))
            for name, sub in cmd.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
        else:
            out.append((prefix, cmd))

    walk("", root)
    return out


@pytest.mark.parametrize(
    ("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_help_ends_with_an_example(name: str, command: Any) -> None:
    doc = (command.help or "").strip()
    last = [ln.strip() for ln in doc.splitlines() if ln.strip()]
    examples = [ln for ln in last if ln.startswith("Example: doorstep ")]
    assert examples, f"`doorstep {name}` has no 'Example: doorstep ...' line"
    assert examples[-1].removeprefix("Example: doorstep ").startswith(name.split(" ")[0])


def test_help_runs_for_the_whole_tool() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "import" in result.output and "demo" in result.output


def _groups() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = [("", root)]
    for name, sub in root.commands.items():  # type: ignore[attr-defined]
        if hasattr(sub, "commands") and not getattr(sub, "invoke_without_command", False):
            out.append((name, sub))
    return out


@pytest.mark.parametrize(
    ("name", "group"), _groups(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_group_help_has_an_example(name: str, group: Any) -> None:
    lines = [ln.strip() for ln in (group.help or "").splitlines()]
    examples = [ln for ln in lines if ln.startswith("Example: doorstep ")]
    assert examples, f"`doorstep {name} --help` has no 'Example: doorstep ...' line"
    assert examples[-1].removeprefix("Example: doorstep ").startswith(name)


#: Options that name a file a command reads, and those that name one it writes.
_READS = ("--pairings", "--visitors", "--households")
_WRITES = ("--out", "--compliance", "--chart")


@pytest.mark.parametrize(
    ("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_no_help_example_writes_over_a_file_it_reads(name: str, command: Any) -> None:
    # `plan`'s example wrote --out v.csv over its own --visitors v.csv, which the command
    # refuses: copied from --help, it failed.
    for line in (command.help or "").splitlines():
        words = line.strip().removeprefix("Example: ").split()
        pairs = list(itertools.pairwise(words))
        reads = {value for flag, value in pairs if flag in _READS}
        writes = {value for flag, value in pairs if flag in _WRITES}
        assert not reads & writes, f"`doorstep {name}` example: {line.strip()}"
