"""A usage error (an unknown option, a value of the wrong type, a missing argument) is one
red line and a hint, exit 2, like every other Doorstep error: never a Rich box."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (
            ["pair", "--max-km", "abc"],
            "error: Invalid value for '--max-km': ",
            "Try 'doorstep pair --help' for help.",
        ),
        (["--bogus"], "error: No such option: --bogus", "Try 'doorstep --help' for help."),
        (
            ["household", "erase", "H1", "--yes", "--extra"],
            "error: No such option: --extra",
            "Try 'doorstep household erase --help' for help.",
        ),
        (
            ["household", "export"],
            "error: Missing argument 'household'.",
            "Try 'doorstep household export --help' for help.",
        ),
        (["nosuch"], "error: No such command 'nosuch'.", "Try 'doorstep --help' for help."),
        (
            ["pair", "--area"],
            "error: Option '--area' requires an argument.",
            "Try 'doorstep pair --help' for help.",
        ),
        (
            ["household", "export", "H1", "--out"],
            "error: Option '--out' requires an argument.",
            "Try 'doorstep household export --help' for help.",
        ),
        (
            ["export", "nosuch", "x.csv"],
            "error: Invalid value for 'entity': 'nosuch' is not one of 'areas', ",
            "Try 'doorstep export --help' for help.",
        ),
        (
            ["report", "--by", "week"],
            "error: Invalid value for '--by': 'week' is not one of 'area', 'month', ",
            "Try 'doorstep report --help' for help.",
        ),
    ],
    ids=[
        "not-a-number",
        "unknown-top-option",
        "unknown-option",
        "missing-argument",
        "command",
        "option-value",
        "subcommand-option-value",
        "argument-choice",  # without pydantic's "Value error, " before the reason
        "option-choice",
    ],
)
def test_a_usage_error_is_one_line_and_a_hint_with_exit_code_2(
    args: list[str], error: str, hint: str
) -> None:
    result = CliRunner().invoke(app, args, prog_name="doorstep")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(error)
    assert lines[1] == hint


def test_a_long_usage_error_stays_one_line_however_narrow_the_terminal() -> None:
    result = CliRunner().invoke(
        app, ["pair", "--max-km", "abc"], prog_name="doorstep", env={"COLUMNS": "40"}
    )
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 2, result.stderr


def test_no_arguments_still_print_the_help() -> None:
    result = CliRunner().invoke(app, [], prog_name="doorstep")
    assert "Usage: doorstep" in result.output
    assert "error:" not in result.output
