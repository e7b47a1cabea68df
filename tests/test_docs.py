"""The docs say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from doorstep.services.importing.columns import markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_starts_with_the_two_commands_a_newcomer_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    assert lines[:2] == ["make run", "make test"]


def test_readme_lists_the_import_columns_the_code_validates() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = text.split("<!-- columns:start -->\n")[1].split("<!-- columns:end -->")[0]
    assert inside == markdown()


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
