"""An id is one id however Unicode spells it: ``CAFÉ`` with one character for É (NFC) and
with E and a combining accent (NFD) name the same household, visitor or area. (Ids stored
in NFD by earlier versions are re-spelt by migration 0009:
``tests/storage/test_ids_in_normal_form_migration.py``.)"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from sqlalchemy import Engine, text

from tests.factories.db import rejected, run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

NFC = unicodedata.normalize("NFC", "CAFÉ-1")
NFD = unicodedata.normalize("NFD", "CAFÉ-1")


def _ids(engine: Engine, table: str, column: str = "external_id") -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT {column} FROM {table} ORDER BY id")).scalars())


def test_the_two_spellings_are_stored_as_one_id_in_nfc(with_areas: Engine, tmp_path: Path) -> None:
    assert NFC != NFD
    first = write_csv(tmp_path / "a.csv", HOUSEHOLD_HEADER, [household(household_id=NFD)])
    assert run_import(with_areas, "households", first).created == 1
    again = write_csv(
        tmp_path / "b.csv", HOUSEHOLD_HEADER, [household(household_id=NFC, members=5)]
    )
    summary = run_import(with_areas, "households", again)
    assert (summary.created, summary.updated) == (0, 1)
    assert _ids(with_areas, "households") == [NFC]


def test_a_file_with_both_spellings_of_an_id_names_it_twice(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [visitor(visitor_id=NFC), visitor(visitor_id=NFD)]
    errors = rejected(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))
    assert len(errors) == 1 and "duplicate" in errors[0], errors
