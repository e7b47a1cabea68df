"""``doorstep db``: the database schema."""

from __future__ import annotations

import typer

from doorstep.cli.common import console, handle_errors
from doorstep.cli.context import (
    check_known_revision,
    database_errors,
    database_url,
    engine,
    shown_url,
)

app = typer.Typer(
    help="Manage the database schema.\n\nExample: doorstep db upgrade", no_args_is_help=True
)


@app.command("upgrade")
@handle_errors
def upgrade_cmd() -> None:
    """Create or upgrade the database schema to the latest revision.

    Uses DOORSTEP_DATABASE_URL, or the embedded SQLite file var/doorstep.db.

    Example: doorstep db upgrade
    """
    from doorstep.storage.migrate import current_revision, upgrade

    url = database_url()
    eng = engine(migrate=False)
    with database_errors(url):
        check_known_revision(eng, url)
        upgrade(eng)
        revision = current_revision(eng)
    console.print(f"Database {shown_url(url)} is at revision {revision}.")
