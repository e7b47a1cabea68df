"""Alembic environment: uses the engine handed in by ``doorstep.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from doorstep.config import get_settings
from doorstep.storage import tables  # noqa: F401  (fills Base.metadata)
from doorstep.storage.base import Base
from doorstep.storage.session import WRITER, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(get_settings().database_url)
    # One transaction for real, with SQLite's writer's lock from its start (``WRITER``): were
    # each CREATE TABLE to commit alone, a migration interrupted on a new file would leave
    # tables without a revision, which every later start then failed to create again
    # ("table areas already exists"). ``PRAGMA foreign_keys`` is a no-op inside it.
    with engine.execution_options(**{WRITER: True}).begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
