"""Help prose is reflowed to the terminal; tables and lists keep their lines."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from doorstep.cli.help_text import reflow, reflow_app
from doorstep.cli.main import app


def test_a_prose_paragraph_becomes_one_line() -> None:
    text = "Title.\n\n    Pairs as many as\n    possible, over every\n    eligible pair.\n"
    assert reflow(text) == "Title.\n\nPairs as many as possible, over every eligible pair."


def test_indented_rows_and_lists_keep_their_lines() -> None:
    table = "Columns:\n  code   id   required\n  name   text required"
    bullets = "Steps:\n- read\n- pair"
    numbered = "Steps:\n1. read\n2. pair"
    for paragraph in (table, bullets, numbered):
        assert reflow(f"Title.\n\n{paragraph}") == f"Title.\n\n{paragraph}"


def test_explicit_help_is_left_alone() -> None:
    sub = typer.Typer()

    @sub.command(help="Kept\nas given.")
    def kept() -> None: ...

    @sub.command()
    def joined() -> None:
        """Title.

        Two
        lines.
        """

    reflow_app(sub)
    assert [c.help for c in sub.registered_commands] == ["Kept\nas given.", "Title.\n\nTwo lines."]


def test_the_pair_help_is_not_cut_at_the_source_line_ends() -> None:
    result = CliRunner().invoke(app, ["pair", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "over every eligible pair (shared language, within --max-km)" in result.output
