"""An empty languages cell is accepted, as file-mode pairing accepts it: the household or
visitor shares no language (and is paired with nobody for that reason). The column itself
is still required, so a file without it is not read as "no languages" for everyone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.factories.db import rejected, run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


def _languages(engine: Engine, table: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT external_id, languages FROM {table}")).all()
    return {r[0]: r[1] for r in rows}


def test_households_and_visitors_with_no_language_are_imported_as_speaking_none(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id="V1", languages=""), visitor(visitor_id="V2", languages=" ; ")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    hh = [household(household_id="H1", languages=""), household(household_id="H2")]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh)
    assert run_import(with_areas, "households", path).created == 2
    assert _languages(with_areas, "visitors") == {"V1": "", "V2": ""}
    assert _languages(with_areas, "households") == {"H1": "", "H2": "zh"}
    # The same file again changes nothing: an empty cell equals the none stored.
    again = run_import(with_areas, "households", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_an_empty_cell_clears_the_languages_stored_as_any_optional_value_does(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    run_import(with_areas, "households", write_csv(path, HOUSEHOLD_HEADER, [household()]))
    write_csv(path, HOUSEHOLD_HEADER, [household(languages="")])
    assert run_import(with_areas, "households", path).updated == 1
    assert _languages(with_areas, "households") == {"H1": ""}


@pytest.mark.parametrize(
    ("entity", "header", "row"),
    [
        ("households", HOUSEHOLD_HEADER, household()),
        ("visitors", VISITOR_HEADER, visitor()),
    ],
)
def test_a_file_without_the_languages_column_is_still_refused(
    with_areas: Engine, tmp_path: Path, entity: str, header: list[str], row: dict[str, object]
) -> None:
    narrow = [c for c in header if c != "languages"]
    path = write_csv(tmp_path / "f.csv", narrow, [{c: row.get(c, "") for c in narrow}])
    assert rejected(with_areas, entity, path) == [
        "row 1, column languages: required column is missing"
    ]
