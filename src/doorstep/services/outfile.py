"""Write a file of personal data whole or not at all.

A file that holds people's data must never be on disk without the audit events that name
them. Callers commit those events first and only then write, through :func:`write_whole`:
a crash or a kill mid-write then leaves, at worst, a hidden part file the trail accounts
for, and a write that fails (disk full, a file size limit) leaves nothing at all.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from doorstep.errors import DoorstepError, InvalidInput


def check_out(out: Path, inputs: Sequence[Path] = ()) -> None:
    """Refuse an output path that cannot be written, before the work rather than after it
    (before a solve, an export's reading).

    Missing folders on the way are fine (they are created when writing); an existing folder,
    a path under a file, a folder without write permission or an input file are not.
    """
    if out.is_dir():
        raise InvalidInput(f"--out {out} is a folder; give a file name, e.g. {out / 'pairs.csv'}")
    if out.exists() and any(p.exists() and out.samefile(p) for p in inputs):
        raise InvalidInput(f"--out {out} is one of the input files; give another file name")
    folder = out.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise InvalidInput(f"--out {out}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InvalidInput(f"--out {out}: no permission to write there")


def part_path(path: Path) -> Path:
    """A fresh hidden file beside ``path``, created empty with the mode a new file gets.

    Beside it, so that the final rename stays within one file system and is atomic."""
    folder = path.absolute().parent
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{path.name}.{secrets.token_hex(4)}.part"
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    return part


def write_whole(
    path: Path,
    write: Callable[[Path], object],
    *,
    note: str = "",
) -> None:
    """Have ``write`` fill a part file beside ``path``, then rename it to ``path``.

    Readers see the old file or the whole new one, never part of one. On any failure the
    part file is deleted and a :class:`DoorstepError` (exit 1) says why and that nothing
    was left (then ``note``); ``path`` keeps what it held before.
    """
    part: Path | None = None
    try:
        # A device or a pipe (/dev/stdout, which resolves to no path when it is a pipe) is
        # written as it is, as nothing can be renamed over it.
        if path.exists() and not path.is_file():
            write(path)
            return
        # Through a symbolic link to the file it names (the link stays).
        target = path.resolve()
        part = part_path(target)
        if target.exists():  # a file its owner closed to others stays closed
            os.chmod(part, stat.S_IMODE(target.stat().st_mode))
        write(part)
        part.replace(target)
    except BaseException as exc:
        if part is not None:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
        # polars reports a failed write (a full disk) as its own error, not an OSError.
        if not isinstance(exc, OSError | pl.exceptions.PolarsError):
            raise
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        left = "" if part is None else "; the partial file was deleted"
        raise DoorstepError(f"cannot write {path}: {why}{left}{note}") from None
