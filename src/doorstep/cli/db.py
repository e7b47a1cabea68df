"""``doorstep db``: the database schema."""

from __future__ import annotations

import typer

from doorstep.cli.common import console
from doorstep.cli.context import engine
from doorstep.config import get_settings
from doorstep.storage.migrate import current_revision, upgrade

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Create or upgrade the database schema to the latest revision.

    Uses DOORSTEP_DATABASE_URL, or the embedded SQLite file var/doorstep.db.

    Example: doorstep db upgrade
    """
    eng = engine(migrate=False)
    upgrade(eng)
    url = get_settings().database_url
    shown = eng.url.render_as_string(hide_password=True) if "@" in url else url
    console.print(f"Database {shown} is at revision {current_revision(eng)}.")
