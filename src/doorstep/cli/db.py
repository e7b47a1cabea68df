"""``doorstep db``: the database schema."""

from __future__ import annotations

import typer

from doorstep.cli.common import console, handle_errors
from doorstep.cli.context import database_errors, engine, shown_url
from doorstep.config import get_settings
from doorstep.errors import DoorstepError
from doorstep.storage.migrate import current_revision, known_revision, upgrade

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
    url = get_settings().database_url
    eng = engine(migrate=False)
    with database_errors(url):
        current = current_revision(eng)
        if current is not None and not known_revision(eng, current):
            raise DoorstepError(
                f"the database {shown_url(url)} is at schema revision {current}, which this "
                "version of doorstep does not know (made by a newer one?)"
            )
        upgrade(eng)
        revision = current_revision(eng)
    console.print(f"Database {shown_url(url)} is at revision {revision}.")
