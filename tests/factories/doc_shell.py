"""The ``sh`` blocks of a Markdown page, read as the commands a reader types.

A test runs what the docs show (``tests/test_docs_run.py``, ``tests/api/test_docs_curl.py``),
so editing a page changes what is run. This reads the small part of the shell the pages use:
comments, a command continued with a backslash, ``a && b``, ``export VAR=value`` and
``VAR=value``, ``$VAR``, ``> FILE`` and a ``cat > FILE <<'END'`` here-document. Anything
else is refused by name, so a page that starts using more of the shell fails here first.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


@dataclass(frozen=True)
class Line:
    """One command line of a page, as typed, and where it is."""

    page: str
    number: int  # the page's line number of its first line
    text: str  # the command as written, continuations joined, comment dropped
    comment: str  # what follows ``#``, if anything
    heredoc: str | None = None  # the here-document's body, for ``cat > FILE <<'END'``

    def where(self) -> str:
        return f"{self.page}:{self.number}: {self.text}"


def blocks(path: Path) -> list[list[Line]]:
    """Each ``sh`` block of ``path`` as its command lines."""
    text = path.read_text(encoding="utf-8")
    out = []
    for match in SH_BLOCK.finditer(text):
        first = text.count("\n", 0, match.start(1)) + 1
        out.append(_lines(path.name, first, match.group(1)))
    return out


def _lines(page: str, first: int, body: str) -> list[Line]:
    raw = body.splitlines()
    lines: list[Line] = []
    i = 0
    while i < len(raw):
        number, text = first + i, raw[i]
        while text.endswith("\\") and i + 1 < len(raw):
            i += 1
            text = text[:-1] + " " + raw[i].strip()
        i += 1
        command, comment = _split_comment(text)
        if not command:  # a comment of its own, or the output the page shows
            continue
        heredoc = None
        end = re.search(r"<<\s*'?(\w+)'?\s*$", command)
        if end:
            tag, body_lines = end.group(1), []
            while i < len(raw) and raw[i] != tag:
                body_lines.append(raw[i])
                i += 1
            i += 1  # the closing tag
            heredoc = "\n".join(body_lines) + "\n"
            command = command[: end.start()].strip()
        lines.append(Line(page, number, command, comment, heredoc))
    return lines


def _split_comment(text: str) -> tuple[str, str]:
    """The command and its comment: a ``#`` after a space, outside quotes, starts one."""
    quote = ""
    for k, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or text[k - 1].isspace()):
            return text[:k].strip(), text[k + 1 :].strip()
    return text.strip(), ""


def words(command: str, env: dict[str, str]) -> list[str]:
    """The command's words, ``$VAR`` and ``${VAR}`` replaced outside single quotes."""
    parts = re.split(r"('[^']*')", command)
    expanded = "".join(p if p.startswith("'") else _expand(p, env) for p in parts)
    lexer = shlex.shlex(expanded, posix=True, punctuation_chars="&|;<>")
    lexer.whitespace_split = True
    return list(lexer)


def _expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), text)
