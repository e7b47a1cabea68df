"""Row-level import errors and the report that names them."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from doorstep.errors import InvalidInput
from doorstep.say import Said, Say
from doorstep.services.importing.columns import IMPORTS
from doorstep.services.importing.formulas import FORMULA_STARTS

SHOWN_ON_SCREEN = 50


@dataclass(frozen=True, slots=True, order=True)
class RowError:
    """One problem: ``row`` counts the header as row 1, as a spreadsheet does.

    ``redacted`` is the reason without the file's data it quotes (another cell's value, the
    codes not known), for the errors file of a file about people; empty when it quotes none.
    ``says``: the reason as a :class:`~doorstep.say.Say`, which a page shows in its language
    (``reason`` is its English); ``None``: English only. Made by :meth:`said`.
    """

    row: int
    column: str
    value: str
    reason: str
    redacted: str = ""
    says: Say | None = field(default=None, compare=False)

    @classmethod
    def said(cls, row: int, column: str, value: str, reason: Say, redacted: str = "") -> RowError:
        """An error whose reason is a :class:`~doorstep.say.Say`: its English is ``reason``."""
        return cls(row, column, value, reason.english(), redacted, reason)

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        col = f", column {_column(self.column)}" if self.column else ""
        val = f" (value {_shown(self.value)})" if self.value else ""
        return f"{where}{col}{val}: {self.reason}"


def _shown(value: str, limit: int = 60) -> str:
    """The value quoted, cut short with its length when it is long."""
    if len(value) <= limit:
        return repr(value)
    return repr(value[:limit] + "…") + f" [{len(value)} characters]"


def _column(name: str, limit: int = 60) -> str:
    """A column's name as written when it is short and printable, else as a value is shown
    (quoted, cut short with its length), so that one name cannot fill the screen."""
    return name if len(name) <= limit and name.isprintable() else _shown(name, limit)


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[:limit] + f"… [{len(value)} characters]"


class ImportRejected(InvalidInput):
    """An import that wrote nothing because some rows are wrong.

    ``sheet`` says which sheet of a workbook with several the rows are on (their numbers
    are that sheet's), as the summary of an import that succeeds does.
    """

    def __init__(
        self,
        path: Path,
        errors: list[RowError],
        errors_csv: Path | UnwrittenErrors | None,
        *,
        sheet: str | None = None,
        stale_errors: StaleErrors | None = None,
    ) -> None:
        self.path = path
        self.errors = sorted(errors)
        unwritten = isinstance(errors_csv, UnwrittenErrors)
        self.errors_csv = None if unwritten else errors_csv
        #: Why the errors file could not be written, when it could not.
        self.unwritten = errors_csv if isinstance(errors_csv, UnwrittenErrors) else None
        self.sheet = sheet
        self.stale_errors = stale_errors
        super().__init__(self._message() + (f"\n{stale_errors}" if stale_errors else ""))

    def without_stale_errors_csv(self) -> ImportRejected:
        """This rejection, with the errors file an earlier import of the same file left
        removed when this one wrote none (its errors are not this import's); itself when
        there is none to remove."""
        if self.errors_csv is not None or self.unwritten is not None:
            return self  # written over by this import's own, or tried to be
        stale = remove_stale_errors_csv(self.path)
        if stale is None:
            return self
        return ImportRejected(self.path, self.errors, None, sheet=self.sheet, stale_errors=stale)

    def headline(self) -> str:
        """The message's first line: the file and its one whole-file problem, or how many
        errors it has (the API's answer lists them after it)."""
        return self.said_headline().english()

    def said_headline(self) -> Say:
        """:meth:`headline` as a :class:`~doorstep.say.Say`, for a page to translate (a
        whole-file problem whose reason is English only is a part left in English)."""
        n = len(self.errors)
        file: str | Say = self.path.name
        if self.sheet:
            file = Say("%(file)s (%(sheet)s)", file=self.path.name, sheet=part(self.sheet))
        if n == 1 and self.errors[0].row == 0:
            first = self.errors[0]
            reason = first.reason if first.says is None else first.says
            if self.path.name in first.reason:  # "no such file: PATH" names it already
                return Say("%(reason)s; nothing was imported", reason=reason)
            return Say(
                "%(file)s: %(reason)s; nothing was imported",
                file=file,
                reason=reason,
            )
        if n == 1:
            return Say("%(file)s: 1 error; nothing was imported", file=file)
        return Say("%(file)s: %(n)s errors; nothing was imported", file=file, n=n)

    def _message(self) -> str:
        n = len(self.errors)
        head = self.headline()
        if n == 1 and self.errors[0].row == 0:
            return head
        shown = "\n".join(f"  {e}" for e in self.errors[:SHOWN_ON_SCREEN])
        more = ""
        if n > SHOWN_ON_SCREEN:
            more = f"\n  ... and {n - SHOWN_ON_SCREEN} more"
        where = f"\nAll errors: {self.errors_csv}" if self.errors_csv else ""
        if self.unwritten is not None:
            where = f"\n{self.unwritten.describe(n)}"
        return f"{head}\n{shown}{more}{where}"


def errors_csv_path(path: Path) -> Path:
    return path.with_name(path.name + ".errors.csv")


@dataclass(frozen=True, slots=True)
class StaleErrors:
    """The errors file an earlier import of a file left beside it, found by an import of
    the same file that writes none (it succeeded, or failed before reading any row): those
    errors are not this file's any more. ``problem`` says why it could not be removed;
    empty when it was."""

    path: Path
    problem: str = ""

    def __str__(self) -> str:
        if not self.problem:
            return f"Removed {self.path}: it listed the errors of an earlier import."
        return (
            f"{self.path} lists the errors of an earlier import but could not be removed "
            f"({self.problem}); delete it."
        )


def remove_stale_errors_csv(path: Path) -> StaleErrors | None:
    """Remove the errors file an import of ``path`` writes, left by an earlier one; ``None``
    when there is none (or ``path`` names no file: ``.``, an empty argument)."""
    if not path.name:
        return None
    target = errors_csv_path(path)
    try:
        target.unlink()
    except FileNotFoundError:
        return None
    except OSError as exc:  # a folder not writable, or a folder of that name
        return StaleErrors(target, exc.strerror or str(exc))
    return StaleErrors(target)


@dataclass(frozen=True, slots=True)
class UnwrittenErrors:
    """The errors file that could not be written (a full disk, a file size limit, a folder
    not writable): ``problem`` says why, and ``left`` whether a file of that name is still
    there (an earlier import's, or the part of this one's that could not be removed)."""

    path: Path
    problem: str
    left: bool = False

    def describe(self, n: int) -> str:
        """What the user is told: the errors past those on screen are not anywhere."""
        lost = (
            f"; only the first {SHOWN_ON_SCREEN} of the {n} errors are listed above"
            if n > SHOWN_ON_SCREEN
            else ""
        )
        left = f"; {self.path} there is not this import's list: delete it" if self.left else ""
        return f"The errors file {self.path} could not be written ({self.problem}){lost}{left}."


def _inert(text: str) -> str:
    """A value from the user's file as a spreadsheet shows it without running it: the
    errors file is opened in one, and a bad cell may be a formula (``=HYPERLINK(...)``)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_errors_csv(path: Path, errors: list[RowError], *, people: bool) -> Path | UnwrittenErrors:
    """Write every error beside the input, or say why it could not be (a part written
    is removed: a list cut short would pass for all the errors).

    The file lies outside the database, where erasing a household never reaches and its
    export never looks: for a file about ``people`` (households, visitors, indicators) it
    names the row, the column and the reason, and copies no value from the file."""
    target = errors_csv_path(path)
    opened = False
    try:
        with target.open("w", newline="", encoding="utf-8") as fh:
            opened = True
            w = csv.writer(fh)
            w.writerow(["row", "column", "value", "reason"])
            for e in sorted(errors):
                w.writerow(
                    [
                        e.row,
                        _inert(_shorten(_column_named(e.column, people), 200)),
                        "" if people else _inert(_shorten(e.value, 200)),
                        (e.redacted or e.reason) if people else e.reason,
                    ]
                )
    except OSError as exc:
        problem = exc.strerror or str(exc)
        if opened:
            try:
                target.unlink()
            except OSError:
                return UnwrittenErrors(target, problem, left=True)
            return UnwrittenErrors(target, problem)
        return UnwrittenErrors(target, problem, left=target.exists())
    return target


# Every column name an import knows: in a file about people, any other "column" may be a
# value (a file without its header row has its first row read as the header).
_KNOWN_COLUMNS = frozenset(name for schema in IMPORTS.values() for name in schema.names)


def _column_named(column: str, people: bool) -> str:
    """``column`` as the errors file names it: in a file about people only a known column's
    name, since an unknown one may be the first row's data read as a header."""
    return column if not people or column in _KNOWN_COLUMNS else ""


def write_unread_errors_csv(path: Path, errors: list[RowError]) -> Path | UnwrittenErrors:
    """The errors file of a file not read yet: whether it is about people is not known, so
    it is written as one that is (no values copied)."""
    return write_errors_csv(path, errors, people=True)


def file_error(path: Path, reason: str | Say) -> ImportRejected:
    """A whole-file problem (missing, unreadable, empty...)."""
    if isinstance(reason, Say):
        return ImportRejected(path, [RowError.said(0, "", "", reason)], None)
    return ImportRejected(path, [RowError(0, "", "", reason)], None)


#: Why a column is refused that the header names twice.
TWICE = Say("the column appears twice")


def column_twice(path: Path, name: str) -> ImportRejected:
    return ImportRejected(path, [RowError.said(1, name, "", TWICE)], None)


def part(text: str) -> str | Say:
    """``text`` as a part of a sentence: its :class:`~doorstep.say.Say` when it is a
    :class:`~doorstep.say.Said` (a workbook's sheet, described), else the text itself."""
    return text.says if isinstance(text, Said) else text


def one_line(exc: BaseException) -> str:
    """An exception's message on one line: its first non-empty line, as the user can act
    on it (fastexcel and polars add lines of context and advice)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


#: The largest whole number below which a 64-bit float (every XLSX number, a Parquet
#: ``double``) holds each whole number exactly: 2**53 + 1 is stored as 2**53.
MAX_EXACT_WHOLE = 2**53 - 1


def inexact_number(row: int, column: str, value: str, advice: Say) -> RowError:
    """A whole number stored as a float beyond :data:`MAX_EXACT_WHOLE`: it may not be the
    number typed (an id 1 higher reads the same), so it is refused rather than guessed."""
    return RowError.said(
        row,
        column,
        value,
        Say(
            "a floating-point number beyond %(most)s (2^53 - 1) is held rounded, so this may "
            "not be the number typed; %(advice)s",
            most=f"{MAX_EXACT_WHOLE:,}",
            advice=advice,
        ),
    )
