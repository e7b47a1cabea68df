"""Command help as paragraphs the terminal wraps, not as the source's line breaks.

Typer's Rich help keeps every line break of a docstring after its first paragraph, so help
wrapped at the source's line length came out ragged in an 80-column terminal ("... over" /
"every" / "eligible pair ..."). Each prose paragraph becomes one line here; a paragraph with an
indented or bulleted line (a table of columns, a list) keeps its lines as written. Runs of blank
lines count as one, and indented rows split by blank lines (as Click's plain help needed them)
join into one table, so `doorstep import --help` does not print its columns double-spaced.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import typer

_LIST_ITEM = re.compile(r"^(\s|[-*•] |\d+[.)] |\x08)")
_INDENTED = re.compile(r"^\s+\S")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


def reflow(text: str) -> str:
    """Join each prose paragraph of ``text`` into one line."""
    paragraphs: list[str] = []
    for p in _BLANK_LINES.split(inspect.cleandoc(text)):
        if paragraphs and _is_rows(p) and _is_rows(paragraphs[-1]):
            paragraphs[-1] += "\n" + p
        elif p.strip():
            paragraphs.append(p)
    return "\n\n".join(p if _keeps_lines(p) else " ".join(p.split("\n")) for p in paragraphs)


def _is_rows(paragraph: str) -> bool:
    return all(_INDENTED.match(line) for line in paragraph.split("\n"))


def _keeps_lines(paragraph: str) -> bool:
    return any(_LIST_ITEM.match(line) for line in paragraph.split("\n"))


def reflow_app(app: typer.Typer) -> None:
    """Give every command and group of ``app`` (recursively) its docstring, reflowed, as help.

    Help set explicitly (``help=...``) is left alone.
    """
    callback = app.registered_callback
    if callback is not None and not isinstance(callback.help, str):
        callback.help = _doc(callback.callback)
    for command in app.registered_commands:
        if command.help is None:
            command.help = _doc(command.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            reflow_app(group.typer_instance)


def _doc(function: Callable[..., Any] | None) -> str | None:
    doc = inspect.getdoc(function) if function is not None else None
    return reflow(doc) if doc else None
