"""Alembic environment: uses the engine handed in by ``doorstep.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from doorstep.config import get_settings
from doorstep.storage import tables  # noqa: F401  (fills Base.metadata)
from doorstep.storage.base import Base
from doorstep.storage.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(get_settings().database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # One transaction for real: Python's sqlite3 begins one only at the first row
            # written, so each CREATE TABLE before it committed alone, and a migration
            # interrupted on a new file left tables without a revision, which every later
            # start then failed to create again ("table areas already exists").
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
