"""Fixtures of the storage tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from doorstep.storage.session import make_engine
from tests.conftest import new_database_clause, pg_admin


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    server = make_engine(request.getfixturevalue("postgres_url"), isolation_level="AUTOCOMMIT")
    name = f"doorstep_new_{uuid.uuid4().hex[:12]}"
    with pg_admin() as admin:
        admin.execute(f"CREATE DATABASE {name}" + new_database_clause(admin))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()
