from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from doorstep.cli.main import app
from doorstep.config import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run ``doorstep ...`` in-process against the test database."""
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()
