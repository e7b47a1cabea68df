"""Settings read from ``DOORSTEP_*`` environment variables."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
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
    # The day the command line and `doorstep serve` take for today (YYYY-MM-DD), for demos,
    # training and the docs' examples, whose story is of fixed days; a command's --today
    # still wins. A live programme never sets it: its days are the machine's date.
    today: dt.date | None = None

    @field_validator("today", mode="before")
    @classmethod
    def _a_day(cls, value: object) -> object:
        """Exactly YYYY-MM-DD, as ``--today`` takes (pydantic would take ``20270101`` too);
        empty is unset."""
        if value in ("", None) or isinstance(value, dt.date):
            return value or None
        text = str(value)
        try:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        raise ValueError(f"DOORSTEP_TODAY is not a date (YYYY-MM-DD): {text!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; tests build their own ``Settings``)."""
    return Settings()
