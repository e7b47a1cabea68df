"""Run a page's ``doorstep`` lines in-process, as a reader types them in a folder of their own.

Each ``doorstep ...`` (or ``.venv/bin/doorstep ...``) runs through Typer's ``CliRunner``
against :data:`doorstep.cli.main.app`, in the current folder, with the environment the page
exported so far (``DOORSTEP_DATABASE_URL`` among it): the same code and exit status as the
console script, without starting Python and importing the package again for every line.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner, Result

from doorstep.config import get_settings
from tests.factories.doc_shell import Line, words

#: The names a page calls the command by.
DOORSTEP = ("doorstep", ".venv/bin/doorstep")

#: The day the docs' story is told on, as every run of it takes for today (``DOORSTEP_TODAY``
#: for the commands, ``create_app(today=...)`` for the API): the pages name fixed days (a plan
#: from 2027-01-04, a pairing committed and its planned visit of 2027-02-17, a project that
#: starts "after today (2026-12-04)"), which hold on that day and no longer once the real
#: date passes them. So the examples run the same on any day, CI's included.
DOCS_DAY = "2026-12-04"

#: The environment a page's shell starts with: its day.
DOCS_ENV = {"DOORSTEP_TODAY": DOCS_DAY}


@dataclass
class Ran:
    """What a line did: its exit status and output, per command of the line."""

    line: Line
    outputs: list[str] = field(default_factory=list)
    skipped: str = ""


@dataclass
class Shell:
    """The page's shell: its environment and the rules of the lines it does not run.

    ``skip`` maps a rule's name to a test of a line's words as written (a synopsis's ``a|b``
    is one word there, not a pipe) and of the lines run before it: a line that matches one
    is not run and is listed, by rule, in :attr:`skipped`.
    """

    env: dict[str, str]
    skip: Mapping[str, Callable[[list[str], list[Ran]], bool]]
    ran: list[Ran] = field(default_factory=list)

    @property
    def skipped(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.ran:
            if r.skipped:
                out.setdefault(r.skipped, []).append(r.line.where())
        return out

    def run(self, line: Line) -> Ran:
        """Run ``line``; an assertion error names it when a command of it fails."""
        ran = Ran(line)
        self.ran.append(ran)
        for rule, matches in self.skip.items():
            if matches(shlex.split(line.text), self.ran[:-1]):
                ran.skipped = rule
                return ran
        argvs = _steps(words(line.text, self.env))
        for argv, out in argvs:
            ran.outputs.append(self._one(line, argv, out))
        return ran

    def _one(self, line: Line, argv: list[str], out: str | None) -> str:
        name = argv[0]
        if name == "export" or re.fullmatch(r"\w+=.*", name):
            for assign in argv[1:] if name == "export" else argv:
                key, _, value = assign.partition("=")
                self.env[key] = value
            return ""
        if name == "cat" and line.heredoc is not None and out:
            Path(out).write_text(line.heredoc, encoding="utf-8")
            return ""
        if name not in DOORSTEP:
            raise AssertionError(f"no rule runs {name!r}: {line.where()}")
        result = self.doorstep(argv[1:])
        assert result.exit_code == 0, (
            f"{line.where()}\nexit {result.exit_code}\n{result.output}\n{result.exception!r}"
        )
        if out:
            Path(out).write_text(result.stdout, encoding="utf-8")
        return result.output

    def doorstep(self, args: list[str]) -> Result:
        """``doorstep ARGS`` in this shell's environment."""
        from doorstep.cli.main import app

        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, args)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            get_settings.cache_clear()


def _steps(ws: list[str]) -> list[tuple[list[str], str | None]]:
    """``a && b > F`` as ``[(a, None), (b, "F")]``; other shell operators are refused."""
    out: list[tuple[list[str], str | None]] = []
    argv: list[str] = []
    target: str | None = None
    it = iter(ws)
    for w in it:
        if w == "&&":
            out.append((argv, target))
            argv, target = [], None
        elif w == ">":
            target = next(it)
        elif set(w) <= set("&|;<>"):
            raise ValueError(f"the docs' runner reads only '&&' and '>', not {w!r}")
        else:
            argv.append(w)
    out.append((argv, target))
    return out
