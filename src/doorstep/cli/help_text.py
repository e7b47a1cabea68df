"""Command help as paragraphs the terminal wraps, not as the source's line breaks.

Typer's Rich help keeps every line break of a docstring after its first paragraph, so help
wrapped at the source's line length came out ragged in an 80-column terminal ("... over" /
"every" / "eligible pair ..."). Each prose paragraph becomes one line here; a paragraph with an
indented or bulleted line (a table of columns, a list) keeps its lines as written.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import typer

_LIST_ITEM = re.compile(r"^(\s|[-*•] |\d+[.)] |\x08)")


def reflow(text: str) -> str:
    """Join each prose paragraph of ``text`` into one line."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if _keeps_lines(p) else " ".join(p.split("\n")) for p in paragraphs)


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
