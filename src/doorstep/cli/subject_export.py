"""A person's own export (a household's or a visitor's) printed, or written as a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from doorstep.cli.common import console, count


def deliver(data: dict[str, Any], out: Path | None, subject: str) -> None:
    """Print the export's JSON, or write it to ``out`` whole.

    Called after the export's transaction has committed: a file of a person's data is never
    on disk without the audit event that names it (a write that fails leaves no file, and
    the command records the export as failed)."""
    from doorstep.services.outfile import write_whole
    from doorstep.services.rights_json import export_text

    text = export_text(data)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_whole(
        out,
        lambda part: part.write_text(text, encoding="utf-8"),
        note=" (the audit trail records the export as failed)",
    )
    rows = sum(len(r) for r in data["records"].values())
    console.print(f"Wrote {count(rows, 'records')} about {subject} to {out}.")
