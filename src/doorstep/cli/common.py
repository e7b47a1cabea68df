"""Helpers shared by every command: consoles, error rendering, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from doorstep.errors import DoorstepError

# Ids, names and codes are the user's data: a household id like "[red]h2" or "a:cat:" must
# print as typed, so neither console reads Rich markup or emoji codes in what it prints
# (tables included). Styles are given as objects instead (see ``fail``).
console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print one red line on stderr and return the exit to raise."""
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Render a :class:`DoorstepError` as one red line and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DoorstepError as exc:
            raise fail(exc.message, code=2 if exc.status == 422 else 1) from None

    return wrapper


def progress(*, quiet: bool = False) -> Progress:
    """A Rich progress bar on stderr; silent when ``quiet`` or stderr is not a terminal."""
    return Progress(
        # Descriptions name files and areas: plain text, not markup.
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or not sys.stderr.isatty(),
        transient=False,
    )


class StageBar:
    """Adapts a Rich progress bar to the engine's and services' progress protocol: each
    stage a bar of its own, the last one filled when the next starts."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def stage(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.task = self.bar.add_task(name, total=max(total, 1))

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)
