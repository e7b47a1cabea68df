"""Each PostgreSQL test starts on an empty database whose ids start at 1, however the test
before it left it: a few rows (emptied by DELETE) or many (by TRUNCATE)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.storage.base import Base
from doorstep.storage.session import make_engine
from tests.factories.db import run_import
from tests.factories.emptied import DELETE_AT_MOST, empty_postgres
from tests.factories.files import AREA_HEADER, area_rows, write_csv

pytestmark = pytest.mark.postgres


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _files(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [
            conn.execute(text(f"SELECT pg_relation_filenode('{t.name}')")).scalar_one()
            for t in Base.metadata.sorted_tables
        ]


def _next_area_id(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "INSERT INTO areas (code, name, level, path, depth) "
                    "VALUES ('Z', 'Zed', 'region', '/Z/', 0) RETURNING id"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("extra", [0, DELETE_AT_MOST + 1], ids=["few", "many"])
def test_a_database_is_emptied_and_its_ids_start_again(
    postgres_url: str, tmp_path: Path, extra: int
) -> None:
    engine = make_engine(postgres_url)
    try:
        empty_postgres(engine)
        run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, entity, detail) "
                    "SELECT now(), 't', 'read', 'areas', '{}' FROM generate_series(1, :n)"
                ),
                {"n": extra},
            )
        held = _rows(engine)
        assert held["areas"] == 4 and held["pairing_input_writes"] > 0
        files = _files(engine)
        empty_postgres(engine)
        assert set(_rows(engine).values()) == {0}
        # TRUNCATE gives a table new files; DELETE, the cheap way, keeps them.
        assert (_files(engine) == files) is (extra <= DELETE_AT_MOST)
        assert _next_area_id(engine) == 1
    finally:
        empty_postgres(engine)
        engine.dispose()
