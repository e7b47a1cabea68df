"""Helpers shared by every command: consoles, error rendering, progress bars.

Light to import, as every command module imports it (``doorstep --help`` too): what a helper
needs of the services is imported when it runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

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
from typer import _click as click  # Typer's own copy of Click (0.29): its parser raises these
from typer.core import TyperGroup

from doorstep.cli.context import SAVED
from doorstep.cli.entry import INTERRUPTED, NOTHING_DONE
from doorstep.domain.ids import RESERVED_REASON, normal_id, reserved_household_id
from doorstep.errors import DoorstepError, InvalidInput

# Ids, names and codes are the user's data: a household id like "[red]h2" or "a:cat:" must
# print as typed, so neither console reads Rich markup or emoji codes in what it prints
# (tables included). Styles are given as objects instead (see ``fail``).
console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)

P = ParamSpec("P")
R = TypeVar("R")


def id_argument(value: str | None) -> str | None:
    """An id or code given on the command line, as Doorstep compares ids: in Unicode
    normal form C (:mod:`doorstep.domain.ids`), so ``CAFÉ`` typed either way is one id.
    The ``callback`` of every argument and option that names a household, visitor, area
    or team."""
    return None if value is None else normal_id(value)


def client_id_option(value: str | None) -> str | None:
    """A ``--id`` given to an act (a consent act, a referral): a uuid, as a phone gives
    one, in its usual form; given again with the same act, the act is recorded once."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise typer.BadParameter(f"not a uuid: {value!r}") from None


def household_argument(value: str | None) -> str | None:
    """:func:`id_argument` for a household's id, refusing the one no household may have
    (:data:`~doorstep.domain.ids.ERASED_HOUSEHOLD`, the audit trail's word for an erased
    one). Not on `household export|erase`: they reach any household stored, one stored
    under it before imports refused it included."""
    value = id_argument(value)
    if value is not None and reserved_household_id(value.strip()):
        raise typer.BadParameter(RESERVED_REASON)
    return value


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print one red line on stderr and return the exit to raise."""
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


class OneLineUsageErrors(TyperGroup):
    """The ``doorstep`` group: a usage error (an unknown option, ``--max-km abc``, a missing
    argument) is one red line and a hint, exit 2, like every other error, where Typer would
    draw it in a Rich box. Set as the app's ``cls``, so both its parsing and its
    subcommands' (which run inside its ``invoke``) pass through here."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _usage_errors_in_one_line(None):
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[_ARGS] = list(args)
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_errors_in_one_line(ctx):
            return super().invoke(ctx)


_ARGS = "doorstep.args"  # the command line's arguments, kept in the context's meta
#: Typer validates choices with pydantic, whose message of a ValueError starts "Value error, ":
#: "Invalid value for '--by': Value error, 'x' is not one of ..." reads as noise to a user.
_PYDANTIC_PREFIX = re.compile(r"^(Invalid value for '[^']*': )Value error, ")


def _command_named(ctx: click.Context) -> click.Context:
    """The context of the (sub)command the arguments name, for an error raised without one
    (Click's parser says "Option '--area' requires an argument." with no context)."""
    at = ctx
    for arg in ctx.meta.get(_ARGS, []):
        if arg.startswith("-") or not isinstance(at.command, TyperGroup):
            continue
        sub = at.command.get_command(at, arg)
        if sub is None:
            break
        at = click.Context(sub, info_name=arg, parent=at)
    return at


@contextmanager
def _usage_errors_in_one_line(group: click.Context | None) -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:  # no arguments: the help, as asked for
        raise
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        if ctx is None and group is not None:
            ctx = _command_named(group)
        message = _PYDANTIC_PREFIX.sub(r"\1", " ".join(exc.format_message().split()), count=1)
        error = fail(message, code=exc.exit_code)
        if isinstance(ctx, click.Context) and ctx.command.get_help_option(ctx) is not None:
            err_console.print(
                f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.",
                highlight=False,
                soft_wrap=True,
            )
        raise error from None


def interrupted_message() -> str:
    """What Ctrl-C left: before the command's commit, its unit of work was rolled back on
    the way out; during it or after it, its changes are saved (only what it had still to
    print or write to a file is not)."""
    if SAVED.get():
        return "interrupted after this command's changes were saved: the database holds them"
    return NOTHING_DONE


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Render a :class:`DoorstepError` as one red line and a non-zero exit, and say what an
    interrupt (Ctrl-C) left, which Typer would otherwise end in silence."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        SAVED.set(False)
        try:
            return func(*args, **kwargs)
        except DoorstepError as exc:
            raise fail(exc.message, code=2 if exc.status == 422 else 1) from None
        except OSError as exc:
            # A file the system would not open or make (a name too long, a folder that
            # cannot be read): the file named and the system's reason, not a traceback.
            if exc.filename is None:
                raise
            raise fail(f"{_shortened(str(exc.filename))}: {exc.strerror}") from None
        except (KeyboardInterrupt, SystemError) as exc:
            # Ctrl-C itself needs no import (one that is slow could be interrupted in turn);
            # a SystemError is a compiled kernel's, whose command loaded the services.
            if not isinstance(exc, KeyboardInterrupt):
                from doorstep.privacy.audit import interrupt_behind

                if interrupt_behind(exc) is None:
                    raise
            raise fail(interrupted_message(), code=INTERRUPTED) from None

    return wrapper


def _shortened(name: str, most: int = 80) -> str:
    """``name`` as a red line can show it: its start and end around an ellipsis."""
    return name if len(name) <= most else f"{name[: most // 2]}…{name[-most // 2 :]}"


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(flag: str, text: str) -> dt.date:
    """The date an option names, or bad input naming the option."""
    # Exactly YYYY-MM-DD: Python's fromisoformat also takes 20270101 and 2027-W01-1, which
    # the help and the imports do not promise.
    try:
        if _ISO_DAY.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput(f"{flag} is not a date (YYYY-MM-DD): {text!r}")


def refuse_given(options: dict[str, object], why: str) -> None:
    """Refuse the options of ``options`` that were given (not ``None``): "--out, --explain
    belong to file mode; ``why``"."""
    given = [flag for flag, value in options.items() if value is not None]
    if given:
        verb = "belongs" if len(given) == 1 else "belong"
        raise InvalidInput(f"{', '.join(given)} {verb} to file mode; {why}")


def check_out_file(
    flag: str, path: Path, inputs: Sequence[Path] = (), *, example: str = "out.csv"
) -> None:
    """Refuse an output file that cannot be written, before any work: as ``doorstep pair``
    checks its --out (missing folders on the way are fine: create them when writing).
    ``example`` is the file name suggested when ``path`` is a folder."""
    if path.is_dir():
        raise InvalidInput(f"{flag} {path} is a folder; give a file name, e.g. {path / example}")
    from doorstep.services.outfile import check_out  # light: not the pairing engine

    try:
        check_out(path, inputs)
    except InvalidInput as exc:  # its messages name --out
        raise InvalidInput(exc.message.replace("--out", flag, 1)) from None


#: The metavar of an output option typed ``str`` for :func:`out_file`: as Typer shows a ``Path``.
PATH_METAVAR = "<path>"


def names_a_folder(text: str) -> bool:
    """Whether an output path, as typed, names a folder: it ends in a path separator
    (``results/``) or in ``.`` or ``..``. A ``Path`` forgets the first two
    (``Path("results/")`` is ``results``), so this must see the text itself."""
    separators = tuple(s for s in (os.sep, os.altsep) if s)
    return text.endswith(separators) or os.path.basename(text) in (".", "..")


def out_file(
    flag: str, text: str, inputs: Sequence[Path] = (), *, example: str = "out.csv"
) -> Path:
    """The output file an option names (as typed: see :func:`names_a_folder`), refused
    before any work when it names a folder, whether or not the folder exists yet (a file
    ``results`` would be written for ``results/``), or cannot be written
    (:func:`check_out_file`). Options that use it are typed ``str``: Typer's ``Path``
    would have dropped the separator already."""
    if names_a_folder(text):
        raise InvalidInput(
            f"{flag} {text} names a folder; give a file name, e.g. {Path(text) / example}"
        )
    path = Path(text)
    check_out_file(flag, path, inputs, example=example)
    return path


def check_out_dir(flag: str, path: Path) -> None:
    """Refuse an output folder that cannot be written, before any work (a missing one is
    made when writing)."""
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{flag} {path} is a file; give a folder")
    folder = path.absolute()
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise InvalidInput(f"{flag} {path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"{flag} {path}: no permission to write there")


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


def say_if_compiling(ready: bool, engine: str, *, quiet: bool = False) -> None:
    """Before a run whose kernels are not compiled on this machine yet (``ready`` false),
    say why it is slow to start, where the progress bar would show (a terminal, not
    ``quiet``): a village's first pairing takes half a minute of compiling and a second of
    pairing, and the bar alone sat still with no reason given."""
    if ready or quiet or not sys.stderr.isatty():
        return
    err_console.print(
        f"The {engine} runs here for the first time (or since an upgrade): it is compiled "
        "for this machine first, once, which takes about half a minute.",
        style="dim",
        markup=False,
        highlight=False,
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


#: Nouns whose singular is not the plural less its last letter.
_SINGULAR = {
    "leave": "leave period",
    "leave periods": "leave period",
    "attendance": "attendance row",
    "activities": "activity",
    "project_households": "project household",
}
_PLURAL = {
    "leave": "leave periods",
    "attendance": "attendance rows",
    "project_households": "project households",
}


def count(n: int, noun: str) -> str:
    """``n`` with the plural ``noun`` agreeing with it, thousands separated: ``1 team``,
    ``20,000 households``, ``2 leave periods`` (as every table of counts prints them)."""
    if n == 1:
        word = _SINGULAR.get(noun, noun[:-1] if noun.endswith("s") else noun)
    else:
        word = _PLURAL.get(noun, noun)
    return f"{n:,} {word}"
