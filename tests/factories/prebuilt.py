"""Programmes built once per session and copied to each test that starts from one.

Building three households' plan takes 0.3-0.8 s; a copy, milliseconds. On SQLite the copy is
of the file. On PostgreSQL each table's rows are kept in a schema of the worker's database
and inserted back with triggers and foreign-key checks off (the rows are already what they
made), the sequences set where the build left them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, text

from doorstep.storage.base import Base
from doorstep.storage.session import make_engine
from tests.factories.emptied import empty_postgres, moved_sequences

#: Builds (part of) a programme in a database; the folder is for the files it reads. What it
#: returns is not kept.
Build = Callable[[Engine, Path], object]


class Prebuilt(Protocol):
    """``(engine, tmp_path, build, over=None)``: ``engine``'s database holds what ``over``
    builds from empty (nothing, if None); it then holds ``build``'s work on top, a copy
    made once where it can be (True) or built there (False), and ``tmp_path`` the files
    they read."""

    def __call__(
        self, engine: Engine, tmp_path: Path, build: Build, *, over: Build | None = None
    ) -> bool: ...


_DATABASE = ".prebuilt.db"


@dataclass(frozen=True)
class _Kept:
    """A programme kept in a PostgreSQL schema: the tables that hold rows, parents first,
    and the sequences that moved, with their last value and whether it was taken."""

    schema: str
    tables: tuple[str, ...]
    sequences: tuple[tuple[str, int, bool], ...]
    folder: Path


def prebuilt_programmes(template: Path, folder: Callable[[], Path]) -> Prebuilt:
    """A :class:`Prebuilt` whose SQLite programmes start from a copy of the migrated
    ``template`` and PostgreSQL ones from the caller's database emptied; each is built in a
    new ``folder()``, from empty, so the same whatever the caller's database held, and told
    apart by the names of ``over`` and ``build``."""
    files: dict[str, Path] = {}
    kept: dict[tuple[str, str], _Kept] = {}
    superuser: dict[str, bool] = {}

    def on_sqlite(engine: Engine, tmp_path: Path, build: Build, key: str) -> None:
        if key not in files:
            path = folder() / _DATABASE
            shutil.copy(template, path)
            eng = make_engine(f"sqlite:///{path}")
            build(eng, path.parent)  # over and build, from empty
            with eng.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            eng.dispose()
            files[key] = path
        source = files[key]
        engine.dispose()
        database = Path(str(engine.url.database))
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copy(source, database)
        _copy_files(source.parent, tmp_path)

    def on_postgres(engine: Engine, tmp_path: Path, build: Build, key: str) -> None:
        where = (str(engine.url.database), key)
        empty_postgres(engine)
        if where not in kept:
            built_in = folder()
            build(engine, built_in)
            kept[where] = _keep(engine, f"prebuilt_{len(kept)}", built_in)
        else:
            _put_back(engine, kept[where])
        _copy_files(kept[where].folder, tmp_path)

    def prebuilt(
        engine: Engine, tmp_path: Path, build: Build, *, over: Build | None = None
    ) -> bool:
        key = " over ".join(f"{b.__module__}.{b.__qualname__}" for b in (build, over) if b)
        whole = build if over is None else _then(over, build)
        if engine.dialect.name == "sqlite":
            on_sqlite(engine, tmp_path, whole, key)
            return True
        database = str(engine.url.database)
        if database not in superuser:
            superuser[database] = _may_skip_triggers(engine)
        if not superuser[database]:
            build(engine, tmp_path)
            return False
        on_postgres(engine, tmp_path, whole, key)
        return True

    return prebuilt


def _then(first: Build, then: Build) -> Build:
    def both(engine: Engine, folder: Path) -> None:
        first(engine, folder)
        then(engine, folder)

    return both


def _copy_files(source: Path, tmp_path: Path) -> None:
    for read in source.iterdir():
        if read.is_file() and not read.name.startswith(_DATABASE):
            shutil.copy(read, tmp_path / read.name)


def _may_skip_triggers(engine: Engine) -> bool:
    """Whether this role may insert rows with triggers off (a superuser may)."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar()
        )


def _keep(engine: Engine, schema: str, folder: Path) -> _Kept:
    tables = []
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        for table in Base.metadata.sorted_tables:
            if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table.name})")).scalar():
                conn.execute(
                    text(f"CREATE TABLE {schema}.{table.name} AS SELECT * FROM {table.name}")
                )
                tables.append(table.name)
        moved = tuple(moved_sequences(conn))
    return _Kept(schema, tuple(tables), moved, folder)


def _put_back(engine: Engine, kept: _Kept) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in kept.tables:
            conn.execute(text(f"INSERT INTO {table} SELECT * FROM {kept.schema}.{table}"))
        for name, last, called in kept.sequences:
            conn.execute(
                text("SELECT setval(:name, :last, :called)"),
                {"name": name, "last": last, "called": called},
            )
