"""The ``doorstep`` command's entry point, light to import on purpose.

Loading the program's modules (polars, SQLAlchemy, numba...) takes a second or more, longer
on a loaded machine; Ctrl-C meanwhile, or after a command has returned, would end in a
traceback of imports. Caught here, any interrupt ends as one inside a command does: one line
saying what it left (:func:`doorstep.cli.common.interrupted_message`), exit 130.
"""

from __future__ import annotations

import sys

#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130
#: What an interrupt before any command ran left: nothing was done.
NOTHING_DONE = "interrupted: the database is as it was before this command"


def main() -> None:
    """Console-script entry point: the ``doorstep`` app, each interrupt in one line."""
    try:
        from doorstep.cli.main import app

        app()
    except KeyboardInterrupt:
        common = sys.modules.get("doorstep.cli.common")
        said = NOTHING_DONE if common is None else common.interrupted_message()
        sys.stderr.write(f"error: {said}\n")
        raise SystemExit(INTERRUPTED) from None
