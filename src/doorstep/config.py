"""Settings read from ``DOORSTEP_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "doorstep.db"
#: SQLite's busy timeout unless set (a refusal for a busy writer names the engine's:
#: :func:`doorstep.storage.session.writer_busy`).
BUSY_TIMEOUT_MS = 10_000


class Settings(BaseSettings):
    """Process-wide settings; every field can be set as ``DOORSTEP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    # Rows handed to the database per batch on bulk import: big enough to amortise
    # round trips, small enough to keep memory flat at 1.69M rows.
    import_batch_rows: int = 50_000
    # The largest file the API and the web app take (MiB); `doorstep import` has no bound.
    # A region's households as CSV are about 200 MiB.
    max_upload_mb: int = 1024
    # How long a SQLite command or request waits for another's writer's lock (or a
    # checkpoint for readers) before it is told to try again (ms), which the refusal names;
    # the tests shorten it where they wait it out on purpose.
    sqlite_busy_timeout_ms: int = BUSY_TIMEOUT_MS


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; tests build their own ``Settings``)."""
    return Settings()
