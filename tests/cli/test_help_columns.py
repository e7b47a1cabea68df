"""`doorstep import --help` prints each file's columns as one table, not double-spaced."""

from __future__ import annotations

from typer.testing import CliRunner

from doorstep.cli.help_text import reflow
from doorstep.cli.main import app


def test_rows_split_by_blank_lines_join_into_one_table() -> None:
    text = "Title.\n\nColumns:\n\n\n\n  code  id\n\n  name  text\n\nProse\nafter."
    assert reflow(text) == "Title.\n\nColumns:\n\n  code  id\n  name  text\n\nProse after."


def test_a_list_after_prose_keeps_its_paragraph_break() -> None:
    text = "Title.\n\nSteps:\n\n  - read\n  - pair"
    assert reflow(text) == text


def test_import_help_lists_the_columns_without_blank_lines_between_them() -> None:
    result = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = [ln.strip() for ln in result.output.splitlines()]
    code = next(i for i, ln in enumerate(lines) if ln.endswith("unique area code"))
    assert lines[code + 1].endswith("area name, any script")
    header = next(i for i, ln in enumerate(lines) if ln.startswith("areas: The area tree"))
    assert lines[header + 1 : header + 3] == ["", lines[code]]
